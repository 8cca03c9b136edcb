/**
 * Loads each key once and shares the promise with every concurrent caller (no stampede); a failed
 * load is forgotten so the next caller retries. For immutable data only: entries never expire.
 */
export class AsyncCache<V> {
  private readonly entries = new Map<string, Promise<V>>();
  constructor(private readonly load: (key: string) => Promise<V>) {}

  get(key: string): Promise<V> {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = this.load(key);
      this.entries.set(key, entry);
      entry.catch(() => this.entries.delete(key));
    }
    return entry;
  }
}
