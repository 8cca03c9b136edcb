import type { Sql } from '../store/db.js';
import { runQuery } from '../store/queries.js';
import { DEMO_EXAM } from './demo-exam.js';
import { importExamDefinition } from './import.js';
import { asSittingWriter } from '../sittings/freeze.js';

/** The five districts of the customer's notes, with their share of the 40,000 teachers. */
const DISTRICTS = [
  { id: 'mumbai', name: 'Mumbai', share: 0.3 },
  { id: 'pune', name: 'Pune', share: 0.25 },
  { id: 'nagpur', name: 'Nagpur', share: 0.2 },
  { id: 'nashik', name: 'Nashik', share: 0.15 },
  { id: 'aurangabad', name: 'Aurangabad', share: 0.1 },
];
const CENTERS_PER_DISTRICT = 2;

export interface SeedOptions {
  candidates: number;
  sittingId: string;
  /** minutes from now; negative = already open */
  opensInMinutes: number;
  windowHours: number;
  durationMinutes: number;
  graceSeconds: number;
  /** 'on_join': each clock starts at the candidate's first join; 'signal': a lobby until the start signal */
  startMode: 'on_join' | 'signal';
}

export const DEFAULT_SEED: SeedOptions = {
  candidates: 100,
  sittingId: 'demo-morning',
  opensInMinutes: -5,
  windowHours: 24,
  durationMinutes: 90,
  graceSeconds: 30,
  startMode: 'on_join',
};

export const candidateId = (n: number) => `cand-${String(n).padStart(6, '0')}`;

/** Seeds districts, centers, the demo exam, one sitting and N enrolled candidates. Idempotent. */
export async function seedDemo(sql: Sql, options: Partial<SeedOptions> = {}): Promise<SeedOptions & { candidateIds: string[] }> {
  const o = { ...DEFAULT_SEED, ...options };
  const centers = DISTRICTS.flatMap((d) =>
    Array.from({ length: CENTERS_PER_DISTRICT }, (_, i) => ({ id: `${d.id}-c${i + 1}`, districtId: d.id, name: `${d.name} Center ${i + 1}`, share: d.share / CENTERS_PER_DISTRICT })),
  );
  await runQuery(sql, 'upsert-districts', [DISTRICTS.map((d) => d.id), DISTRICTS.map((d) => d.name)]);
  await runQuery(sql, 'upsert-centers', [centers.map((c) => c.id), centers.map((c) => c.districtId), centers.map((c) => c.name)]);
  await importExamDefinition(sql, DEMO_EXAM);

  const opensAt = new Date(Date.now() + o.opensInMinutes * 60_000);
  const closesAt = new Date(opensAt.getTime() + o.windowHours * 3_600_000);
  // Re-seeding moves the window of a sitting that may be live: a frozen change, so it says why (audited).
  await asSittingWriter(sql, { actor: 'seed', override: { reason: 'seed' } }, (tx) => runQuery(tx, 'upsert-sitting', [
    o.sittingId, DEMO_EXAM.id, DEMO_EXAM.version, `${DEMO_EXAM.title} (${o.sittingId})`,
    opensAt, closesAt, Math.max(1, Math.round(o.durationMinutes * 60)), o.graceSeconds, o.startMode,
  ]));

  // Candidates are spread over centers by district share (weighted round robin).
  const candidateIds: string[] = [];
  const chunk = 5000;
  for (let start = 1; start <= o.candidates; start += chunk) {
    const ids: string[] = [];
    const centerIds: string[] = [];
    for (let n = start; n < Math.min(start + chunk, o.candidates + 1); n++) {
      ids.push(candidateId(n));
      centerIds.push(pickCenter(centers, n));
    }
    await runQuery(sql, 'upsert-candidates', [ids, centerIds, ids.map((id) => `Teacher ${id.slice(5)}`), ids.map(() => 0)]);
    await runQuery(sql, 'enroll-candidates', [o.sittingId, ids]);
    candidateIds.push(...ids);
  }
  return { ...o, candidateIds };
}

function pickCenter(centers: { id: string; share: number }[], n: number): string {
  const x = ((n * 0.6180339887) % 1 + 1) % 1; // low-discrepancy spread over [0, 1)
  let acc = 0;
  for (const c of centers) {
    acc += c.share;
    if (x < acc) return c.id;
  }
  return centers[centers.length - 1]!.id;
}
