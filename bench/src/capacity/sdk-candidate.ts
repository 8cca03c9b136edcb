import { CandidateDriver, type LoadMetrics } from '../answers/candidate.js';
import type { LoadCandidate } from './lean-candidate.js';

/** A candidate through the real client SDK (ExamClient, via bench:answers' driver): heavier, and exactly what browsers run. */
export class SdkCandidate implements LoadCandidate {
  private readonly driver: CandidateDriver;

  constructor(url: string, token: string, localAddress: string, metrics: LoadMetrics) {
    this.driver = new CandidateDriver(url, token, localAddress, undefined, metrics);
  }

  get attemptId(): string | undefined {
    return this.driver.attemptId;
  }

  get ackedSeq(): Map<string, number> {
    return this.driver.ackedSeq;
  }

  start(): Promise<boolean> {
    return this.driver.start();
  }

  answerUntil(measureFrom: number, endAt: number, intervalMs: number): Promise<void> {
    return this.driver.answerUntil(measureFrom, endAt, intervalMs);
  }

  drain(timeoutMs: number): Promise<void> {
    return this.driver.drain(timeoutMs);
  }

  pendingCount(): number {
    return this.driver.client.pendingCount();
  }

  async submit(): Promise<void> {
    await this.driver.client.submit();
  }

  close(): Promise<void> {
    return this.driver.client.close();
  }
}
