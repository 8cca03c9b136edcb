import { ExamhallError, PaperQuestion, type AnswerValue, type ErrorCode, type Paper } from '@examhall/shared';
import { z } from 'zod';
import type { Sql } from '../store/db.js';
import { runQuery } from '../store/queries.js';
import { seededRandom, shuffled } from './shuffle.js';

/** An exam version's content as the gateway holds it in memory: questions without keys, plus lookups. */
export interface ExamContent {
  examId: string;
  version: number;
  title: string;
  questions: PaperQuestion[];
  byId: ReadonlyMap<string, { question: PaperQuestion; optionIds: ReadonlySet<string> }>;
}

const StoredContent = z.object({ questions: z.array(PaperQuestion) });

export function toExamContent(examId: string, version: number, title: string, questions: PaperQuestion[]): ExamContent {
  const byId = new Map(questions.map((q) => [q.id, { question: q, optionIds: new Set(q.options?.map((o) => o.id)) }]));
  return { examId, version, title, questions, byId };
}

/**
 * Exam content cached in the gateway's memory: loaded once per exam version, never per join,
 * so a start-of-sitting stampede does not become a stampede on Postgres. Versions are immutable,
 * so entries never go stale.
 */
export class ExamContentCache {
  private readonly entries = new Map<string, Promise<ExamContent>>();
  constructor(private readonly sql: Sql) {}

  get(examId: string, version: number): Promise<ExamContent> {
    const cacheKey = `${examId}@${version}`;
    let entry = this.entries.get(cacheKey);
    if (!entry) {
      entry = this.load(examId, version);
      this.entries.set(cacheKey, entry);
      entry.catch(() => this.entries.delete(cacheKey)); // a failed load is retried by the next join
    }
    return entry;
  }

  private async load(examId: string, version: number): Promise<ExamContent> {
    const rows = await runQuery<{ title: string; content: unknown }>(this.sql, 'load-exam', [examId, version]);
    const row = rows[0];
    if (!row) throw new ExamhallError('SITTING_NOT_FOUND', `exam ${examId}@${version} is missing`);
    const content = StoredContent.parse(row.content);
    return toExamContent(examId, version, row.title, content.questions);
  }
}

/** The candidate's own paper: question and option order shuffled by a seed derived from the attempt. */
export function buildPaper(content: ExamContent, attemptId: string): Paper {
  const random = seededRandom(`${attemptId}:${content.examId}:${content.version}`);
  const questions = shuffled(content.questions, random).map((q) =>
    q.options ? { ...q, options: shuffled(q.options, random) } : q,
  );
  return { examId: content.examId, examVersion: content.version, title: content.title, questions };
}

/** Checks an answer against the paper: the question exists, the value fits its type, options exist. */
export function checkAnswerFitsPaper(content: ExamContent, questionId: string, value: AnswerValue): ErrorCode | null {
  const entry = content.byId.get(questionId);
  if (!entry) return 'QUESTION_UNKNOWN';
  if (value === null) return null;
  const { question, optionIds } = entry;
  switch (question.type) {
    case 'single':
    case 'multiple': {
      if (value.kind !== 'choice') return 'ANSWER_TYPE_MISMATCH';
      if (question.type === 'single' && value.optionIds.length !== 1) return 'ANSWER_TYPE_MISMATCH';
      if (new Set(value.optionIds).size !== value.optionIds.length) return 'ANSWER_TYPE_MISMATCH';
      return value.optionIds.every((id) => optionIds.has(id)) ? null : 'OPTION_UNKNOWN';
    }
    case 'numeric':
      return value.kind === 'numeric' ? null : 'ANSWER_TYPE_MISMATCH';
    case 'text':
      return value.kind === 'text' ? null : 'ANSWER_TYPE_MISMATCH';
  }
}
