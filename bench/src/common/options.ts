/** Number options of the bench CLIs: a clear message naming the flag when a value is out of range. */
export function numberOption(name: string, value: string | undefined, fallback: number, min = 1, max = 1_000_000): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be a number in [${min}, ${max}], got "${value}"`);
  return n;
}

export function intOption(name: string, value: string | undefined, fallback: number, min = 1, max = 1_000_000): number {
  const n = numberOption(name, value, fallback, min, max);
  if (!Number.isInteger(n)) throw new Error(`--${name} must be a whole number, got "${value}"`);
  return n;
}
