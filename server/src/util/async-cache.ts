/**
 * Loads each key once and shares the promise with every concurrent caller (no stampede); a failed
 * load is forgotten so the next caller retries. For immutable data only: entries never expire.
 */
export class AsyncCache<V> {
  private readonly entries = new Map<string, Promise<V>>();
  constructor(private readonly load: (key: string) => Promise<V>) {}

  /** `load` replaces the default loader for this call if it has to load (e.g. to read inside a caller's transaction). */
  get(key: string, load: (key: string) => Promise<V> = this.load): Promise<V> {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = load(key);
      this.entries.set(key, entry);
      entry.catch(() => this.entries.delete(key));
    }
    return entry;
  }
}
