import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, extname, join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

/** The browser apps' build output (client-sdk/web/build.ts writes it; `npm run build:web`). */
export const DEFAULT_WEB_DIST = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'client-sdk', 'dist', 'web');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

export interface StaticFile {
  body: Buffer;
  /** the same bytes gzipped once at start-up (the bundles are ~0.5 MB, ~150 KB gzipped); absent when it would not help */
  gzipped?: Buffer;
  contentType: string;
}

/** The body to send for this Accept-Encoding, and its Content-Encoding if any. */
export function encodingFor(file: StaticFile, acceptEncoding: string | undefined): { body: Buffer; encoding?: 'gzip' } {
  return file.gzipped && /\bgzip\b/.test(acceptEncoding ?? '') ? { body: file.gzipped, encoding: 'gzip' } : { body: file.body };
}

/**
 * The whole built site, read into memory once at start-up (a few hundred KB): requests never touch
 * the disk, and a path outside the site cannot be asked for because only listed paths exist.
 * `/exam/` and `/proctor/` serve their index.html; `/` redirects to the exam page.
 */
export function loadStaticSite(dir = DEFAULT_WEB_DIST): Map<string, StaticFile> {
  const site = new Map<string, StaticFile>();
  if (!existsSync(dir)) return site;
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else {
        const url = '/' + relative(dir, path).split('\\').join('/');
        const body = readFileSync(path);
        // source maps are fetched only by developer tools: not worth start-up time to compress
        const gzipped = body.length > 1024 && !/\.(png|map)$/.test(name) ? gzipSync(body, { level: 6 }) : undefined;
        const file: StaticFile = { body, gzipped, contentType: TYPES[extname(name)] ?? 'application/octet-stream' };
        site.set(url, file);
        if (name === 'index.html') site.set(url.slice(0, -'index.html'.length), file);
      }
    }
  };
  try {
    walk(dir);
  } catch {
    // the folder changed while being read (a build running now): serve nothing rather than fail start-up
    return new Map();
  }
  return site;
}

/** What a GET for `url` (without query) should answer from the site: a file, a redirect, or nothing. */
export function resolveStatic(site: Map<string, StaticFile>, url: string): StaticFile | { redirect: string } | null {
  const file = site.get(url);
  if (file) return file;
  if (site.has(`${url}/`)) return { redirect: `${url}/` };
  if (url === '/' && site.has('/exam/')) return { redirect: '/exam/' };
  if ((url === '/exam/' || url === '/proctor/') && site.size === 0) {
    return { body: Buffer.from('The web apps are not built: run `npm run build:web`.\n'), contentType: 'text/plain; charset=utf-8' };
  }
  return null;
}
