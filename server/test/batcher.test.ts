import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { ExamhallError } from '@examhall/shared';
import { AnswerBatcher, type BatcherOptions } from '../src/answers/batcher.js';
import type { AnswerItem } from '../src/answers/queue.js';

const logger = pino({ level: 'silent' });
const item = (s: number): AnswerItem => ({ a: 'a', q: 'q', s, v: null, r: 0 });

function batcher(overrides: Partial<BatcherOptions>) {
  const batches: AnswerItem[][] = [];
  const b = new AnswerBatcher({
    maxAnswers: 3,
    maxWaitMs: 20,
    maxPending: 100,
    enqueueTimeoutMs: 200,
    enqueue: async (items) => void batches.push(items),
    logger,
    ...overrides,
  });
  return { b, batches };
}

describe('answer batcher', () => {
  it('flushes when the batch is full, and after maxWaitMs otherwise', async () => {
    const { b, batches } = batcher({});
    await Promise.all([1, 2, 3, 4].map((s) => b.submit(item(s))));
    expect(batches.map((x) => x.map((i) => i.s))).toEqual([[1, 2, 3], [4]]);
  });

  it('settles callers only after the enqueue resolved', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { b } = batcher({ enqueue: () => gate, maxWaitMs: 0 });
    let settled = false;
    const p = b.submit(item(1)).then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 30));
    expect(settled).toBe(false);
    release();
    await p;
    expect(settled).toBe(true);
  });

  it('rejects with QUEUE_UNAVAILABLE when the enqueue fails or times out', async () => {
    const failing = batcher({ enqueue: async () => Promise.reject(new Error('down')) }).b;
    await expect(failing.submit(item(1))).rejects.toMatchObject({ code: 'QUEUE_UNAVAILABLE' });
    const hanging = batcher({ enqueue: () => new Promise(() => {}), enqueueTimeoutMs: 50 }).b;
    await expect(hanging.submit(item(1))).rejects.toBeInstanceOf(ExamhallError);
  });

  it('says OVERLOADED beyond maxPending instead of growing, and recovers', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { b } = batcher({ enqueue: () => gate, maxPending: 2, maxAnswers: 10, maxWaitMs: 0 });
    const first = [b.submit(item(1)), b.submit(item(2))];
    await expect(b.submit(item(3))).rejects.toMatchObject({ code: 'OVERLOADED', error: { retryable: true } });
    release();
    await Promise.all(first);
    await expect(b.submit(item(4))).resolves.toBeUndefined();
  });

  it('drain flushes the open batch; after close new answers are refused', async () => {
    const { b, batches } = batcher({ maxWaitMs: 10_000 });
    const p = b.submit(item(1));
    await b.close();
    await p;
    expect(batches).toHaveLength(1);
    await expect(b.submit(item(2))).rejects.toMatchObject({ code: 'OVERLOADED' });
  });
});
