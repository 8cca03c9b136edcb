import { ExamDefinition } from '@examhall/shared';
import type { Sql } from '../store/db.js';
import { runQuery } from '../store/queries.js';

/**
 * Stores one exam version: content (questions without keys) in `exams`, keys apart in `exam_keys`,
 * in one transaction. A stored version is immutable: importing it again changes nothing.
 * Returns false when that version already existed.
 */
export async function importExamDefinition(sql: Sql, input: unknown): Promise<boolean> {
  const exam = ExamDefinition.parse(input);
  const questions = exam.questions.map(({ key: _key, ...question }) => question);
  return (await sql.begin(async (tx) => {
    const inserted = await runQuery(tx as unknown as Sql, 'insert-exam', [exam.id, exam.version, exam.title, JSON.stringify({ sections: exam.sections, questions })]);
    if (inserted.length === 0) return false;
    await runQuery(tx as unknown as Sql, 'insert-exam-keys', [
      exam.id,
      exam.version,
      exam.questions.map((q) => q.id),
      exam.questions.map((q) => JSON.stringify(q.key)),
    ]);
    return true;
  })) as boolean;
}
