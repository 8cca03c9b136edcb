import { ExamDefinition, ExamhallError } from '@examhall/shared';
import type { Sql } from '../store/db.js';
import { runQuery } from '../store/queries.js';

/**
 * Stores one exam version: content (questions without keys) in `exams`, keys apart in `exam_keys`,
 * in one transaction. A stored version is immutable: importing it again with the same content
 * changes nothing (returns false); with other content it is refused with CONFLICT, naming the next
 * free version. Returns true when the version was created.
 */
export async function importExamDefinition(sql: Sql, input: unknown): Promise<boolean> {
  const exam = ExamDefinition.parse(input);
  const questions = exam.questions.map(({ key: _key, ...question }) => question);
  const content = JSON.stringify({ sections: exam.sections, questions });
  return (await sql.begin(async (tx) => {
    const inserted = await runQuery(tx as unknown as Sql, 'insert-exam', [exam.id, exam.version, exam.title, content]);
    if (inserted.length === 0) {
      // an insert that met a concurrent one waited for it, so the stored row is committed here
      if (!(await isStoredAs(tx as unknown as Sql, exam, exam.version))) {
        const next = await nextFreeVersion(tx as unknown as Sql, exam.id);
        throw new ExamhallError('CONFLICT', `exam ${exam.id} version ${exam.version} is already stored with other content and a stored version never changes; import it as version ${next} (the next free one)`);
      }
      return false;
    }
    await runQuery(tx as unknown as Sql, 'insert-exam-keys', [exam.id, exam.version, exam.questions.map((q) => q.id), exam.questions.map((q) => JSON.stringify(q.key))]);
    return true;
  })) as boolean;
}

/**
 * True when `version` of the exam is stored with exactly this title, content and keys (jsonb
 * equality: key order and number spelling do not matter, question and option order do).
 */
export async function isStoredAs(sql: Sql, exam: ExamDefinition, version: number): Promise<boolean> {
  const questions = exam.questions.map(({ key: _key, ...question }) => question);
  const content = JSON.stringify({ sections: exam.sections, questions });
  const keysById = JSON.stringify(Object.fromEntries(exam.questions.map((q) => [q.id, q.key])));
  const [row] = await sql<Array<{ same: boolean }>>`
    SELECT e.title = ${exam.title} AND e.content = ${content}::text::jsonb
       AND coalesce((SELECT jsonb_object_agg(k.question_id, k.key) FROM exam_keys k WHERE k.exam_id = e.id AND k.exam_version = e.version), '{}'::jsonb) = ${keysById}::text::jsonb AS same
    FROM exams e WHERE e.id = ${exam.id} AND e.version = ${version}`;
  return row?.same === true;
}

/** The version an import of `examId` gets when none is given: one past the highest stored. */
export async function nextFreeVersion(sql: Sql, examId: string): Promise<number> {
  const [row] = await sql<Array<{ next: number }>>`SELECT coalesce(max(version), 0) + 1 AS next FROM exams WHERE id = ${examId}`;
  return row!.next;
}
