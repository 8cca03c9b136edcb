import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { acceptsAnswerAt, deadlineAt, sectionClosesAt, unpausedDeadline, type DeadlineInputs } from '../src/exam/deadline.js';
import { createTestEnv, type TestEnv } from './helpers/env.js';

const MIN = 60_000;
const base: DeadlineInputs = {
  startedAt: Date.UTC(2026, 10, 22, 9, 0),
  durationS: 90 * 60,
  windowClosesAt: Date.UTC(2026, 10, 22, 12, 0),
  extraTimeS: 0,
  extraTimeMultiplier: 1,
  extensionS: 0,
  pausedMs: 0,
  pausedAt: null,
};

describe('deadline arithmetic', () => {
  it('is start + duration for a plain attempt', () => {
    expect(unpausedDeadline(base)).toBe(base.startedAt + 90 * MIN);
  });

  it('adds extra minutes, a multiplier, and extensions', () => {
    expect(unpausedDeadline({ ...base, extraTimeS: 15 * 60 })).toBe(base.startedAt + 105 * MIN);
    expect(unpausedDeadline({ ...base, extraTimeMultiplier: 1.5 })).toBe(base.startedAt + 135 * MIN);
    expect(unpausedDeadline({ ...base, extraTimeMultiplier: 1.5, extraTimeS: 600, extensionS: 300 })).toBe(base.startedAt + 150 * MIN);
  });

  it('never runs past the window close — except by time spent paused', () => {
    expect(unpausedDeadline({ ...base, extensionS: 5 * 3600 })).toBe(base.windowClosesAt);
    expect(unpausedDeadline({ ...base, extensionS: 5 * 3600, pausedMs: 10 * MIN })).toBe(base.windowClosesAt + 10 * MIN);
  });

  it('moves later while a pause runs, and takes no answers during it', () => {
    const paused = { ...base, pausedAt: base.startedAt + 30 * MIN };
    expect(deadlineAt(paused, base.startedAt + 40 * MIN)).toBe(base.startedAt + 100 * MIN);
    expect(acceptsAnswerAt(paused, 0, base.startedAt + 31 * MIN)).toBe(false);
    expect(acceptsAnswerAt(base, 30_000, base.startedAt + 90 * MIN + 30_000)).toBe(true);
    expect(acceptsAnswerAt(base, 30_000, base.startedAt + 90 * MIN + 30_001)).toBe(false);
  });

  it('closes a timed section at its own limit, scaled and moved like the attempt', () => {
    expect(sectionClosesAt(base, 20 * 60, base.startedAt)).toBe(base.startedAt + 20 * MIN);
    expect(sectionClosesAt({ ...base, extraTimeMultiplier: 1.5, pausedMs: MIN }, 20 * 60, base.startedAt)).toBe(base.startedAt + 31 * MIN);
    expect(sectionClosesAt(base, 200 * 60, base.startedAt)).toBe(base.startedAt + 90 * MIN);
  });
});

describe('the SQL deadline rule and its TypeScript mirror agree', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv();
  });
  afterAll(() => env?.cleanup());

  it('for random inputs', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          startedAt: fc.integer({ min: 1.7e12, max: 1.9e12 }),
          durationS: fc.integer({ min: 1, max: 6 * 3600 }),
          windowAfterS: fc.integer({ min: 1, max: 12 * 3600 }),
          extraTimeS: fc.integer({ min: 0, max: 3600 }),
          extraTimeMultiplier: fc.integer({ min: 100, max: 300 }).map((h) => h / 100),
          extensionS: fc.integer({ min: 0, max: 7200 }),
          pausedMs: fc.integer({ min: 0, max: 3_600_000 }),
        }),
        async (r) => {
          const inputs: DeadlineInputs = { ...r, windowClosesAt: r.startedAt + r.windowAfterS * 1000, pausedAt: null };
          const [row] = await env.sql.unsafe<{ deadline: Date }[]>(
            `SELECT "${env.config.DATABASE_SCHEMA}".attempt_deadline($1, $2, $3, $4, $5, $6, $7) AS deadline`,
            [new Date(inputs.startedAt), r.durationS, new Date(inputs.windowClosesAt), r.extraTimeS, r.extraTimeMultiplier, r.extensionS, r.pausedMs],
          );
          expect(row!.deadline.getTime()).toBe(unpausedDeadline(inputs));
        },
      ),
      { numRuns: 300 },
    );
  });
});
