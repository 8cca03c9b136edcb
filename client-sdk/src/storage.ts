/**
 * Where the outbox lives between page loads or process restarts. Values are opaque strings
 * (the outbox serializes itself); one key holds one candidate's outbox for one sitting.
 */
export interface OutboxStorage {
  load(key: string): Promise<string | null>;
  save(key: string, value: string): Promise<void>;
  remove(key: string): Promise<void>;
}

/** Survives a new ExamClient in the same process (tests, bench), not a process restart. */
export class MemoryOutboxStorage implements OutboxStorage {
  private readonly values = new Map<string, string>();

  async load(key: string): Promise<string | null> {
    return this.values.get(key) ?? null;
  }

  async save(key: string, value: string): Promise<void> {
    this.values.set(key, value);
  }

  async remove(key: string): Promise<void> {
    this.values.delete(key);
  }
}

/** Minimal slice of the DOM `Storage` interface, so tests can pass a stand-in. */
export type SyncStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/**
 * Browser storage that survives a tab reload. localStorage is synchronous and small (~5 MB per
 * origin); a quota error surfaces as a rejected save, which makes `saveAnswer` reject.
 */
export class LocalStorageOutboxStorage implements OutboxStorage {
  private readonly storage: SyncStorage;

  constructor(storage?: SyncStorage) {
    const resolved = storage ?? (globalThis as { localStorage?: SyncStorage }).localStorage;
    if (!resolved) throw new TypeError('LocalStorageOutboxStorage needs window.localStorage or a Storage passed in');
    this.storage = resolved;
  }

  async load(key: string): Promise<string | null> {
    return this.storage.getItem(key);
  }

  async save(key: string, value: string): Promise<void> {
    this.storage.setItem(key, value);
  }

  async remove(key: string): Promise<void> {
    this.storage.removeItem(key);
  }
}
