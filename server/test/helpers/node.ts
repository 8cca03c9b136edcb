import type { Config } from '../../src/config/config.js';
import { startNode, type ExamhallNode, type Role } from '../../src/app.js';
import { TokenService } from '../../src/auth/tokens.js';
import type { ProctorScope } from '@examhall/shared';

export type TestNode = Awaited<ReturnType<typeof startTestNode>>;

/** Starts a real examhall node in this process on a free port. */
export async function startTestNode(config: Config, role: Role = 'all', overrides: Partial<Config> = {}): Promise<ExamhallNode & { port: number }> {
  const node = await startNode({ ...config, ...overrides }, role);
  return Object.assign(node, { port: node.gateway?.port ?? 0 });
}

export function tokenFor(config: Config, candidateId: string, sittingId: string, ttlSeconds?: number): Promise<string> {
  return new TokenService(config).issueCandidateToken({ candidateId, sittingId }, ttlSeconds);
}

export function proctorTokenFor(config: Config, proctorId: string, scope: ProctorScope, ttlSeconds?: number): Promise<string> {
  return new TokenService(config).issueProctorToken({ proctorId, scope }, ttlSeconds);
}
