import { z } from 'zod';
import { ExternalId } from './ids.js';

/** `text` is a short answer scored by matching; `essay` is long text graded by a person. */
export const QuestionType = z.enum(['single', 'multiple', 'numeric', 'text', 'essay']);
export type QuestionType = z.infer<typeof QuestionType>;

export const Option = z.object({ id: ExternalId, text: z.string().min(1).max(2000) });

/** A question as the candidate sees it: never carries a key. */
export const PaperQuestion = z.object({
  id: ExternalId,
  type: QuestionType,
  prompt: z.string().min(1).max(10_000),
  points: z.number().positive().max(1000),
  options: z.array(Option).min(2).max(26).optional(),
  /** the timed section this question belongs to, if the exam has sections */
  section: ExternalId.optional(),
});
export type PaperQuestion = z.infer<typeof PaperQuestion>;

/** The candidate's own paper: questions and options in the attempt's shuffled order. */
/** A section with its own time limit, counted from the attempt's start (pauses move it too). */
export const Section = z.object({
  id: ExternalId,
  title: z.string().min(1).max(500),
  timeLimitS: z.number().int().positive().optional(),
});
export type Section = z.infer<typeof Section>;

export const Paper = z.object({
  examId: ExternalId,
  examVersion: z.number().int().positive(),
  title: z.string(),
  sections: z.array(Section).default([]),
  questions: z.array(PaperQuestion),
});
export type Paper = z.infer<typeof Paper>;

/** Answer keys, stored apart from content on the server and never sent to a candidate. */
export const AnswerKey = z.discriminatedUnion('type', [
  z.object({ type: z.literal('single'), optionId: ExternalId }),
  z.object({ type: z.literal('multiple'), optionIds: z.array(ExternalId).min(1), partialCredit: z.boolean().default(false) }),
  z.object({ type: z.literal('numeric'), value: z.number().finite(), tolerance: z.number().nonnegative().default(0) }),
  z.object({ type: z.literal('text'), accepted: z.array(z.string().min(1)).min(1), caseSensitive: z.boolean().default(false) }),
  z.object({ type: z.literal('essay'), rubric: z.string().max(10_000).optional() }),
]);
export type AnswerKey = z.infer<typeof AnswerKey>;

/** The authoring format of an exam (JSON import): content plus keys, split apart on import. */
export const ExamDefinition = z
  .object({
    id: ExternalId,
    version: z.number().int().positive(),
    title: z.string().min(1).max(500),
    sections: z.array(Section).default([]),
    questions: z.array(PaperQuestion.extend({ key: AnswerKey })).min(1).max(1000),
  })
  .superRefine((exam, ctx) => {
    const sectionIds = new Set(exam.sections.map((s) => s.id));
    if (sectionIds.size !== exam.sections.length) ctx.addIssue({ code: 'custom', path: ['sections'], message: 'duplicate section id' });
    const ids = new Set<string>();
    exam.questions.forEach((q, i) => {
      if (ids.has(q.id)) ctx.addIssue({ code: 'custom', path: ['questions', i, 'id'], message: `duplicate question id ${q.id}` });
      ids.add(q.id);
      const isChoice = q.type === 'single' || q.type === 'multiple';
      if (isChoice !== Boolean(q.options)) {
        ctx.addIssue({ code: 'custom', path: ['questions', i, 'options'], message: 'choice questions need options, others must not have them' });
      }
      if (q.section !== undefined && !sectionIds.has(q.section)) {
        ctx.addIssue({ code: 'custom', path: ['questions', i, 'section'], message: `unknown section ${q.section}` });
      }
      if (q.key.type !== q.type) ctx.addIssue({ code: 'custom', path: ['questions', i, 'key'], message: 'key type differs from question type' });
      const optionIds = new Set(q.options?.map((o) => o.id));
      if (q.options && optionIds.size !== q.options.length) {
        ctx.addIssue({ code: 'custom', path: ['questions', i, 'options'], message: 'duplicate option id' });
      }
      const keyed = q.key.type === 'single' ? [q.key.optionId] : q.key.type === 'multiple' ? q.key.optionIds : [];
      for (const id of keyed) {
        if (!optionIds.has(id)) ctx.addIssue({ code: 'custom', path: ['questions', i, 'key'], message: `key names unknown option ${id}` });
      }
    });
  });
export type ExamDefinition = z.infer<typeof ExamDefinition>;
