import { describe, expect, it } from 'vitest';
import { Samples, roundMs } from '../src/answers/stats.js';

describe('Samples', () => {
  it('gives nearest-rank percentiles over 1..100', () => {
    const s = new Samples(4); // starts small: exercises growth
    for (let v = 100; v >= 1; v--) s.add(v); // reverse order: exercises the sort
    expect(s.count).toBe(100);
    expect(s.percentile(0)).toBe(1);
    expect(s.percentile(50)).toBe(50);
    expect(s.percentile(99)).toBe(99);
    expect(s.percentile(99.5)).toBe(100);
    expect(s.percentile(100)).toBe(100);
    expect(s.mean()).toBe(50.5);
    expect(s.max()).toBe(100);
  });

  it('hands out the samples added since an index, in insertion order, until a percentile reorders them', () => {
    const s = Samples.from([5, 1, 3]);
    expect([...s.since(0)]).toEqual([5, 1, 3]);
    s.add(2);
    expect([...s.since(3)]).toEqual([2]);
    expect([...s.since(9)]).toEqual([]);
    expect(s.percentile(50)).toBe(2);
    expect(() => s.since(0)).toThrow(/reordered/);
  });

  it('handles one sample, no samples and non-finite values', () => {
    const empty = new Samples();
    expect(empty.percentile(50)).toBeNaN();
    empty.add(Number.NaN);
    expect(empty.count).toBe(0);
    const one = Samples.from([7.5]);
    expect(one.percentile(1)).toBe(7.5);
    expect(one.percentile(99)).toBe(7.5);
  });

  it('merges samples from several processes, as sent over IPC', () => {
    const a = Samples.from([1, 2, 3]);
    const b = Samples.from([10, 20]);
    const all = new Samples();
    all.merge(a.toArray());
    all.merge(b);
    expect(all.count).toBe(5);
    expect(all.percentile(50)).toBe(3);
    expect(all.percentile(80)).toBe(10);
    expect(all.percentile(100)).toBe(20);
  });

  it('rejects percentiles outside [0, 100]', () => {
    expect(() => Samples.from([1]).percentile(101)).toThrow(RangeError);
  });

  it('rounds for the report and turns NaN into null', () => {
    expect(roundMs(1.23456)).toBe(1.23);
    expect(roundMs(Number.NaN)).toBeNull();
  });
});
