import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { renderCapacityReport } from './html-report.js';
import type { Timeline } from './timeline.js';

/** The run's three files: the JSON result, the per-second timeline (raw data of the plots) and the HTML report. */
export function writeCapacityReport(
  files: { json: string; html: string; timeline: string },
  result: Record<string, unknown>,
  timeline: Timeline,
  targets: Record<string, { target: string; met: boolean | null }>,
): void {
  mkdirSync(dirname(files.json), { recursive: true });
  writeFileSync(files.json, `${JSON.stringify(result, null, 2)}\n`);
  const data = {
    title: `examhall capacity: ${String(result.candidates)} candidates`,
    startedAt: String(result.started_at),
    phases: timeline.phases,
    ...timeline.series,
    summary: result,
    targets,
  };
  writeFileSync(files.timeline, `${JSON.stringify(data)}\n`);
  writeFileSync(files.html, renderCapacityReport(data));
}
