import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { createTestEnv, type TestEnv } from './helpers/env.js';
import { startTestNode } from './helpers/node.js';

/** The gateway serves the built web apps (vitest's global setup builds them) from memory. */
let env: TestEnv;
let node: Awaited<ReturnType<typeof startTestNode>>;

beforeAll(async () => {
  env = await createTestEnv();
  node = await startTestNode(env.config);
});
afterAll(async () => {
  await node?.close();
  await env?.cleanup();
});

/** A raw GET (fetch would normalise the path and decode the body). */
function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: node.port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('static web apps', () => {
  it('serves both pages, redirects / to the exam page, and gzips for clients that accept it', async () => {
    const exam = await get('/exam/');
    expect(exam.status).toBe(200);
    expect(exam.headers['content-type']).toMatch(/text\/html/);
    expect(exam.body.toString()).toMatch(/<script[^>]+main\.js/);
    expect((await get('/proctor/')).status).toBe(200);
    expect((await get('/exam')).headers.location).toBe('/exam/');
    expect((await get('/')).headers.location).toBe('/exam/');

    const plain = await get('/exam/main.js');
    const zipped = await get('/exam/main.js', { 'accept-encoding': 'gzip, br' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.body.length).toBeLessThan(plain.body.length / 2);
  });

  it('answers 404 for anything outside the built site', async () => {
    for (const path of ['/exam/../package.json', '/%2e%2e/package.json', '/exam/nope.js', '/server/src/cli.ts']) {
      expect((await get(path)).status, path).toBe(404);
    }
  });
});
