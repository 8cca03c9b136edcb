import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { DEMO_EXAM } from '../src/exam/demo-exam.js';
import { buildPaper, checkAnswerFitsPaper, toExamContent } from '../src/exam/content.js';

const content = toExamContent(DEMO_EXAM.id, DEMO_EXAM.version, DEMO_EXAM.title, DEMO_EXAM.questions.map(({ key: _k, ...q }) => q));
const order = (attemptId: string) => buildPaper(content, attemptId).questions.map((q) => `${q.id}[${q.options?.map((o) => o.id).join(',') ?? ''}]`).join(' ');

describe('paper shuffle', () => {
  it('is the same for the same attempt, every time', () => {
    const id = randomUUID();
    expect(order(id)).toBe(order(id));
  });

  it('differs between attempts and keeps every question and option', () => {
    const orders = new Set(Array.from({ length: 50 }, () => order(randomUUID())));
    expect(orders.size).toBe(50);
    const paper = buildPaper(content, randomUUID());
    expect(paper.questions.map((q) => q.id).sort()).toEqual(DEMO_EXAM.questions.map((q) => q.id).sort());
    for (const q of paper.questions) {
      const original = DEMO_EXAM.questions.find((o) => o.id === q.id)!;
      expect(q.options?.map((o) => o.id).sort()).toEqual(original.options?.map((o) => o.id).sort());
    }
  });

  it('moves each question to many positions across attempts (not a fixed rotation)', () => {
    const positions = new Set<number>();
    for (let i = 0; i < 200; i++) positions.add(buildPaper(content, randomUUID()).questions.findIndex((q) => q.id === 'q01'));
    expect(positions.size).toBeGreaterThan(15);
  });
});

describe('answer fits the paper', () => {
  it('accepts fitting values and codes the misfits', () => {
    expect(checkAnswerFitsPaper(content, 'q01', { kind: 'choice', optionIds: ['q01-a'] })).toBeNull();
    expect(checkAnswerFitsPaper(content, 'q01', null)).toBeNull();
    expect(checkAnswerFitsPaper(content, 'q03', { kind: 'choice', optionIds: ['q03-a', 'q03-c'] })).toBeNull();
    expect(checkAnswerFitsPaper(content, 'q04', { kind: 'numeric', value: 24 })).toBeNull();
    expect(checkAnswerFitsPaper(content, 'q05', { kind: 'text', text: 'RTE' })).toBeNull();
    expect(checkAnswerFitsPaper(content, 'zz', null)).toBe('QUESTION_UNKNOWN');
    expect(checkAnswerFitsPaper(content, 'q01', { kind: 'choice', optionIds: ['q02-a'] })).toBe('OPTION_UNKNOWN');
    expect(checkAnswerFitsPaper(content, 'q01', { kind: 'choice', optionIds: ['q01-a', 'q01-b'] })).toBe('ANSWER_TYPE_MISMATCH');
    expect(checkAnswerFitsPaper(content, 'q03', { kind: 'choice', optionIds: ['q03-a', 'q03-a'] })).toBe('ANSWER_TYPE_MISMATCH');
    expect(checkAnswerFitsPaper(content, 'q04', { kind: 'text', text: '24' })).toBe('ANSWER_TYPE_MISMATCH');
    expect(checkAnswerFitsPaper(content, 'q05', { kind: 'numeric', value: 1 })).toBe('ANSWER_TYPE_MISMATCH');
  });
});
