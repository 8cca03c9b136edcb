import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';

export interface WrittenFile {
  rows: number;
  bytes: number;
  sha256: string;
}

/**
 * Streams batches of rows into a new gzipped JSON Lines file (refuses to overwrite one) and returns
 * the row count and the sha256 of the file's bytes. Memory stays at one batch.
 */
export async function writeJsonLinesGz(path: string, batches: AsyncIterable<readonly object[]>): Promise<WrittenFile> {
  const hash = createHash('sha256');
  let rows = 0;
  let bytes = 0;
  await pipeline(
    async function* lines() {
      for await (const batch of batches) {
        if (batch.length === 0) continue;
        rows += batch.length;
        yield `${batch.map((row) => JSON.stringify(row)).join('\n')}\n`;
      }
    },
    createGzip(),
    new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        bytes += chunk.length;
        done(null, chunk);
      },
    }),
    createWriteStream(path, { flags: 'wx' }),
  );
  return { rows, bytes, sha256: hash.digest('hex') };
}

/** Re-reads a written file: the sha256 of its bytes and the number of lines inside the gzip. */
export async function readBackJsonLinesGz(path: string): Promise<WrittenFile> {
  const hash = createHash('sha256');
  let bytes = 0;
  let rows = 0;
  await pipeline(
    createReadStream(path),
    new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        bytes += chunk.length;
        done(null, chunk);
      },
    }),
    createGunzip(),
    async function countLines(source: AsyncIterable<Buffer>) {
      for await (const chunk of source) for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) rows++;
    },
  );
  return { rows, bytes, sha256: hash.digest('hex') };
}
