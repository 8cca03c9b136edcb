import { describe, expect, it } from 'vitest';
import {
  AnswerSaveRequest,
  ERRORS,
  ExamDefinition,
  ExamhallError,
  JoinReply,
  ackSchema,
  AnswerQueued,
  protocolError,
  isErrorCode,
} from '../src/index.js';

const attemptId = '7d4f3b5e-2a51-4c1e-9d0c-3b2f1a0e9c11';

describe('AnswerSaveRequest', () => {
  it('accepts each kind of value and a cleared answer', () => {
    for (const value of [
      { kind: 'choice', optionIds: ['a'] },
      { kind: 'choice', optionIds: [] },
      { kind: 'numeric', value: -3.5 },
      { kind: 'text', text: 'Mumbai' },
      null,
    ]) {
      expect(AnswerSaveRequest.safeParse({ attemptId, questionId: 'q1', seq: 1, value }).success).toBe(true);
    }
  });

  it.each([
    ['missing attempt', { questionId: 'q1', seq: 1, value: null }],
    ['attempt not a uuid', { attemptId: 'abc', questionId: 'q1', seq: 1, value: null }],
    ['seq zero', { attemptId, questionId: 'q1', seq: 0, value: null }],
    ['seq fractional', { attemptId, questionId: 'q1', seq: 1.5, value: null }],
    ['seq as string', { attemptId, questionId: 'q1', seq: '1', value: null }],
    ['question id with spaces', { attemptId, questionId: 'q 1', seq: 1, value: null }],
    ['unknown kind', { attemptId, questionId: 'q1', seq: 1, value: { kind: 'essay', text: 'x' } }],
    ['NaN numeric', { attemptId, questionId: 'q1', seq: 1, value: { kind: 'numeric', value: Number.NaN } }],
    ['Infinity numeric', { attemptId, questionId: 'q1', seq: 1, value: { kind: 'numeric', value: Infinity } }],
    ['text too long', { attemptId, questionId: 'q1', seq: 1, value: { kind: 'text', text: 'x'.repeat(5001) } }],
    ['value missing', { attemptId, questionId: 'q1', seq: 1 }],
    ['not an object', 'hello'],
  ])('rejects %s', (_name, payload) => {
    expect(AnswerSaveRequest.safeParse(payload).success).toBe(false);
  });
});

describe('ExamDefinition', () => {
  const base = {
    id: 'e1',
    version: 1,
    title: 'T',
    questions: [
      { id: 'q1', type: 'single', prompt: 'p', points: 1, options: [{ id: 'a', text: 'A' }, { id: 'b', text: 'B' }], key: { type: 'single', optionId: 'a' } },
      { id: 'q2', type: 'numeric', prompt: 'p', points: 1, key: { type: 'numeric', value: 3 } },
    ],
  };
  it('accepts a valid exam and fills key defaults', () => {
    const exam = ExamDefinition.parse(base);
    expect(exam.questions[1]!.key).toEqual({ type: 'numeric', value: 3, tolerance: 0 });
  });
  it('rejects duplicate question ids, keys naming unknown options, and key/type mismatch', () => {
    const dup = { ...base, questions: [base.questions[0], base.questions[0]] };
    expect(ExamDefinition.safeParse(dup).success).toBe(false);
    const badKey = structuredClone(base);
    (badKey.questions[0]!.key as { optionId: string }).optionId = 'zz';
    expect(ExamDefinition.safeParse(badKey).success).toBe(false);
    const mismatch = structuredClone(base);
    mismatch.questions[1]!.key = { type: 'single', optionId: 'a' } as never;
    expect(ExamDefinition.safeParse(mismatch).success).toBe(false);
  });
});

describe('acks and the error registry', () => {
  it('parses ok and error acks', () => {
    const schema = ackSchema(AnswerQueued);
    expect(schema.safeParse({ ok: true, data: { status: 'queued', questionId: 'q1', seq: 2, receivedAt: 5 } }).success).toBe(true);
    expect(schema.safeParse({ ok: false, error: protocolError('DEADLINE_PASSED') }).success).toBe(true);
    expect(schema.safeParse({ ok: false, error: { code: 'NOT_A_CODE', message: 'x', retryable: false } }).success).toBe(false);
  });

  it('every code has a message and a retryable flag; ExamhallError carries it', () => {
    for (const [code, entry] of Object.entries(ERRORS)) {
      expect(isErrorCode(code)).toBe(true);
      expect(entry.message.length).toBeGreaterThan(5);
      expect(typeof entry.retryable).toBe('boolean');
    }
    const err = new ExamhallError('QUEUE_UNAVAILABLE', 'redis down');
    expect(err.error).toEqual({ code: 'QUEUE_UNAVAILABLE', message: ERRORS.QUEUE_UNAVAILABLE.message, retryable: true, detail: 'redis down' });
    expect(isErrorCode('toString')).toBe(false);
  });

  it('JoinReply refuses a paper question that carries no prompt', () => {
    const reply = {
      attemptId, status: 'in_progress', answers: [], startedAt: 1, deadline: 2, graceMs: 0, serverTime: 3,
      paper: { examId: 'e', examVersion: 1, title: 't', questions: [{ id: 'q', type: 'numeric', points: 1 }] },
    };
    expect(JoinReply.safeParse(reply).success).toBe(false);
  });
});
