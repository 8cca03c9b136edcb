/**
 * Roster import from CSV against real Postgres: a clean file lands whole and enrols; a re-import
 * updates in place; a file with bad lines is refused with each error by line and writes nothing.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRoster } from '../src/roster/roster-import.js';
import { ROSTER_COLUMNS } from '../src/roster/roster-csv.js';
import { createTestEnv, type TestEnv } from './helpers/env.js';

let env: TestEnv;
const dir = mkdtempSync(join(tmpdir(), 'roster-'));
const csv = (name: string, lines: string[]) => {
  const path = join(dir, name);
  writeFileSync(path, `${ROSTER_COLUMNS.join(',')}\n${lines.join('\n')}\n`);
  return path;
};
const count = async (table: string, where = 'true') =>
  (await env.sql.unsafe<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`))[0]!.n;

beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(async () => {
  await env?.cleanup();
});

describe('import-roster', () => {
  it('imports districts, centers and candidates with extra time, enrols them, and a re-import updates in place', async () => {
    // 250 candidates in 7 centers; center k sits in district k % 3; every fifth candidate has 30 extra minutes
    const fixed = Array.from({ length: 250 }, (_, i) =>
      `rd-${(i % 7) % 3},District ${(i % 7) % 3},rc-${i % 7},"Center ${i % 7}, hall B",rt-${i},Teacher ${i},${i % 5 === 0 ? 30 : ''}`);
    const first = await importRoster(env.sql, csv('roster.csv', fixed), { sittingId: env.seeded.sittingId, batchSize: 100 });
    expect(first.errors).toEqual([]);
    expect(first).toMatchObject({ rows: 250, districts: 3, centers: 7, candidates: 250, enrolled: 250 });
    expect(await count('candidates', `id LIKE 'rt-%'`)).toBe(250);
    expect(await count('candidates', `id LIKE 'rt-%' AND extra_time_s = 1800`)).toBe(50);
    expect(await count('sitting_candidates', `candidate_id LIKE 'rt-%'`)).toBe(250);
    const [center] = await env.sql.unsafe<Array<{ name: string }>>(`SELECT name FROM centers WHERE id = 'rc-3'`);
    expect(center!.name).toBe('Center 3, hall B'); // a quoted comma stays in the field

    const renamed = fixed.map((l) => l.replace('Teacher 7,', 'Teacher Seven,'));
    const again = await importRoster(env.sql, csv('roster2.csv', renamed), { sittingId: env.seeded.sittingId });
    expect(again.errors).toEqual([]);
    expect(await count('candidates', `id LIKE 'rt-%'`)).toBe(250);
    expect(await count('sitting_candidates', `candidate_id LIKE 'rt-%'`)).toBe(250);
    expect(await count('candidates', `id = 'rt-7' AND name = 'Teacher Seven'`)).toBe(1);
  });

  it('refuses a file with bad lines, naming each line, and writes nothing', async () => {
    const path = csv('bad.csv', [
      'bd-1,District B1,bc-1,Center 1,bt-1,Good One,',
      'bd-1,District B1,bc-1,Center 1,bt-2,,', // no name
      'bd-1,District B1,bc-1,Center 1,bt-3,Minus,-5', // negative extra time
      'bd-2,District B2,bc-1,Center 1,bt-4,Moved,', // center under another district
      'bd-1,District B1,bc-1,Center 1,bt-1,Twice,', // candidate listed twice
    ]);
    const result = await importRoster(env.sql, path);
    expect(result.errors.map((e) => e.line)).toEqual([3, 4, 5, 6]);
    expect(result.errors[0]!.message).toMatch(/candidate_name/);
    expect(result.errors[2]!.message).toMatch(/district bd-1/);
    expect(result.errors[3]!.message).toMatch(/already on line 2/);
    expect(await count('candidates', `id LIKE 'bt-%'`)).toBe(0);
    expect(await count('districts', `id LIKE 'bd-%'`)).toBe(0);
  });

  it('refuses a malformed CSV line and an unknown sitting', async () => {
    const broken = await importRoster(env.sql, csv('broken.csv', ['md-1,D,mc-1,C,mt-1,"unclosed,']));
    expect(broken.errors).toHaveLength(1);
    expect(await count('candidates', `id LIKE 'mt-%'`)).toBe(0);
    const unknown = await importRoster(env.sql, csv('ok.csv', ['ud-1,D,uc-1,C,ut-1,Name,']), { sittingId: 'no-such-sitting' });
    expect(unknown.errors[0]!.message).toMatch(/does not exist/);
    expect(await count('candidates', `id LIKE 'ut-%'`)).toBe(0);
  });
});
