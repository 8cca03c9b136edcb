/**
 * Builds the browser apps (exam page, proctor dashboard) with esbuild into client-sdk/dist/web/<app>/.
 * Each app is web/<app>/main.ts plus its static files (index.html, *.css), copied as they are.
 * The server serves dist/web at /exam/ and /proctor/.
 *   node --import tsx client-sdk/web/build.ts [--watch]
 */
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const webDir = dirname(fileURLToPath(import.meta.url));
export const WEB_DIST = join(webDir, '..', 'dist', 'web');
const APPS = ['exam', 'proctor'] as const;

async function build(watch: boolean): Promise<void> {
  rmSync(WEB_DIST, { recursive: true, force: true });
  for (const app of APPS) {
    const source = join(webDir, app);
    if (!existsSync(join(source, 'main.ts'))) continue;
    const out = join(WEB_DIST, app);
    mkdirSync(out, { recursive: true });
    for (const file of readdirSync(source)) {
      if (/\.(html|css|svg|png)$/.test(file)) cpSync(join(source, file), join(out, file));
    }
    const options: esbuild.BuildOptions = {
      entryPoints: [join(source, 'main.ts')],
      outfile: join(out, 'main.js'),
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: ['chrome110', 'firefox110', 'safari16'],
      minify: !watch,
      sourcemap: true,
      logLevel: 'warning',
    };
    if (watch) await (await esbuild.context(options)).watch();
    else await esbuild.build(options);
  }
  console.log(`web apps built into ${WEB_DIST}`);
}

await build(process.argv.includes('--watch'));
