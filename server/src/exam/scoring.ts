import type { AnswerKey, AnswerValue, PaperQuestion } from '@examhall/shared';

export type QuestionScoreStatus = 'scored' | 'pending_manual' | 'unanswered';

export interface QuestionScore {
  questionId: string;
  points: number;
  maxPoints: number;
  status: QuestionScoreStatus;
}

/** Short text is compared after Unicode normalisation, trimming and collapsing white space. */
export function normaliseText(text: string, caseSensitive: boolean): string {
  const folded = text.normalize('NFKC').trim().replace(/\s+/g, ' ');
  return caseSensitive ? folded : folded.toLocaleLowerCase('en');
}

const NUMERIC_EPSILON = 1e-9;

/** Scores one answer against its key. `value` undefined or null = not answered. */
export function scoreAnswer(question: PaperQuestion, key: AnswerKey, value: AnswerValue | undefined): QuestionScore {
  const maxPoints = question.points;
  const result = (points: number, status: QuestionScoreStatus = 'scored'): QuestionScore => ({
    questionId: question.id,
    points: Math.round(points * 1000) / 1000,
    maxPoints,
    status,
  });
  if (key.type === 'essay') return result(0, value ? 'pending_manual' : 'unanswered');
  if (value === undefined || value === null) return result(0, 'unanswered');

  switch (key.type) {
    case 'single':
      return result(value.kind === 'choice' && value.optionIds.length === 1 && value.optionIds[0] === key.optionId ? maxPoints : 0);
    case 'multiple': {
      if (value.kind !== 'choice') return result(0);
      const correct = new Set(key.optionIds);
      const chosen = new Set(value.optionIds);
      const hits = [...chosen].filter((id) => correct.has(id)).length;
      const misses = chosen.size - hits;
      if (!key.partialCredit) return result(hits === correct.size && misses === 0 ? maxPoints : 0);
      // partial credit: each right choice earns a share, each wrong choice takes one back, never below 0
      return result(Math.max(0, (hits - misses) / correct.size) * maxPoints);
    }
    case 'numeric':
      return result(value.kind === 'numeric' && Math.abs(value.value - key.value) <= key.tolerance + NUMERIC_EPSILON ? maxPoints : 0);
    case 'text': {
      if (value.kind !== 'text') return result(0);
      const given = normaliseText(value.text, key.caseSensitive);
      return result(key.accepted.some((a) => normaliseText(a, key.caseSensitive) === given) ? maxPoints : 0);
    }
  }
}

export interface AttemptScore {
  questions: QuestionScore[];
  score: number;
  maxScore: number;
  /** pending_manual while any answered essay awaits a person's grade */
  status: 'scored' | 'pending_manual';
}

export function scoreAttempt(
  questions: readonly PaperQuestion[],
  keys: ReadonlyMap<string, AnswerKey>,
  answers: ReadonlyMap<string, AnswerValue>,
): AttemptScore {
  const scored = questions.map((q) => {
    const key = keys.get(q.id);
    if (!key) throw new Error(`no answer key stored for question ${q.id}`);
    return scoreAnswer(q, key, answers.get(q.id));
  });
  return {
    questions: scored,
    score: Math.round(scored.reduce((sum, q) => sum + q.points, 0) * 1000) / 1000,
    maxScore: scored.reduce((sum, q) => sum + q.maxPoints, 0),
    status: scored.some((q) => q.status === 'pending_manual') ? 'pending_manual' : 'scored',
  };
}
