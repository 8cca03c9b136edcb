import type { AnswerValue } from './schemas/answers.js';
import type { PaperQuestion } from './schemas/exam.js';

/** A valid random answer for a paper question: for demos, load tests and property tests. */
export function randomAnswer(question: PaperQuestion, random: () => number = Math.random): AnswerValue {
  const options = question.options ?? [];
  switch (question.type) {
    case 'single':
      return { kind: 'choice', optionIds: [options[Math.floor(random() * options.length)]!.id] };
    case 'multiple':
      return { kind: 'choice', optionIds: options.filter(() => random() < 0.5).map((o) => o.id) };
    case 'numeric':
      return { kind: 'numeric', value: Math.round(random() * 1000) };
    case 'text':
      return { kind: 'text', text: `answer ${Math.round(random() * 1e6)}` };
    case 'essay':
      return { kind: 'text', text: `An essay of ${Math.round(random() * 1e6)} words.` };
  }
}
