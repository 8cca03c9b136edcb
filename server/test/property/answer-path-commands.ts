import fc from 'fast-check';
import { ExamClient, MemoryOutboxStorage } from '@examhall/client-sdk';
import { AnswerValue, type PaperQuestion } from '@examhall/shared';
import type { Queue } from 'bullmq';
import type { AnswerBatchJob } from '../../src/answers/queue.js';
import { DEMO_EXAM } from '../../src/exam/demo-exam.js';
import { answerValueFor } from './arbitraries.js';
import type { CutProxy } from './cut-proxy.js';

/**
 * Commands for the model-based test of the answer path (outbox → gateway → queue → worker →
 * upsert). The model is what the candidate last saved per question; every command leaves it as
 * it is except a save the schema accepts.
 */
export interface Model {
  latest: Map<string, { seq: number; value: AnswerValue }>;
  /** every accepted save, for duplicate deliveries */
  history: { questionId: string; seq: number; value: AnswerValue }[];
}

/** What outlives one run: the processes, the proxy, the queue. */
export interface World {
  proxy: CutProxy;
  queue: Queue<AnswerBatchJob>;
  restartWorker(): Promise<void>;
}

export interface Real {
  world: World;
  /** the gateway's URL, through the proxy */
  url: string;
  client: ExamClient;
  storage: MemoryOutboxStorage;
  token: string;
  attemptId: string;
  /** client 'error' events (a refused answer would show up here) */
  errors: unknown[];
}

type AnswerCommand = fc.AsyncCommand<Model, Real>;

/** How often each kind of command ran, so a test can tell that every kind was exercised. */
export const commandCounts = new Map<string, number>();
const counted = (kind: string) => commandCounts.set(kind, (commandCounts.get(kind) ?? 0) + 1);

/** A few questions of every type, so later saves overwrite earlier ones. */
const QUESTIONS: PaperQuestion[] = DEMO_EXAM.questions.slice(0, 6).map(({ key: _key, ...q }) => q);

/** JSON round trip: what the wire and jsonb make of a value (-0 becomes 0). */
const wireForm = (value: AnswerValue): AnswerValue => JSON.parse(JSON.stringify(value)) as AnswerValue;

function nextJoin(client: ExamClient, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const joined = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      client.off('joined', joined);
      reject(new Error(`no rejoin within ${timeoutMs} ms`));
    }, timeoutMs);
    client.once('joined', joined);
  });
}

export function newClient(url: string, token: string, storage: MemoryOutboxStorage, errors: unknown[]): ExamClient {
  const client = new ExamClient({
    url,
    token,
    storage,
    resendAfterMs: 3000,
    ackTimeoutMs: 5000,
    networkEvents: null,
    socketOptions: { reconnectionDelay: 100, reconnectionDelayMax: 1000 },
  });
  client.on('error', (error) => errors.push(error));
  return client;
}

class Save implements AnswerCommand {
  constructor(
    readonly questionId: string,
    readonly value: AnswerValue,
    readonly cutAfter: boolean,
  ) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    counted(this.cutAfter ? 'saveThenCut' : 'save');
    const accepted = AnswerValue.safeParse(this.value).success;
    const saving = real.client.saveAnswer(this.questionId, this.value);
    if (!accepted) {
      // refused by the shared schema before it reaches the outbox: nothing changes
      await saving.then(
        () => Promise.reject(new Error(`saveAnswer accepted ${JSON.stringify(this.value)}`)),
        (err: { code?: string }) => (err.code === 'BAD_REQUEST' ? undefined : Promise.reject(err)),
      );
      return;
    }
    const { seq } = await saving;
    // the frame is on its way: dropping the connection now loses it or its ack; the SDK resends
    if (this.cutAfter) real.world.proxy.cutAll();
    const previous = model.latest.get(this.questionId);
    if (previous && previous.seq >= seq) throw new Error(`seq went backwards for ${this.questionId}: ${previous.seq} then ${seq}`);
    model.latest.set(this.questionId, { seq, value: wireForm(this.value) });
    model.history.push({ questionId: this.questionId, seq, value: wireForm(this.value) });
  }
  toString = () => `${this.cutAfter ? 'saveThenCut' : 'save'}(${this.questionId}, ${JSON.stringify(this.value)})`;
}

class Reconnect implements AnswerCommand {
  check = () => true;
  async run(_model: Model, real: Real): Promise<void> {
    counted('reconnect');
    const rejoined = nextJoin(real.client, 20_000);
    real.world.proxy.cutAll();
    await rejoined;
  }
  toString = () => 'reconnect';
}

/** The same version delivered again: the queue gets a batch with an answer it already had. */
class DuplicateDelivery implements AnswerCommand {
  constructor(readonly pick: number) {}
  check = (model: Readonly<Model>) => model.history.length > 0;
  async run(model: Model, real: Real): Promise<void> {
    counted('duplicateDelivery');
    const { questionId, seq, value } = model.history[this.pick % model.history.length]!;
    await real.world.queue.add('batch', { gatewayId: 'property-duplicate', items: [{ a: real.attemptId, q: questionId, s: seq, v: value, r: Date.now() }] });
  }
  toString = () => `duplicateDelivery(#${this.pick})`;
}

/** The tab reloads: a new client on the same outbox storage, which joins and resends what is left. */
class Reload implements AnswerCommand {
  check = () => true;
  async run(_model: Model, real: Real): Promise<void> {
    counted('reload');
    await real.client.close();
    real.client = newClient(real.url, real.token, real.storage, real.errors);
    await real.client.connect();
    await real.client.join();
  }
  toString = () => 'reload';
}

class RestartWorker implements AnswerCommand {
  check = () => true;
  async run(_model: Model, real: Real): Promise<void> {
    counted('restartWorker');
    await real.world.restartWorker();
  }
  toString = () => 'restartWorker';
}

const save = (cutAfter: boolean) =>
  fc
    .constantFrom(...QUESTIONS)
    .chain((q) => answerValueFor(q).map((value) => new Save(q.id, value, cutAfter)));

/** Command sequences, the expensive ones (a worker restart boots a process) rarer. */
export function answerPathCommands(maxCommands: number) {
  return fc.commands(
    [
      fc.oneof(
        { arbitrary: save(false), weight: 10 },
        { arbitrary: save(true), weight: 4 },
        { arbitrary: fc.constant(new Reconnect()), weight: 2 },
        { arbitrary: fc.nat().map((n) => new DuplicateDelivery(n)), weight: 3 },
        { arbitrary: fc.constant(new Reload()), weight: 2 },
        { arbitrary: fc.constant(new RestartWorker()), weight: 1 },
      ),
    ],
    { maxCommands, size: 'max' },
  );
}
