import { describe, expect, it } from 'vitest';
import { loadProcsFor, parseStartArgs } from '../src/start/args.js';
import type { CandidateRecord } from '../src/start/ipc.js';
import { fanoutFromLog } from '../src/start/gateway-log.js';
import { REMAINING_TOLERANCE_MS, classify, foldRecords, settled, summarize } from '../src/start/outcome.js';

const check = { startedAt: 1_000_000, durationMs: 90 * 60_000 };
const ok = (paperAt: number, extra: Partial<CandidateRecord> = {}): CandidateRecord => ({
  joinStatus: 'lobby',
  joinHadPaper: false,
  paperAt,
  frameAt: paperAt - 1,
  questions: 20,
  remainingMs: check.durationMs - 500,
  startedAt: check.startedAt,
  ...extra,
});

describe('classify', () => {
  it('accepts a lobby candidate that got a full paper with the signal start time', () => {
    expect(classify(ok(1_000_100), check)).toBe('ok');
  });

  it('names the first thing that went wrong', () => {
    expect(classify({ connectError: 'ECONNREFUSED' }, check)).toBe('connect');
    expect(classify({ joinError: 'ACK_TIMEOUT' }, check)).toBe('join');
    expect(classify(ok(1, { joinStatus: 'in_progress' }), check)).toBe('not_lobby');
    expect(classify(ok(1, { joinHadPaper: true }), check)).toBe('not_lobby');
    expect(classify({ joinStatus: 'lobby', joinHadPaper: false }, check)).toBe('no_paper');
    expect(classify(ok(1, { questions: 0 }), check)).toBe('empty_paper');
    expect(classify(ok(1, { remainingMs: null }), check)).toBe('bad_remaining');
    expect(classify(ok(1, { remainingMs: 0 }), check)).toBe('bad_remaining');
    expect(classify(ok(1, { remainingMs: check.durationMs + REMAINING_TOLERANCE_MS + 1 }), check)).toBe('bad_remaining');
    expect(classify(ok(1, { startedAt: check.startedAt + 1 }), check)).toBe('wrong_started_at');
  });

  it('knows when a candidate needs no more waiting for', () => {
    expect(settled({})).toBe(false); // still ramping
    expect(settled({ joinStatus: 'lobby' })).toBe(false); // waiting for its paper
    expect(settled({ joinStatus: 'lobby', paperAt: 5 })).toBe(true);
    expect(settled({ joinStatus: 'in_progress' })).toBe(true);
    expect(settled({ joinError: 'x' })).toBe(true);
  });
});

describe('foldRecords + summarize', () => {
  it('turns arrival times into paper latencies after T0 and counts every failure', () => {
    const t0 = 1_000_000;
    // process 1: 100 candidates arriving 1..100 ms after T0, one never got its paper
    const p1 = foldRecords([...Array.from({ length: 100 }, (_, i) => ok(t0 + i + 1)), { joinStatus: 'lobby', joinHadPaper: false }], check);
    // process 2: one slow candidate, one join error
    const p2 = foldRecords([ok(t0 + 5000, { remainingMs: 1234 }), { joinError: 'ACK_TIMEOUT' }], check);
    expect(p1.paperAt.length).toBe(100);
    expect(p1.failures).toEqual({ no_paper: 1 });
    const s = summarize(103, t0, [p1, p2]);
    expect(s.started).toBe(101);
    expect(s.failures).toBe(2);
    expect(s.failures_by_reason).toEqual({ no_paper: 1, join: 1 });
    expect(s.paper_min_ms).toBe(1);
    expect(s.paper_p50_ms).toBe(51); // nearest rank: ceil(0.5 * 101) = 51st of 1..100, 5000
    expect(s.paper_p99_ms).toBe(100);
    expect(s.paper_max_ms).toBe(5000);
    expect(s.frame_p50_ms).toBe(50);
    expect(s.remaining_min_ms).toBe(1234);
    expect(s.remaining_max_ms).toBe(check.durationMs - 500);
  });

  it('counts candidates nobody reported on (a load process that never answered) as failures', () => {
    const s = summarize(10, 0, [foldRecords([ok(7, { startedAt: check.startedAt })], check)]);
    expect(s.started).toBe(1);
    expect(s.failures).toBe(9);
    expect(s.failures_by_reason).toEqual({ no_paper: 9 });
  });

  it('reports null latencies, not zero, when nobody got a paper', () => {
    const s = summarize(2, 0, []);
    expect(s.paper_p99_ms).toBeNull();
    expect(s.failures).toBe(2);
  });
});

describe('load processes', () => {
  it('keeps every process below ~9,000 sockets', () => {
    expect(loadProcsFor(10_000, 2)).toBe(2);
    expect(loadProcsFor(20_000, 2)).toBe(3);
    expect(loadProcsFor(500, 4)).toBe(4);
    const args = parseStartArgs(['--candidates', '40000']);
    expect(args).not.toBe('help');
    if (args !== 'help') {
      expect(args.loadProcs).toBe(5);
      expect(args.loadProcsRequested).toBe(2);
      expect(args.gateways).toBe(2);
    }
  });
});

describe('fanoutFromLog', () => {
  it('reads when each gateway finished handing out papers, relative to T0', () => {
    const log = [
      '[gateway-2] {"level":30,"time":1500,"role":"gateway","sitting":"s1","sockets":4967,"msg":"sitting started: papers delivered"}',
      '[gateway-1] {"level":30,"time":1200,"role":"gateway","sitting":"s1","sockets":5033,"msg":"sitting started: papers delivered"}',
      '[gateway-1] {"level":30,"time":1300,"role":"gateway","sitting":"other","sockets":1,"msg":"sitting started: papers delivered"}',
      '[worker-1] {"level":30,"time":900,"msg":"workers started"}',
      '[gateway-1] not json: sitting started: papers delivered',
    ].join('\n');
    expect(fanoutFromLog(log, 's1', 1000)).toEqual([
      { gateway: 'gateway-1', sockets: 5033, done_ms: 200 },
      { gateway: 'gateway-2', sockets: 4967, done_ms: 500 },
    ]);
    expect(fanoutFromLog('[gateway-1] {"level":40,"msg":"something"}', 's1', 0)).toBeNull();
  });
});
