import { z } from 'zod';
import { ExamhallError, type ErrorCode } from '../errors.js';
import { ProtocolErrorSchema } from './ack.js';

/** One problem in an imported file: by line (CSV, XML) and/or by item (a question, a QTI item). */
export const ImportProblem = z.object({
  line: z.number().int().nonnegative().optional(),
  item: z.string().optional(),
  file: z.string().optional(),
  message: z.string(),
});
export type ImportProblem = z.infer<typeof ImportProblem>;

/** Every failed HTTP API response: the registry's error, plus the problems of a refused import. */
export const ApiErrorBody = z.object({
  error: ProtocolErrorSchema,
  problems: z.array(ImportProblem).optional(),
});
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;

/** A refused import: nothing was written; `problems` says where and why. */
export class ImportInvalidError extends ExamhallError {
  constructor(readonly problems: ImportProblem[], code: ErrorCode = 'IMPORT_INVALID') {
    super(code, `${problems.length} problem(s); first: ${describeProblem(problems[0])}`);
  }
}

export function describeProblem(p: ImportProblem | undefined): string {
  if (!p) return 'none';
  const where = [p.file, p.item && `item ${p.item}`, p.line !== undefined && `line ${p.line}`].filter(Boolean).join(', ');
  return where ? `${where}: ${p.message}` : p.message;
}
