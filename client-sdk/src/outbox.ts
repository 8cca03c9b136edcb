import { Seq, StoredAnswer, type AnswerValue } from '@examhall/shared';
import type { OutboxStorage } from './storage.js';

export type OutboxEntryState = 'pending' | 'sending' | 'queued';

/** The latest uncommitted answer for one question. */
export interface OutboxEntry {
  readonly questionId: string;
  seq: number;
  readonly value: AnswerValue;
  state: OutboxEntryState;
  /** local time of the `queued` ack, for the resend-after check */
  queuedAt?: number;
  /**
   * Numbered before this storage key ever saw a join reply (fresh device or wiped storage, saving
   * offline): its seq may be below what the server holds, so the next join renumbers it above the
   * stored seqs instead of mistaking it for an answer the server already has.
   */
  provisional: boolean;
  /** false until a storage write containing this entry has finished: nothing is sent before that */
  written: boolean;
  /** failed sends in a row: the backoff exponent */
  attempts: number;
  retryTimer?: ReturnType<typeof setTimeout>;
}

/**
 * What goes to storage. Send state is not kept: after a reload nothing is in flight, and the
 * rejoin resends every entry left anyway.
 */
interface PersistedOutbox {
  v: 1;
  lastSeq: number;
  synced: boolean;
  entries: Array<StoredAnswer & { provisional?: true }>;
}

/**
 * The candidate's answers not yet committed, one entry per question, mirrored to storage.
 * Owns seq numbering: strictly increasing per attempt, across reloads (lastSeq is persisted)
 * and above anything a join reply reported.
 */
export class Outbox {
  private readonly entries = new Map<string, OutboxEntry>();
  private lastSeq = 0;
  /** this key has seen a join reply, so lastSeq is at least the server's highest seq */
  private synced = false;
  private loading: Promise<void> | null = null;
  private loaded = false;
  private writing: Promise<unknown> = Promise.resolve();
  private scheduled: Promise<void> | null = null;

  constructor(
    private readonly storage: OutboxStorage,
    readonly key: string,
    /** called when stored data could not be read; the raw text was copied to `${key}:unreadable` */
    private readonly onUnreadable: (detail: string) => void,
  ) {}

  /** Loads once; a failed load is retried by the next call. */
  ready(): Promise<void> {
    if (this.loaded) return Promise.resolve();
    this.loading ??= this.load().then(
      () => {
        this.loaded = true;
      },
      (error: unknown) => {
        this.loading = null;
        throw error;
      },
    );
    return this.loading;
  }

  get size(): number {
    return this.entries.size;
  }

  get(questionId: string): OutboxEntry | undefined {
    return this.entries.get(questionId);
  }

  /** In save order, oldest first: the order answers are sent in. */
  values(): IterableIterator<OutboxEntry> {
    return this.entries.values();
  }

  /** Records the latest answer for a question under a new seq, superseding any older one. */
  put(questionId: string, value: AnswerValue): OutboxEntry {
    this.assertLoaded();
    const previous = this.entries.get(questionId);
    if (previous) this.delete(previous);
    const entry: OutboxEntry = {
      questionId,
      seq: ++this.lastSeq,
      value,
      state: 'pending',
      provisional: !this.synced,
      written: false,
      attempts: 0,
    };
    this.entries.set(questionId, entry);
    return entry;
  }

  /** Removes the question's entry if `seq` covers it (committed or already stored); returns it. */
  dropIfCovered(questionId: string, seq: number): OutboxEntry | undefined {
    const entry = this.entries.get(questionId);
    if (!entry || entry.seq > seq) return undefined;
    this.delete(entry);
    return entry;
  }

  /** Removes exactly this entry (a rejected answer), unless it was superseded meanwhile. */
  drop(entry: OutboxEntry): boolean {
    if (this.entries.get(entry.questionId) !== entry) return false;
    this.delete(entry);
    return true;
  }

  /**
   * After a join: entries the server already holds (seq <= stored seq) need no resend; seqs
   * continue above everything the server reported; provisional entries are renumbered.
   * Returns whether anything that is persisted changed.
   */
  reconcile(stored: readonly StoredAnswer[]): boolean {
    this.assertLoaded();
    const before = { lastSeq: this.lastSeq, size: this.entries.size, synced: this.synced };
    const storedSeq = new Map<string, number>();
    for (const answer of stored) {
      storedSeq.set(answer.questionId, answer.seq);
      this.lastSeq = Math.max(this.lastSeq, answer.seq);
    }
    for (const entry of [...this.entries.values()]) {
      const held = storedSeq.get(entry.questionId);
      if (!entry.provisional && held !== undefined && entry.seq <= held) this.delete(entry);
    }
    for (const entry of this.entries.values()) {
      if (!entry.provisional) continue;
      entry.seq = ++this.lastSeq;
      entry.provisional = false;
      entry.written = false;
    }
    this.synced = true;
    return before.lastSeq !== this.lastSeq || before.size !== this.entries.size || !before.synced;
  }

  /**
   * Writes the current state. Writes never overlap (the last one to finish is the newest) and
   * calls made while one is waiting share it. Resolves once a write that includes every change
   * made before the call has finished.
   */
  persist(): Promise<void> {
    this.scheduled ??= this.writeAfter(this.writing);
    return this.scheduled;
  }

  /** Waits for writes already started or scheduled; never rejects. */
  async flush(): Promise<void> {
    await (this.scheduled ?? this.writing).catch(() => undefined);
  }

  private async writeAfter(previous: Promise<unknown>): Promise<void> {
    await previous.catch(() => undefined);
    this.scheduled = null; // changes from here on belong to the next write
    // the seq is captured too: a join may renumber a provisional entry while this write runs
    const snapshot = [...this.entries.values()].map((entry) => ({ entry, seq: entry.seq }));
    const text = this.serialize(snapshot.map(({ entry }) => entry));
    const write = Promise.resolve().then(() => this.storage.save(this.key, text));
    this.writing = write;
    try {
      await write;
    } finally {
      // Even when storage failed the answer stays in memory and is sent: better on the server
      // than nowhere. The caller of saveAnswer still sees the rejection.
      for (const { entry, seq } of snapshot) if (entry.seq === seq) entry.written = true;
    }
  }

  private serialize(snapshot: readonly OutboxEntry[]): string {
    const persisted: PersistedOutbox = {
      v: 1,
      lastSeq: this.lastSeq,
      synced: this.synced,
      entries: snapshot.map(({ questionId, seq, value, provisional }) =>
        provisional ? { questionId, seq, value, provisional: true as const } : { questionId, seq, value },
      ),
    };
    return JSON.stringify(persisted);
  }

  private async load(): Promise<void> {
    const raw = await this.storage.load(this.key);
    if (raw === null) return;
    const { outbox, problem } = parsePersisted(raw);
    if (problem) {
      // keep the original aside instead of overwriting it: answers may still be recovered from it
      await this.storage.save(`${this.key}:unreadable`, raw);
      this.onUnreadable(problem);
    }
    if (!outbox) return;
    this.synced = outbox.synced;
    this.lastSeq = outbox.lastSeq;
    for (const { questionId, seq, value, provisional } of outbox.entries) {
      const existing = this.entries.get(questionId);
      if (existing && existing.seq >= seq) continue;
      this.lastSeq = Math.max(this.lastSeq, seq);
      this.entries.set(questionId, { questionId, seq, value, state: 'pending', provisional: provisional === true, written: true, attempts: 0 });
    }
  }

  private delete(entry: OutboxEntry): void {
    if (entry.retryTimer !== undefined) clearTimeout(entry.retryTimer);
    entry.retryTimer = undefined;
    this.entries.delete(entry.questionId);
  }

  private assertLoaded(): void {
    if (!this.loaded) throw new Error('outbox used before ready() resolved');
  }
}

/** Reads what storage held; keeps every valid entry even when some are damaged. */
function parsePersisted(raw: string): { outbox?: PersistedOutbox; problem?: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(raw);
  } catch {
    return { problem: 'stored outbox is not JSON' };
  }
  if (typeof doc !== 'object' || doc === null || (doc as { v?: unknown }).v !== 1) {
    return { problem: 'stored outbox has an unknown format' };
  }
  const { lastSeq, synced, entries } = doc as Record<string, unknown>;
  const outbox: PersistedOutbox = {
    v: 1,
    lastSeq: Seq.safeParse(lastSeq).success ? (lastSeq as number) : 0,
    synced: synced === true,
    entries: [],
  };
  let damaged = 0;
  for (const item of Array.isArray(entries) ? entries : []) {
    const parsed = StoredAnswer.safeParse(item);
    if (!parsed.success) {
      damaged++;
      continue;
    }
    const provisional = (item as { provisional?: unknown }).provisional === true;
    outbox.entries.push(provisional ? { ...parsed.data, provisional: true } : parsed.data);
  }
  if (!Array.isArray(entries)) return { outbox, problem: 'stored outbox has no entry list' };
  return damaged > 0 ? { outbox, problem: `${damaged} stored outbox entries are damaged and were skipped` } : { outbox };
}
