import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Writable } from 'node:stream';
import pino from 'pino';
import { ExamhallError } from '@examhall/shared';
import { CircuitOpenError, DependencyBreaker, isPostgresUnavailable } from '../src/store/breakers.js';
import { circuitMetrics } from '../src/observability/backpressure-metrics.js';
import { loadConfig } from '../src/config/config.js';

/**
 * The breaker's state machine on a fake clock (cockatiel reads Date.now; vitest fakes it and the
 * timers). The "dependency" is a plain function that fails or succeeds on demand: what is under
 * test is the wiring (counting, refusing, probing, metrics, logs), not a database.
 */
const SETTINGS = { BREAKER_FAILURES: 3, BREAKER_WINDOW_MS: 10_000, BREAKER_COOLDOWN_MS: 5000 };
const connectionRefused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

let logs: { level: number; msg: string }[];
let probeOk: boolean;
let probes: number;

function breaker(timeoutMs = 1000): DependencyBreaker {
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return new DependencyBreaker({
    dependency: 'postgres',
    role: 'gateway',
    settings: SETTINGS,
    timeoutMs,
    unavailable: 'STORE_UNAVAILABLE',
    countsAsFailure: isPostgresUnavailable,
    probe: async () => {
      probes++;
      if (!probeOk) throw connectionRefused();
    },
    logger: pino({ level: 'info' }, sink),
  });
}

async function gauge(): Promise<number | undefined> {
  const { values } = await circuitMetrics.state.get();
  return values.find((v) => v.labels.dependency === 'postgres' && v.labels.role === 'gateway')?.value;
}

async function transitions(to: string): Promise<number> {
  const { values } = await circuitMetrics.transitions.get();
  return values.find((v) => v.labels.role === 'gateway' && v.labels.to === to)?.value ?? 0;
}

const failing = () => Promise.reject(connectionRefused());
const code = (p: Promise<unknown>) => p.then(() => 'ok', (err: unknown) => (err instanceof ExamhallError ? err.code : String(err)));

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  logs = [];
  probeOk = false;
  probes = 0;
  circuitMetrics.transitions.reset();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('DependencyBreaker', () => {
  it('opens after K failures in a row, then refuses at once without calling the dependency, logging once', async () => {
    const b = breaker();
    for (let i = 0; i < SETTINGS.BREAKER_FAILURES; i++) expect(await code(b.run(failing))).toBe('STORE_UNAVAILABLE');
    expect(b.state).toBe('open');
    expect(await gauge()).toBe(2);

    const work = vi.fn(async () => 'never');
    for (let i = 0; i < 50; i++) await expect(b.run(work)).rejects.toBeInstanceOf(CircuitOpenError);
    expect(work).not.toHaveBeenCalled();
    expect(logs.filter((l) => l.msg.startsWith('circuit'))).toEqual([expect.objectContaining({ level: 40, msg: 'circuit opened: calls are refused at once' })]);
    expect(await transitions('open')).toBe(1);
    b.stop();
  });

  it('after the cool-down probes by itself: a failed probe opens it again, a good one closes it', async () => {
    const b = breaker();
    for (let i = 0; i < SETTINGS.BREAKER_FAILURES; i++) await code(b.run(failing));
    await vi.advanceTimersByTimeAsync(SETTINGS.BREAKER_COOLDOWN_MS - 100);
    expect(probes).toBe(0);
    await vi.advanceTimersByTimeAsync(200);
    expect(probes).toBe(1);
    expect(b.state).toBe('open'); // the probe failed

    probeOk = true;
    await vi.advanceTimersByTimeAsync(SETTINGS.BREAKER_COOLDOWN_MS + 100);
    expect(probes).toBe(2);
    expect(b.state).toBe('closed');
    expect(await gauge()).toBe(0);
    expect(await b.run(async () => 'served')).toBe('served');
    expect(logs.map((l) => l.msg)).toEqual([
      'circuit opened: calls are refused at once',
      'circuit half-open: probing',
      'circuit opened: calls are refused at once',
      'circuit half-open: probing',
      'circuit closed: dependency is back',
    ]);
    expect([await transitions('open'), await transitions('half_open'), await transitions('closed')]).toEqual([2, 2, 1]);
    b.stop();
  });

  it('refuses other calls at once while the probe is out (half-open)', async () => {
    const b = breaker(60_000);
    for (let i = 0; i < SETTINGS.BREAKER_FAILURES; i++) await code(b.run(failing));
    await vi.advanceTimersByTimeAsync(SETTINGS.BREAKER_COOLDOWN_MS);
    let release: () => void = () => undefined;
    const slowProbe = b.run(() => new Promise<string>((resolve) => (release = () => resolve('probe ok'))));
    expect(b.state).toBe('half_open');
    expect(await gauge()).toBe(1);
    await expect(b.run(async () => 'other')).rejects.toBeInstanceOf(CircuitOpenError);
    release();
    expect(await slowProbe).toBe('probe ok');
    expect(b.state).toBe('closed');
    b.stop();
  });

  it('counts a timeout as a failure and answers it with the coded error', async () => {
    const b = breaker(1000);
    const hung = () => new Promise<never>(() => undefined);
    for (let i = 0; i < SETTINGS.BREAKER_FAILURES; i++) {
      const call = code(b.run(hung));
      await vi.advanceTimersByTimeAsync(1000);
      expect(await call).toBe('STORE_UNAVAILABLE');
    }
    expect(b.state).toBe('open');
    b.stop();
  });

  it('does not open for failures spread wider than the window, nor for errors that are not about reachability', async () => {
    const b = breaker();
    for (let i = 0; i < 10; i++) {
      await code(b.run(failing));
      await vi.advanceTimersByTimeAsync(SETTINGS.BREAKER_WINDOW_MS / 2 + 1); // every other failure starts a new window
    }
    expect(b.state).toBe('closed');
    const constraint = Object.assign(new Error('duplicate key'), { code: '23505' });
    for (let i = 0; i < 10; i++) await expect(b.run(() => Promise.reject(constraint))).rejects.toBe(constraint);
    const examhall = new ExamhallError('SITTING_CLOSED');
    await expect(b.run(() => Promise.reject(examhall))).rejects.toBe(examhall);
    expect(b.state).toBe('closed');
    b.stop();
  });

  it('takes its thresholds from the config, with defaults', () => {
    const config = loadConfig({});
    expect([config.BREAKER_FAILURES, config.BREAKER_WINDOW_MS, config.BREAKER_COOLDOWN_MS]).toEqual([5, 10_000, 5000]);
    expect(config.BREAKER_GATEWAY_PG_TIMEOUT_MS).toBeLessThan(10_000); // below the SDK's ack timeout
    expect(loadConfig({ BREAKER_FAILURES: '2', BREAKER_COOLDOWN_MS: '750' })).toMatchObject({ BREAKER_FAILURES: 2, BREAKER_COOLDOWN_MS: 750 });
    expect(() => loadConfig({ BREAKER_FAILURES: '0' })).toThrow('BREAKER_FAILURES');
  });

  it('tells unreachable-Postgres errors from statement errors', () => {
    for (const c of ['ECONNREFUSED', 'ECONNRESET', 'CONNECTION_CLOSED', 'CONNECT_TIMEOUT', '57P01', '53300', '08006']) expect(isPostgresUnavailable({ code: c })).toBe(true);
    for (const c of ['23505', '42P01', '40001', undefined]) expect(isPostgresUnavailable({ code: c })).toBe(false);
  });
});
