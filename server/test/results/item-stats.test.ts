/**
 * Item statistics against a tiny sitting whose figures were worked out by hand (real scoring, real
 * Postgres): difficulty, point-biserial with the rest-score, upper–lower 27% index, omit rate, option
 * counts; an essay nobody answered; scoped to a district; the CLI's table; and the API route.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttemptServices } from '../../src/attempts/services.js';
import { itemStatistics } from '../../src/results/item-stats.js';
import { createTestEnv, type TestEnv } from '../helpers/env.js';
import { startTestApi, type TestApi } from '../helpers/api.js';
import { choice, createFinishedSitting, numeric, openAttemptServices } from './fixture.js';

let env: TestEnv;
let attempts: AttemptServices;
let api: TestApi;

// points   r1 r2 r3 | total    (r3: 2 points, partial credit: [a] = 1, [a, c] = 2, [b] = 0)
// s-a       1  1  2 |  4
// s-b       1  0  1 |  2
// s-c       0  1  – |  1      (r3 omitted)
// s-d       –  0  0 |  0      (r1 omitted)
// s-e       1  1  1 |  3
// s-f: started, never finished: not counted
beforeAll(async () => {
  env = await createTestEnv();
  attempts = openAttemptServices(env);
  api = await startTestApi(env);
  await createFinishedSitting(env, attempts, 'stats', [
    { id: 's-a', name: 'A', center: 'mumbai-c1', answers: { r1: choice('r1-a'), r2: numeric(24), r3: choice('r3-a', 'r3-c') } },
    { id: 's-b', name: 'B', center: 'mumbai-c2', answers: { r1: choice('r1-a'), r2: numeric(5), r3: choice('r3-a') } },
    { id: 's-c', name: 'C', center: 'pune-c1', answers: { r1: choice('r1-b'), r2: numeric(24) } },
    { id: 's-d', name: 'D', center: 'pune-c1', answers: { r2: numeric(3), r3: choice('r3-b') } },
    { id: 's-e', name: 'E', center: 'nagpur-c1', answers: { r1: choice('r1-a'), r2: numeric(24), r3: choice('r3-a') } },
    { id: 's-f', name: 'F', center: 'nagpur-c1', answers: {}, finish: false },
  ]);
});
afterAll(async () => {
  await api?.close();
  await attempts?.close();
  await env?.cleanup();
});

describe('item statistics', () => {
  it('match the hand-computed difficulty, point-biserial, 27% index, omit rate and option counts', async () => {
    const stats = await itemStatistics(env.sql, 'stats');
    expect(stats.attempts).toBe(5);
    const [r1, r2, r3, r4] = stats.items;
    // r1: x = [1,1,0,0,1], rest = [3,1,1,0,2]: Σdxdy = 1.8, Σdx² = 1.2, Σdy² = 5.2 → r = 1.8 / √6.24
    expect(r1).toMatchObject({ questionId: 'r1', attempts: 5, answered: 4, omitRate: 0.2, pending: 0, difficulty: 0.6, pointBiserial: 0.7206, upperLowerIndex: 1 });
    expect(r1!.options).toEqual([
      { optionId: 'r1-a', count: 3, keyed: true }, { optionId: 'r1-b', count: 1, keyed: false },
      { optionId: 'r1-c', count: 0, keyed: false }, { optionId: 'r1-d', count: 0, keyed: false },
    ]);
    // r2: x = [1,0,1,0,1], rest = [3,2,0,0,2]: Σdxdy = 0.8, Σdx² = 1.2, Σdy² = 7.2 → r = 0.8 / √8.64
    // lowest total is s-d (r2 = 0), highest s-a (r2 = 1): D = 1
    expect(r2).toMatchObject({ answered: 5, omitRate: 0, difficulty: 0.6, pointBiserial: 0.2722, upperLowerIndex: 1 });
    expect(r2!.options).toBeUndefined();
    // r3 (max 2): x = [2,1,0,0,1] → p = 0.8 / 2; rest = [2,1,1,0,2]: Σdxdy = 2.2, Σdx² = Σdy² = 2.8 → r = 0.7857
    expect(r3).toMatchObject({ maxPoints: 2, answered: 4, omitRate: 0.2, difficulty: 0.4, pointBiserial: 0.7857, upperLowerIndex: 1 });
    expect(r3!.options!.map((o) => [o.optionId, o.count, o.keyed])).toEqual([['r3-a', 3, true], ['r3-b', 1, false], ['r3-c', 1, true], ['r3-d', 0, false]]);
    // r4: an essay nobody answered: all omitted, no variance, so no correlation
    expect(r4).toMatchObject({ questionId: 'r4', type: 'essay', answered: 0, omitRate: 1, difficulty: 0, pointBiserial: null });
  });

  it('narrow to a district, and refuse an unknown one or an unknown sitting with a coded error', async () => {
    const pune = await itemStatistics(env.sql, 'stats', { district: 'pune' });
    expect(pune.attempts).toBe(2);
    expect(pune.items[0]).toMatchObject({ answered: 1, difficulty: 0 });
    await expect(itemStatistics(env.sql, 'stats', { district: 'atlantis' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(itemStatistics(env.sql, 'nope')).rejects.toMatchObject({ code: 'SITTING_NOT_FOUND' });
  });

  it('are served by GET /api/v1/sittings/:id/item-stats', async () => {
    const res = await api.call('GET', '/api/v1/sittings/stats/item-stats');
    expect(res.statusCode).toBe(200);
    expect(res.json().items[0]).toMatchObject({ questionId: 'r1', difficulty: 0.6, pointBiserial: 0.7206 });
    const missing = await api.call('GET', '/api/v1/sittings/nope/item-stats');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('SITTING_NOT_FOUND');
  });
});
