/**
 * When each gateway finished handing out the papers, read from the child log: every gateway logs
 * "sitting started: papers delivered" (level info) after its synchronous loop over the lobby
 * sockets. Only present when the gateways log at info (BENCH_SERVER_LOG_LEVEL=info); the default
 * warn level leaves it out and the result says null.
 */
export interface GatewayFanout {
  gateway: string;
  sockets: number;
  /** the log line's time − T0: when that gateway's loop over its lobby sockets ended */
  done_ms: number;
}

const DELIVERED = 'sitting started: papers delivered';

export function fanoutFromLog(text: string, sittingId: string, t0: number): GatewayFanout[] | null {
  const found: GatewayFanout[] = [];
  for (const line of text.split('\n')) {
    if (!line.includes(DELIVERED)) continue;
    const m = /^\[([^\]]+)\] (\{.*\})\s*$/.exec(line);
    if (!m) continue;
    try {
      const entry = JSON.parse(m[2]!) as { msg?: string; time?: number; sitting?: string; sockets?: number };
      if (entry.msg !== DELIVERED || entry.sitting !== sittingId || typeof entry.time !== 'number') continue;
      found.push({ gateway: m[1]!, sockets: entry.sockets ?? 0, done_ms: entry.time - t0 });
    } catch {
      // not JSON after all: ignore
    }
  }
  return found.length ? found.sort((a, b) => a.gateway.localeCompare(b.gateway)) : null;
}
