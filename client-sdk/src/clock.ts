/**
 * Estimates the server clock from join round trips (NTP-style midpoint). The server decides time;
 * this only corrects what the candidate is shown (countdowns), never what is accepted.
 */
export class ClockSync {
  private offset = 0;
  private bestRoundTripMs = Number.POSITIVE_INFINITY;

  get offsetMs(): number {
    return this.offset;
  }

  get roundTripMs(): number | undefined {
    return Number.isFinite(this.bestRoundTripMs) ? this.bestRoundTripMs : undefined;
  }

  /**
   * `sentAt`/`receivedAt` are local times around the request, `serverTime` what the reply carried.
   * The sample with the smallest round trip has the smallest error bound (rtt / 2), so it wins;
   * an equal one replaces it because it is fresher.
   */
  addSample(sentAt: number, receivedAt: number, serverTime: number): void {
    const roundTrip = receivedAt - sentAt;
    if (!(roundTrip >= 0) || roundTrip > this.bestRoundTripMs) return;
    this.bestRoundTripMs = roundTrip;
    this.offset = serverTime - (sentAt + receivedAt) / 2;
  }
}
