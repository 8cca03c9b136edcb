import type { ExamDefinition } from '@examhall/shared';

type QuestionDef = ExamDefinition['questions'][number];

const choice = (id: string, prompt: string, options: string[], correct: number[], multiple = false): QuestionDef => {
  const opts = options.map((text, i) => ({ id: `${id}-${String.fromCharCode(97 + i)}`, text }));
  const ids = correct.map((i) => opts[i]!.id);
  return multiple
    ? { id, type: 'multiple', prompt, points: 2, options: opts, key: { type: 'multiple', optionIds: ids, partialCredit: true } }
    : { id, type: 'single', prompt, points: 1, options: opts, key: { type: 'single', optionId: ids[0]! } };
};
const numeric = (id: string, prompt: string, value: number, tolerance = 0): QuestionDef => ({
  id, type: 'numeric', prompt, points: 1, key: { type: 'numeric', value, tolerance },
});
const text = (id: string, prompt: string, accepted: string[]): QuestionDef => ({
  id, type: 'text', prompt, points: 1, key: { type: 'text', accepted, caseSensitive: false },
});

/** A 20-question demo paper of mixed types (single, multiple, numeric, short text). */
export const DEMO_EXAM: ExamDefinition = {
  id: 'demo-pedagogy',
  version: 1,
  title: 'Teacher Eligibility — Demo Paper',
  sections: [],
  questions: [
    choice('q01', 'Which stage did Piaget call the "concrete operational" stage?', ['0–2 years', '2–7 years', '7–11 years', '11+ years'], [2]),
    choice('q02', 'Formative assessment is mainly used to…', ['rank students', 'improve learning while it happens', 'certify completion', 'select for admission'], [1]),
    choice('q03', 'Which are examples of open-ended questions?', ['What do you think would happen if…?', 'Is 7 a prime number?', 'How could we test this idea?', 'What is 2 + 2?'], [0, 2], true),
    numeric('q04', 'A class has 42 students; 3/7 of them are girls. How many boys are there?', 24),
    text('q05', 'Name the Indian act of 2009 that made education a fundamental right (three letters).', ['RTE', 'RTE Act']),
    choice('q06', 'Bloom\'s taxonomy: which level is highest (revised 2001)?', ['Remember', 'Apply', 'Evaluate', 'Create'], [3]),
    choice('q07', 'Which practices support inclusive classrooms?', ['Universal design for learning', 'Streaming by ability only', 'Peer tutoring', 'Differentiated instruction'], [0, 2, 3], true),
    numeric('q08', 'What is 15% of 240?', 36),
    choice('q09', 'Vygotsky\'s "zone of proximal development" describes…', ['what a learner can do alone', 'what a learner can do with guidance', 'what a learner cannot learn', 'a brain region'], [1]),
    text('q10', 'What is the capital of Maharashtra?', ['Mumbai', 'Bombay']),
    numeric('q11', 'Give π to two decimal places.', 3.14, 0.005),
    choice('q12', 'Which is a criterion-referenced test?', ['A driving test', 'A percentile rank', 'A norm-graded exam', 'An IQ score'], [0]),
    choice('q13', 'Which are multiple intelligences in Gardner\'s theory?', ['Musical', 'Financial', 'Interpersonal', 'Naturalistic'], [0, 2, 3], true),
    numeric('q14', 'The average of 12, 15 and 18 is…', 15),
    text('q15', 'One word: the learning theory built on stimulus and response.', ['behaviourism', 'behaviorism']),
    choice('q16', 'Constructive feedback should be…', ['delayed by weeks', 'specific and actionable', 'only about grades', 'public'], [1]),
    numeric('q17', 'How many minutes are in 2.5 hours?', 150),
    choice('q18', 'Which is NOT a principle of child development?', ['Development is continuous', 'Development is uniform for all children', 'Development proceeds from general to specific', 'Development is influenced by heredity and environment'], [1]),
    text('q19', 'Complete the name of the 2009 act: "Right of Children to Free and ___ Education".', ['compulsory']),
    numeric('q20', 'A train travels 180 km in 3 hours. Its average speed in km/h?', 60),
  ],
};
