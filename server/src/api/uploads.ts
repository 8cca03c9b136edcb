import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { ExamhallError } from '@examhall/shared';

/** Bodies the API reads as raw streams and spools to disk (CSV rosters, QTI zips), never whole in memory. */
export const RAW_TYPES = ['text/csv', 'application/zip', 'application/octet-stream'];

export function acceptRawBodies(app: FastifyInstance): void {
  app.addContentTypeParser(RAW_TYPES, (_request, payload, done) => done(null, payload));
}

/**
 * Writes a raw request body to a temporary file, refusing it past `limitBytes`; the caller gets the
 * path and must call `remove` (importers read a file twice: check, then write).
 */
export async function spoolToFile(body: unknown, limitBytes: number, name: string): Promise<{ path: string; bytes: number; remove: () => void }> {
  if (!body || typeof (body as Readable).pipe !== 'function') {
    throw new ExamhallError('BAD_REQUEST', `send the file as the raw body with Content-Type ${RAW_TYPES.join(' or ')}`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'examhall-upload-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  const path = join(dir, name);
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, next) {
      bytes += chunk.length;
      if (bytes > limitBytes) next(new ExamhallError('PAYLOAD_TOO_LARGE', `more than ${limitBytes} bytes`));
      else next(null, chunk);
    },
  });
  try {
    await pipeline(body as Readable, counter, createWriteStream(path));
  } catch (err) {
    remove();
    throw err;
  }
  return { path, bytes, remove };
}
