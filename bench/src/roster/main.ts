/**
 * npm run bench:roster -- [--rows N]: roster import speed. Writes a roster CSV of N candidates
 * (1,000 centers in 5 districts, every 20th with 30 extra minutes, 40 batches, slots 60/30/10%
 * morning/afternoon/evening as in the customer's notes) to a temp folder, imports it into
 * a fresh schema, imports it again (the upsert path), drops the schema. Last line: JSON.
 */
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { intOption } from '../common/options.js';
import { importRoster } from '../../../server/src/roster/roster-import.js';
import { ROSTER_ALL_COLUMNS } from '../../../server/src/roster/roster-csv.js';
import { migrate } from '../../../server/src/store/migrate.js';
import { dropStackData, freshStackSettings, openBackend } from '../answers/stack.js';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '100000' } } });
const rows = intOption('rows', values.rows, 100_000, 1, 10_000_000);

async function writeRoster(path: string, n: number): Promise<void> {
  const out = createWriteStream(path);
  const write = (line: string) => (out.write(line) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r())));
  await write(`${ROSTER_ALL_COLUMNS.join(',')}\n`);
  for (let i = 0; i < n; i++) {
    const center = i % 1000;
    const slot = i % 10 < 6 ? 'morning' : i % 10 < 9 ? 'afternoon' : 'evening';
    await write(`D${center % 5},District ${center % 5},C${center},Center ${center},T${String(i).padStart(7, '0')},Teacher ${i},${i % 20 === 0 ? 30 : ''},B${i % 40},${slot}\n`);
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

const dir = mkdtempSync(join(tmpdir(), 'bench-roster-'));
const backend = openBackend(freshStackSettings(process.env));
try {
  const file = join(dir, 'roster.csv');
  await writeRoster(file, rows);
  await migrate(backend.sql, backend.config.DATABASE_SCHEMA);
  // memory: sampled through both imports; the importer keeps the ids it has seen, never the rows
  const mb = () => Math.round(process.memoryUsage().rss / 1048576);
  const before = mb();
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, mb())), 50);
  const first = await importRoster(backend.sql, file);
  const again = await importRoster(backend.sql, file);
  clearInterval(sampler);
  if (first.errors.length || again.errors.length) throw new Error(`import refused: ${JSON.stringify([...first.errors, ...again.errors].slice(0, 3))}`);
  const perS = (r: { rows: number; ms: number }) => Math.round(r.rows / (r.ms / 1000));
  process.stdout.write(`${JSON.stringify({
    rows,
    import_ms: Math.round(first.ms),
    import_rows_per_s: perS(first),
    reimport_ms: Math.round(again.ms),
    reimport_rows_per_s: perS(again),
    rss_mb_before: before,
    rss_mb_peak: peak,
    rss_mb_after: mb(),
  })}\n`);
} finally {
  await dropStackData(backend).catch(() => undefined);
  await backend.close();
  rmSync(dir, { recursive: true, force: true });
}
