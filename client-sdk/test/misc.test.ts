import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ExamClient,
  LocalStorageOutboxStorage,
  MemoryOutboxStorage,
  backoffDelay,
  decodeTokenClaims,
  outboxKeyForToken,
  type SyncStorage,
} from '../src/index.js';
import { FileOutboxStorage } from '../src/node.js';
import { ClockSync } from '../src/clock.js';
import { eventually, harness, record } from './harness.js';
import { fakeToken } from './peer.js';

const h = harness();
const THREE_HOURS = 3 * 3_600_000;

describe('clock', () => {
  it('estimates the offset of a server whose clock is hours ahead', async () => {
    const peer = await h.peer({ clockShiftMs: THREE_HOURS });
    const client = await h.joined(peer);
    expect(Math.abs(client.serverNow() - (Date.now() + THREE_HOURS))).toBeLessThan(1_000);
    expect(Math.abs(client.clockOffsetMs - THREE_HOURS)).toBeLessThan(1_000);
  });

  it('keeps the sample with the smallest round trip', () => {
    const clock = new ClockSync();
    clock.addSample(1_000, 1_100, 5_050); // rtt 100 -> offset 4000
    expect(clock.offsetMs).toBe(4_000);
    clock.addSample(2_000, 2_400, 9_999); // rtt 400: less precise, ignored
    expect(clock.offsetMs).toBe(4_000);
    clock.addSample(3_000, 3_020, 7_030); // rtt 20 -> offset 4020
    expect(clock.offsetMs).toBe(4_020);
    expect(clock.roundTripMs).toBe(20);
  });
});

describe('token and options', () => {
  it('derives the outbox key from the token claims', () => {
    const token = fakeToken({ sub: 'cand-7', sit: 'sit-2', ümlaut: 'ü' });
    expect(decodeTokenClaims(token)).toMatchObject({ sub: 'cand-7', sit: 'sit-2', ümlaut: 'ü' });
    expect(outboxKeyForToken(token)).toBe('examhall:outbox:cand-7:sit-2');
    expect(new ExamClient({ url: 'http://x', token }).storageKey).toBe('examhall:outbox:cand-7:sit-2');
  });

  it('refuses a token without claims unless a storageKey is given', () => {
    expect(() => new ExamClient({ url: 'http://x', token: 'not-a-jwt' })).toThrow(expect.objectContaining({ code: 'AUTH_INVALID' }));
    expect(new ExamClient({ url: 'http://x', token: 'not-a-jwt', storageKey: 'k' }).storageKey).toBe('k');
  });

  it('validates options', () => {
    const token = fakeToken();
    expect(() => new ExamClient({ url: 'http://x', token, maxInFlight: 0 })).toThrow(/maxInFlight/);
    expect(() => new ExamClient({ url: '', token })).toThrow(/url/);
    expect(() => new ExamClient({ url: 'http://x', token, transports: [] })).toThrow(/transports/);
    expect(() => new ExamClient({ url: 'http://x', token, clockSyncIntervalMs: 0 })).toThrow(/clockSyncIntervalMs/);
    expect(() => new ExamClient({ url: 'http://x', token, clockSyncPreciseRoundTripMs: -1 })).toThrow(/clockSyncPreciseRoundTripMs/);
    expect(() => new ExamClient({ url: 'http://x', token, submitTimeoutMs: Number.NaN })).toThrow(/submitTimeoutMs/);
  });

  it('keeps backoff within full-jitter bounds', () => {
    expect(backoffDelay(0, undefined, () => 0.999)).toBeLessThan(200);
    expect(backoffDelay(3, undefined, () => 0.999)).toBe(1_598);
    expect(backoffDelay(40, undefined, () => 0.999)).toBe(9_990);
    expect(backoffDelay(5, undefined, () => 0)).toBe(0);
  });
});

describe('emitter', () => {
  it('off() removes a once() listener too', async () => {
    const peer = await h.peer();
    const client = h.client(peer);
    const seen: string[] = [];
    const listener = () => seen.push('connected');
    client.once('connected', listener);
    client.off('connected', listener);
    client.once('joined', () => seen.push('joined'));
    await client.connect();
    await client.join();
    await client.join();
    expect(seen).toEqual(['joined']);
  });
});

describe('storage', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('FileOutboxStorage round-trips, overwrites atomically and removes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'examhall-outbox-'));
    dirs.push(dir);
    const storage = new FileOutboxStorage(join(dir, 'nested'));
    const key = 'examhall:outbox:cand/1:sit-1';
    expect(await storage.load(key)).toBeNull();
    await storage.save(key, '{"v":1}');
    await Promise.all([storage.save(key, 'second'), storage.save('other', 'x')]);
    expect(await storage.load(key)).toBe('second');
    expect(await storage.load('other')).toBe('x');
    const files = await readdir(join(dir, 'nested'));
    expect(files.sort()).toEqual(['examhall%3aoutbox%3acand%2f1%3asit-1.json', 'other.json']);
    await storage.remove(key);
    await storage.remove(key);
    expect(await storage.load(key)).toBeNull();
  });

  it('an ExamClient over FileOutboxStorage finds its answers after a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'examhall-outbox-'));
    dirs.push(dir);
    const peer = await h.peer({ onSave: () => 'noack' });
    const first = await h.joined(peer, { storage: new FileOutboxStorage(dir, { fsync: false }) });
    await first.saveAnswer('q1', { kind: 'choice', optionIds: ['b'] });
    await first.close();

    const second = h.client(peer, { storage: new FileOutboxStorage(dir, { fsync: false }) });
    await second.ready();
    expect(second.pendingCount()).toBe(1);
    expect(second.answers().get('q1')).toEqual({ value: { kind: 'choice', optionIds: ['b'] }, seq: 1, state: 'pending' });
  });

  it('LocalStorageOutboxStorage wraps a synchronous Storage', async () => {
    const backing = new Map<string, string>();
    const fake: SyncStorage = {
      getItem: (key) => backing.get(key) ?? null,
      setItem: (key, value) => void backing.set(key, value),
      removeItem: (key) => void backing.delete(key),
    };
    const storage = new LocalStorageOutboxStorage(fake);
    await storage.save('k', 'v');
    expect(await storage.load('k')).toBe('v');
    await storage.remove('k');
    expect(await storage.load('k')).toBeNull();
    expect(() => new LocalStorageOutboxStorage()).toThrow(/localStorage/);
  });

  it('keeps an unreadable stored outbox aside, reports it and carries on', async () => {
    const storage = new MemoryOutboxStorage();
    const key = outboxKeyForToken(fakeToken());
    await storage.save(key, '{"v":1,"lastSeq":9,"synced":true,"entries":[{"questionId":"q1","seq":9,"value":null},{"seq":"x"}]}');
    const peer = await h.peer();
    const client = h.client(peer, { storage });
    const errors = record(client, 'error');
    await client.connect();
    await client.join();
    expect(errors[0]?.detail).toMatch(/1 stored outbox entries are damaged/);
    expect(await storage.load(`${key}:unreadable`)).toContain('"seq":"x"');
    await eventually(() => expect(peer.queued.get('q1')?.seq).toBe(9));
    expect((await client.saveAnswer('q2', null)).seq).toBe(10);
  });

  it('rejects waitUntilDrained after its timeout', async () => {
    const peer = await h.peer({ onSave: () => 'noack' });
    const client = await h.joined(peer);
    await client.saveAnswer('q1', null);
    await expect(client.waitUntilDrained(50)).rejects.toThrow(/still uncommitted/);
  });
});
