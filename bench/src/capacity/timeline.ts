/**
 * One sample per second of everything the capacity report plots: candidates connected and
 * joined, acks per second, latency percentiles of that second, queue depth, CPU and RSS of every
 * process. The orchestrator ticks it; load processes feed it their per-second samples.
 */
import { allChildren } from '../common/children.js';
import { CpuSampler, pidsByName, type Groups } from '../common/cpu.js';
import { pssKb, rssKb, sumKb } from '../common/proc-stats.js';
import { Samples, roundMs } from '../answers/stats.js';
import type { Counters } from './ipc.js';

export interface Phase {
  name: string;
  fromS: number;
  toS: number;
}

export interface TimelineSeries {
  t: number[];
  connected: number[];
  joined: number[];
  answersPerS: number[];
  ackP50Ms: Array<number | null>;
  ackP99Ms: Array<number | null>;
  commitP50Ms: Array<number | null>;
  commitP99Ms: Array<number | null>;
  proctorP99Ms: Array<number | null>;
  queueDepth: Array<number | null>;
  cpuPct: Record<string, number[]>;
  rssMb: Record<string, number[]>;
}

/** CPU and memory groups: each child process by name, and Postgres and Redis as a whole. */
function processGroups(): Groups {
  const groups: Groups = {};
  for (const child of allChildren()) groups[child.name] = () => (child.proc.pid !== undefined ? [child.proc.pid] : []);
  groups.postgres = () => pidsByName('postgres');
  groups.redis = () => pidsByName('redis-server');
  groups.bench = () => [process.pid];
  return groups;
}

export class Timeline {
  readonly series: TimelineSeries = {
    t: [], connected: [], joined: [], answersPerS: [], ackP50Ms: [], ackP99Ms: [], commitP50Ms: [], commitP99Ms: [],
    proctorP99Ms: [], queueDepth: [], cpuPct: {}, rssMb: {},
  };
  readonly phases: Phase[] = [];
  private readonly started = Date.now();
  private groups: Groups = {};
  private cpu = new CpuSampler({});
  private ack = new Samples();
  private commit = new Samples();
  private proctor = new Samples();
  private lastAcked = 0;
  private queueDepth: number | null = null;
  private queueReading = false;

  constructor(private readonly readQueueDepth: () => Promise<number>) {}

  /** Call once every child process exists: CPU and RSS are read per process from then on. */
  trackProcesses(): void {
    this.groups = processGroups();
    this.cpu = new CpuSampler(this.groups);
    this.cpu.mark();
  }

  elapsedS(): number {
    return (Date.now() - this.started) / 1000;
  }

  enterPhase(name: string): void {
    const now = Math.round(this.elapsedS() * 10) / 10;
    const last = this.phases.at(-1);
    if (last) last.toS = now;
    this.phases.push({ name, fromS: now, toS: now });
  }

  endPhases(): void {
    const last = this.phases.at(-1);
    if (last) last.toS = Math.round(this.elapsedS() * 10) / 10;
  }

  addLoadSamples(ackMs: ArrayLike<number>, commitMs: ArrayLike<number>): void {
    this.ack.merge(ackMs);
    this.commit.merge(commitMs);
  }

  addProctorSamples(ms: ArrayLike<number>): void {
    this.proctor.merge(ms);
  }

  /** One second's row; returns the CPU % per group for the progress line. */
  tick(totals: Counters): Record<string, number> {
    const s = this.series;
    const i = s.t.length;
    s.t.push(Math.round(this.elapsedS()));
    s.connected.push(totals.connected);
    s.joined.push(totals.joined);
    s.answersPerS.push(Math.max(0, totals.acked - this.lastAcked));
    this.lastAcked = totals.acked;
    s.ackP50Ms.push(roundMs(this.ack.percentile(50), 1));
    s.ackP99Ms.push(roundMs(this.ack.percentile(99), 1));
    s.commitP50Ms.push(roundMs(this.commit.percentile(50), 1));
    s.commitP99Ms.push(roundMs(this.commit.percentile(99), 1));
    s.proctorP99Ms.push(roundMs(this.proctor.percentile(99), 1));
    this.ack = new Samples();
    this.commit = new Samples();
    this.proctor = new Samples();
    s.queueDepth.push(this.queueDepth);
    this.refreshQueueDepth();

    const cpu = this.cpu.sinceMark();
    this.cpu.mark();
    for (const [name, pids] of Object.entries(this.groups)) {
      push(s.cpuPct, name, i, cpu[name] ?? 0);
      const kb = name === 'postgres' || name === 'redis' ? sumKb(pids(), pssKb) : sumKb(pids(), rssKb);
      push(s.rssMb, name, i, Math.round(kb / 102.4) / 10);
    }
    return cpu;
  }

  /** Reads the queue depth in the background: a slow Redis must not stall the ticks. */
  private refreshQueueDepth(): void {
    if (this.queueReading) return;
    this.queueReading = true;
    this.readQueueDepth().then(
      (n) => (this.queueDepth = n),
      () => (this.queueDepth = null),
    ).finally(() => (this.queueReading = false));
  }
}

/** Appends to a per-process series, padding with zeros for the seconds before the process existed. */
function push(into: Record<string, number[]>, name: string, index: number, value: number): void {
  const series = (into[name] ??= []);
  while (series.length < index) series.push(0);
  series.push(value);
}
