import { execFileSync } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Builds the web apps (client-sdk/web) before any test file runs: browser tests load them from the server. */
export default function setup(): void {
  execFileSync(process.execPath, ['--import', 'tsx', 'client-sdk/web/build.ts'], { cwd: dirname(fileURLToPath(import.meta.url)), stdio: 'inherit' });
}
