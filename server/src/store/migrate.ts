import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sql } from './db.js';

const migrationsDir = join(dirname(fileURLToPath(import.meta.url)), 'migrations');
const MIGRATION_LOCK = 728_371; // advisory lock id: only one migrator at a time

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

/** Applies every numbered migration not yet applied to `schema`, each in its own transaction. */
export async function migrate(sql: Sql, schema: string): Promise<MigrationResult> {
  const files = readdirSync(migrationsDir).filter((f) => /^\d{3}_.+\.sql$/.test(f)).sort();
  const applied: string[] = [];
  await sql.unsafe(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  return sql.begin(async (tx) => {
    await tx.unsafe('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.unsafe(`SET LOCAL search_path TO "${schema}"`);
    await tx.unsafe(
      'CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set((await tx.unsafe('SELECT name FROM schema_migrations')).map((r) => r.name as string));
    for (const file of files) {
      if (done.has(file)) continue;
      await tx.unsafe(readFileSync(join(migrationsDir, file), 'utf8'));
      await tx.unsafe('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
      applied.push(file);
    }
    return { applied, alreadyApplied: done.size };
  }) as Promise<MigrationResult>;
}
