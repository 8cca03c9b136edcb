/**
 * The `results` CLI group as a separate process on the test's schema: the essay queue as JSON Lines,
 * grading (audited as the CLI operator), item statistics as JSON, and coded refusals with exit code 2.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttemptServices } from '../../src/attempts/services.js';
import { createTestEnv, type TestEnv } from '../helpers/env.js';
import { runCli } from '../helpers/processes.js';
import { choice, createFinishedSitting, openAttemptServices, text } from './fixture.js';

let env: TestEnv;
let attempts: AttemptServices;
let ids: Map<string, string>;

const examhall = (...args: string[]) => runCli(env.config, args, { USER: 'grader' });

beforeAll(async () => {
  env = await createTestEnv();
  attempts = openAttemptServices(env);
  ids = await createFinishedSitting(env, attempts, 'cli', [
    { id: 'c-1', name: 'One', center: 'nashik-c1', answers: { r1: choice('r1-a'), r4: text('my essay') } },
    { id: 'c-2', name: 'Two', center: 'nashik-c2', answers: { r1: choice('r1-c') } },
  ]);
});
afterAll(async () => {
  await attempts?.close();
  await env?.cleanup();
});

describe('results CLI', () => {
  it('lists the pending essays, grades one (audited as cli:<user>) and shows the item statistics', async () => {
    const essays = await examhall('results', 'essays', '--sitting', 'cli');
    expect(essays.code).toBe(0);
    const lines = essays.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([expect.objectContaining({ candidateId: 'c-1', questionId: 'r4', text: 'my essay', rubric: '5: names purpose and an example' })]);

    const graded = await examhall('results', 'grade', '--attempt', ids.get('c-1')!, '--question', 'r4', '--points', '4', '--comment', 'good');
    expect(graded.code).toBe(0);
    expect(JSON.parse(graded.stdout)).toMatchObject({ points: 4, score: 5, scoringStatus: 'scored' });
    const [audit] = await env.sql`SELECT actor, details FROM audit_log WHERE action = 'essay.graded'`;
    expect(audit).toMatchObject({ actor: 'cli:grader', details: { old_points: 0, new_points: 4, comment: 'good' } });

    const stats = await examhall('results', 'stats', '--sitting', 'cli', '--json');
    expect(stats.code).toBe(0);
    const items = JSON.parse(stats.stdout).items;
    expect(items.find((i: { questionId: string }) => i.questionId === 'r1')).toMatchObject({ answered: 2, difficulty: 0.5 });
    expect(items.find((i: { questionId: string }) => i.questionId === 'r4')).toMatchObject({ answered: 1, pending: 0, difficulty: 0.4 });
    const table = (await examhall('results', 'stats', '--sitting', 'cli', '--district', 'nashik')).stdout.split('\n');
    expect(table[0]).toBe('sitting cli: 2 finished attempt(s)');
    expect(table).toContain('r1\tsingle\t1\t2\t0.000\t0\t0.500\t1.000\t1.000\tr1-a*=1 r1-b=0 r1-c=1 r1-d=0');
  });

  it('refuses bad calls with a message and exit code 2', async () => {
    const points = await examhall('results', 'grade', '--attempt', ids.get('c-1')!, '--question', 'r4', '--points', 'lots');
    expect(points.code).toBe(2);
    expect(points.stderr).toContain('--points must be a number');
    const bound = await examhall('results', 'grade', '--attempt', ids.get('c-1')!, '--question', 'r4', '--points', '9');
    expect(bound.code).toBe(2);
    expect(bound.stderr).toContain('BAD_REQUEST');
    const sitting = await examhall('results', 'stats', '--sitting', 'nope');
    expect(sitting.code).toBe(2);
    expect(sitting.stderr).toContain('SITTING_NOT_FOUND');
  });
});
