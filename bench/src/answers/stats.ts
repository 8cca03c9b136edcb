/**
 * Latency samples and exact percentiles. Load processes collect raw samples (milliseconds) and
 * ship them to the orchestrator once at the end, so percentiles are exact rather than bucketed:
 * a 30 s run at 5,000 answers/s is only ~150k doubles per metric.
 */
export class Samples {
  private data: Float64Array;
  private length = 0;
  private sorted = true;
  /** set once sort() moved samples: insertion order (since()) is gone */
  private reordered = false;

  constructor(initialCapacity = 1024) {
    this.data = new Float64Array(Math.max(1, initialCapacity));
  }

  static from(values: ArrayLike<number>): Samples {
    const samples = new Samples(values.length);
    for (let i = 0; i < values.length; i++) samples.add(values[i]!);
    return samples;
  }

  get count(): number {
    return this.length;
  }

  add(value: number): void {
    if (!Number.isFinite(value)) return; // a NaN would poison the sort
    if (this.length === this.data.length) this.grow(this.length * 2);
    if (this.length > 0 && value < this.data[this.length - 1]!) this.sorted = false;
    this.data[this.length++] = value;
  }

  merge(other: Samples | ArrayLike<number>): void {
    const values = other instanceof Samples ? other.toArray() : other;
    if (this.length + values.length > this.data.length) this.grow(this.length + values.length);
    for (let i = 0; i < values.length; i++) this.add(values[i]!);
  }

  /** The samples added since the first `from` ones (insertion order), e.g. for a per-second timeline. */
  since(from: number): Float64Array {
    if (this.reordered) throw new Error('Samples.since() after a percentile reordered the data');
    return this.data.slice(Math.min(from, this.length), this.length);
  }

  /** A compact copy, cheap to send over IPC with the structured-clone ("advanced") serializer. */
  toArray(): Float64Array {
    return this.data.slice(0, this.length);
  }

  /**
   * Nearest-rank percentile: the smallest sample such that at least p% of samples are <= it.
   * p in [0, 100]; p = 0 gives the minimum. Returns NaN when there are no samples.
   */
  percentile(p: number): number {
    if (this.length === 0) return Number.NaN;
    if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within [0, 100], got ${p}`);
    this.sort();
    const rank = Math.max(1, Math.ceil((p / 100) * this.length));
    return this.data[rank - 1]!;
  }

  mean(): number {
    if (this.length === 0) return Number.NaN;
    let sum = 0;
    for (let i = 0; i < this.length; i++) sum += this.data[i]!;
    return sum / this.length;
  }

  max(): number {
    return this.length === 0 ? Number.NaN : this.percentile(100);
  }

  private sort(): void {
    if (this.sorted) return;
    this.data.subarray(0, this.length).sort(); // typed-array sort is numeric
    this.sorted = true;
    this.reordered = true;
  }

  private grow(capacity: number): void {
    const next = new Float64Array(Math.max(capacity, 16));
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }
}

/** Rounds for the report; NaN (no samples) becomes null so the JSON stays valid and honest. */
export function roundMs(value: number, digits = 2): number | null {
  if (!Number.isFinite(value)) return null;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
