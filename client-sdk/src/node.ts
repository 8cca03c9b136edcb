/**
 * Node-only pieces, exported as `@examhall/client-sdk/node` so the main entry stays browser-safe.
 */
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { OutboxStorage } from './storage.js';

export interface FileOutboxStorageOptions {
  /** fsync each file before renaming it into place, so a power cut keeps the last save. Default true. */
  fsync?: boolean;
}

/**
 * One file per key under `directory`. Each save writes a temp file and renames it over the old
 * one, so a crash mid-write leaves either the old or the new outbox, never half of one.
 */
export class FileOutboxStorage implements OutboxStorage {
  private readonly fsync: boolean;
  private directoryReady: Promise<unknown> | null = null;

  constructor(
    readonly directory: string,
    options: FileOutboxStorageOptions = {},
  ) {
    this.fsync = options.fsync ?? true;
  }

  /** The file a key is stored in; keys are escaped so `:` and `/` are safe on every OS. */
  pathFor(key: string): string {
    const safe = key.replace(/[^A-Za-z0-9._-]/g, (char) => `%${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
    return join(this.directory, `${safe}.json`);
  }

  async load(key: string): Promise<string | null> {
    try {
      return await readFile(this.pathFor(key), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async save(key: string, value: string): Promise<void> {
    this.directoryReady ??= mkdir(this.directory, { recursive: true }).catch((error: unknown) => {
      this.directoryReady = null;
      throw error;
    });
    await this.directoryReady;
    const target = this.pathFor(key);
    const temp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    const handle = await open(temp, 'w');
    try {
      try {
        await handle.writeFile(value, 'utf8');
        if (this.fsync) await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, target);
      if (this.fsync) await syncDirectory(this.directory);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async remove(key: string): Promise<void> {
    await rm(this.pathFor(key), { force: true });
  }
}

/** Makes the rename itself durable (POSIX). Directories cannot be opened for sync on Windows. */
async function syncDirectory(directory: string): Promise<void> {
  let handle;
  try {
    handle = await open(directory, 'r');
    await handle.sync();
  } catch {
    // best effort: the file content is already synced
  } finally {
    await handle?.close();
  }
}
