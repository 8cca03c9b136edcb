import { ExamhallError, protocolError, type ProtocolError } from '@examhall/shared';

/** First few zod issues as one line, for error details (never the payload itself). */
export function describeIssues(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>): string {
  const shown = issues.slice(0, 3).map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`);
  return issues.length > 3 ? `${shown.join('; ')}; +${issues.length - 3} more` : shown.join('; ');
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Any failure as a ProtocolError; unknown ones count as retryable INTERNAL errors. */
export function toProtocolError(error: unknown): ProtocolError {
  return error instanceof ExamhallError ? error.error : protocolError('INTERNAL', describeError(error));
}

export function toExamhallError(error: ProtocolError): ExamhallError {
  return new ExamhallError(error.code, error.detail);
}

/** What a zod schema offers, so this module needs no zod import. */
interface FrameSchema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> } };
}

/** A server frame checked against its schema; a malformed one is reported and comes back undefined. */
export function parseServerFrame<T>(schema: FrameSchema<T>, raw: unknown, event: string, malformed: (error: ProtocolError) => void): T | undefined {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  malformed(protocolError('MALFORMED_SERVER_FRAME', `malformed ${event}: ${describeIssues(parsed.error.issues)}`));
  return undefined;
}
