/**
 * Roster import from CSV against real Postgres: a clean file lands whole and enrols; a re-import
 * updates in place; a file with bad lines is refused with each error by line and writes nothing.
 * Optional columns batch and slot: validated per line, upserted; a file without them (an older
 * roster) still imports and leaves stored batches and slots alone; a bad header is refused on line 1.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRoster } from '../src/roster/roster-import.js';
import { ROSTER_ALL_COLUMNS, ROSTER_COLUMNS } from '../src/roster/roster-csv.js';
import { createTestEnv, type TestEnv } from './helpers/env.js';

let env: TestEnv;
const dir = mkdtempSync(join(tmpdir(), 'roster-'));
const csv = (name: string, lines: string[], header = ROSTER_COLUMNS.join(',')) => {
  const path = join(dir, name);
  writeFileSync(path, `${header}\n${lines.join('\n')}\n`);
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

describe('import-roster: batch and slot columns', () => {
  const full = ROSTER_ALL_COLUMNS.join(',');
  const slotOf = (rows: Array<{ id: string; batch: string | null; slot: string | null }>) => Object.fromEntries(rows.map((r) => [r.id, [r.batch, r.slot]]));
  const stored = async (prefix: string) =>
    slotOf(await env.sql.unsafe(`SELECT id, batch, slot FROM candidates WHERE id LIKE '${prefix}%' ORDER BY id`));

  it('stores batch and slot (empty = none), updates them on re-import, and an older roster without the columns keeps them', async () => {
    expect(full).toBe(`${ROSTER_COLUMNS.join(',')},batch,slot`); // the existing columns stay first
    const first = await importRoster(env.sql, csv('slots.csv', [
      'sd-1,D,sc-1,C,st-1,One,,B1,morning',
      'sd-1,D,sc-1,C,st-2,Two,15, B2 ,afternoon',
      'sd-1,D,sc-1,C,st-3,Three,,,evening',
      'sd-1,D,sc-1,C,st-4,Four,,B1,',
    ], full));
    expect(first.errors).toEqual([]);
    expect(await stored('st-')).toEqual({ 'st-1': ['B1', 'morning'], 'st-2': ['B2', 'afternoon'], 'st-3': [null, 'evening'], 'st-4': ['B1', null] });

    const moved = await importRoster(env.sql, csv('slots2.csv', ['sd-1,D,sc-1,C,st-1,One,,B9,evening'], full));
    expect(moved.errors).toEqual([]);
    expect((await stored('st-1'))['st-1']).toEqual(['B9', 'evening']);

    // an older roster (no batch, no slot) renames st-2 and leaves every batch and slot as stored
    const old = await importRoster(env.sql, csv('old.csv', ['sd-1,D,sc-1,C,st-2,Two renamed,15']));
    expect(old.errors).toEqual([]);
    expect(await count('candidates', `id = 'st-2' AND name = 'Two renamed'`)).toBe(1);
    expect((await stored('st-2'))['st-2']).toEqual(['B2', 'afternoon']);

    // only the slot column: batch is kept, slot is set (empty clears it)
    const slotOnly = await importRoster(env.sql, csv('slot-only.csv', ['sd-1,D,sc-1,C,st-4,Four,,afternoon', 'sd-1,D,sc-1,C,st-3,Three,,'], `${ROSTER_COLUMNS.join(',')},slot`));
    expect(slotOnly.errors).toEqual([]);
    expect((await stored('st-'))['st-4']).toEqual(['B1', 'afternoon']);
    expect((await stored('st-'))['st-3']).toEqual([null, null]);
  });

  it('refuses an unknown slot and an over-long batch by line, and writes nothing', async () => {
    const result = await importRoster(env.sql, csv('bad-slots.csv', [
      'xd-1,D,xc-1,C,xt-1,Fine,,B1,morning',
      'xd-1,D,xc-1,C,xt-2,Noon,,B1,noon',
      `xd-1,D,xc-1,C,xt-3,Long,,${'b'.repeat(101)},evening`,
      'xd-1,D,xc-1,C,xt-4,Upper,,B1,Morning',
    ], full));
    expect(result.errors.map((e) => e.line)).toEqual([3, 4, 5]);
    expect(result.errors[0]!.message).toMatch(/slot: expected morning, afternoon, evening or empty/);
    expect(result.errors[1]!.message).toMatch(/^batch:/);
    expect(await count('candidates', `id LIKE 'xt-%'`)).toBe(0);
  });

  it('refuses a header with an unknown, missing or doubled column on line 1', async () => {
    for (const header of [`${full},room`, ROSTER_COLUMNS.slice(1).join(','), `${full},slot`]) {
      const result = await importRoster(env.sql, csv('bad-header.csv', ['hd-1,D,hc-1,C,ht-1,Name,,B1,morning'], header));
      expect(result.errors).toHaveLength(1);
      expect(result.errors[0]!.line).toBe(1);
      expect(result.errors[0]!.message).toMatch(/unknown column|lacks|twice/);
    }
    expect(await count('candidates', `id LIKE 'ht-%'`)).toBe(0);
  });

  it('refuses an empty file by line instead of importing nothing', async () => {
    const path = join(dir, 'empty.csv');
    writeFileSync(path, '\n\n');
    const result = await importRoster(env.sql, path);
    expect(result.errors).toEqual([{ line: 1, message: expect.stringContaining('empty file') }]);
  });
});
