import { describe, expect, it } from 'vitest';
import type { AnswerKey, PaperQuestion } from '@examhall/shared';
import { normaliseText, scoreAnswer, scoreAttempt } from '../src/exam/scoring.js';

const q = (id: string, type: PaperQuestion['type'], points = 2): PaperQuestion => ({ id, type, prompt: 'p', points });

describe('scoring', () => {
  it('single choice: full points only for the keyed option', () => {
    const key: AnswerKey = { type: 'single', optionId: 'b' };
    expect(scoreAnswer(q('1', 'single'), key, { kind: 'choice', optionIds: ['b'] }).points).toBe(2);
    expect(scoreAnswer(q('1', 'single'), key, { kind: 'choice', optionIds: ['a'] }).points).toBe(0);
    expect(scoreAnswer(q('1', 'single'), key, undefined)).toMatchObject({ points: 0, status: 'unanswered' });
    expect(scoreAnswer(q('1', 'single'), key, null)).toMatchObject({ points: 0, status: 'unanswered' });
  });

  it('multiple choice: all-or-nothing, or partial credit with wrong picks taken back', () => {
    const strict: AnswerKey = { type: 'multiple', optionIds: ['a', 'c', 'd'], partialCredit: false };
    const partial: AnswerKey = { ...strict, partialCredit: true };
    const question = q('2', 'multiple', 3);
    expect(scoreAnswer(question, strict, { kind: 'choice', optionIds: ['d', 'a', 'c'] }).points).toBe(3);
    expect(scoreAnswer(question, strict, { kind: 'choice', optionIds: ['a', 'c'] }).points).toBe(0);
    expect(scoreAnswer(question, partial, { kind: 'choice', optionIds: ['a', 'c'] }).points).toBe(2);
    expect(scoreAnswer(question, partial, { kind: 'choice', optionIds: ['a', 'c', 'b'] }).points).toBe(1);
    expect(scoreAnswer(question, partial, { kind: 'choice', optionIds: ['b'] }).points).toBe(0);
  });

  it('numeric: within the tolerance', () => {
    const key: AnswerKey = { type: 'numeric', value: 3.14, tolerance: 0.005 };
    expect(scoreAnswer(q('3', 'numeric'), key, { kind: 'numeric', value: 3.1415 }).points).toBe(2);
    expect(scoreAnswer(q('3', 'numeric'), key, { kind: 'numeric', value: 3.145 }).points).toBe(2);
    expect(scoreAnswer(q('3', 'numeric'), key, { kind: 'numeric', value: 3.15 }).points).toBe(0);
    expect(scoreAnswer(q('3', 'numeric'), { type: 'numeric', value: 24, tolerance: 0 }, { kind: 'numeric', value: 24 }).points).toBe(2);
  });

  it('short text: normalised exact match against any alternative', () => {
    const key: AnswerKey = { type: 'text', accepted: ['Mumbai', 'Bombay'], caseSensitive: false };
    for (const text of ['mumbai', '  MUMBAI ', 'Bombay', 'Ｍｕｍｂａｉ']) {
      expect(scoreAnswer(q('4', 'text'), key, { kind: 'text', text }).points, text).toBe(2);
    }
    expect(scoreAnswer(q('4', 'text'), key, { kind: 'text', text: 'Pune' }).points).toBe(0);
    expect(scoreAnswer(q('4', 'text'), { ...key, caseSensitive: true }, { kind: 'text', text: 'mumbai' }).points).toBe(0);
    expect(normaliseText(' New   Delhi ', false)).toBe('new delhi');
  });

  it('essay: pending manual grading, and the attempt says so', () => {
    const essay = q('5', 'essay', 10);
    expect(scoreAnswer(essay, { type: 'essay' }, { kind: 'text', text: 'long answer' })).toMatchObject({ points: 0, status: 'pending_manual' });
    const result = scoreAttempt(
      [q('1', 'single'), essay],
      new Map<string, AnswerKey>([['1', { type: 'single', optionId: 'a' }], ['5', { type: 'essay' }]]),
      new Map([['1', { kind: 'choice', optionIds: ['a'] }], ['5', { kind: 'text', text: 'x' }]]),
    );
    expect(result).toMatchObject({ score: 2, maxScore: 12, status: 'pending_manual' });
  });

  it('refuses to score a question without a stored key', () => {
    expect(() => scoreAttempt([q('1', 'single')], new Map(), new Map())).toThrow(/no answer key/);
  });
});
