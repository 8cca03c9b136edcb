import { AnswerKey, ExamhallError, PaperQuestion, Section, type AnswerValue, type ErrorCode, type Paper } from '@examhall/shared';
import { z } from 'zod';
import type { Sql } from '../store/db.js';
import { runQuery } from '../store/queries.js';
import { seededRandom, shuffled } from './shuffle.js';
import { AsyncCache } from '../util/async-cache.js';

/** An exam version's content as the gateway holds it in memory: questions without keys, plus lookups. */
export interface ExamContent {
  examId: string;
  version: number;
  title: string;
  sections: Section[];
  questions: PaperQuestion[];
  byId: ReadonlyMap<string, { question: PaperQuestion; optionIds: ReadonlySet<string> }>;
}

const StoredContent = z.object({ sections: z.array(Section).default([]), questions: z.array(PaperQuestion) });

export function toExamContent(examId: string, version: number, title: string, questions: PaperQuestion[], sections: Section[] = []): ExamContent {
  const byId = new Map(questions.map((q) => [q.id, { question: q, optionIds: new Set(q.options?.map((o) => o.id)) }]));
  return { examId, version, title, sections, questions, byId };
}

/**
 * Exam content cached in the gateway's memory: loaded once per exam version, never per join,
 * so a start-of-sitting stampede does not become a stampede on Postgres. Versions are immutable,
 * so entries never go stale.
 */
export class ExamContentCache {
  private readonly cache: AsyncCache<ExamContent>;
  constructor(private readonly sql: Sql) {
    this.cache = new AsyncCache((cacheKey) => loadContent(this.sql, cacheKey));
  }

  /**
   * `via`: the caller's transaction, if it holds one. Loading through the pool instead would need a
   * second connection: with every pooled connection inside such a transaction (a submit stampede),
   * none is left and they all wait forever.
   */
  get(examId: string, version: number, via?: Sql): Promise<ExamContent> {
    return this.cache.get(versionKey(examId, version), via ? (key) => loadContent(via, key) : undefined);
  }
}

async function loadContent(sql: Sql, cacheKey: string): Promise<ExamContent> {
  const [examId, version] = splitVersionKey(cacheKey);
  const rows = await runQuery<{ title: string; content: unknown }>(sql, 'load-exam', [examId, version]);
  const row = rows[0];
  if (!row) throw new ExamhallError('SITTING_NOT_FOUND', `exam ${examId}@${version} is missing`);
  const content = StoredContent.parse(row.content);
  return toExamContent(examId, version, row.title, content.questions, content.sections);
}

/** Answer keys per exam version, for scoring. Held by whoever finalises attempts; never sent to a socket. */
export class ExamKeyCache {
  private readonly cache: AsyncCache<ReadonlyMap<string, AnswerKey>>;
  constructor(private readonly sql: Sql) {
    this.cache = new AsyncCache((cacheKey) => loadKeys(this.sql, cacheKey));
  }

  /** `via`: the caller's transaction, if it holds one (see ExamContentCache.get). */
  get(examId: string, version: number, via?: Sql): Promise<ReadonlyMap<string, AnswerKey>> {
    return this.cache.get(versionKey(examId, version), via ? (key) => loadKeys(via, key) : undefined);
  }
}

async function loadKeys(sql: Sql, cacheKey: string): Promise<ReadonlyMap<string, AnswerKey>> {
  const [examId, version] = splitVersionKey(cacheKey);
  const rows = await runQuery<{ question_id: string; key: unknown }>(sql, 'load-exam-keys', [examId, version]);
  return new Map(rows.map((r) => [r.question_id, AnswerKey.parse(r.key)]));
}

const versionKey = (examId: string, version: number) => `${version}@${examId}`;
function splitVersionKey(key: string): [string, number] {
  const at = key.indexOf('@');
  return [key.slice(at + 1), Number(key.slice(0, at))];
}

/** The candidate's own paper: question and option order shuffled by a seed derived from the attempt. */
export function buildPaper(content: ExamContent, attemptId: string): Paper {
  const random = seededRandom(`${attemptId}:${content.examId}:${content.version}`);
  const questions = shuffled(content.questions, random).map((q) =>
    q.options ? { ...q, options: shuffled(q.options, random) } : q,
  );
  return { examId: content.examId, examVersion: content.version, title: content.title, sections: content.sections, questions };
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
    case 'essay':
      return value.kind === 'text' ? null : 'ANSWER_TYPE_MISMATCH';
  }
}
