/**
 * A candidate in the terminal: joins with a token (or signs in with an access code, as the exam page
 * does), answers every question of its paper through the SDK, waits until the server says every
 * answer is committed, and with --submit hands the attempt in.
 *   npm run demo:candidate -- --token <token> [--url http://127.0.0.1:8080] [--submit]
 *   npm run demo:candidate -- --sitting S --candidate C --access-code CODE [--url …] [--submit]
 */
import { parseArgs } from 'node:util';
import { randomAnswer } from '@examhall/shared';
import { ExamClient, signInWithAccessCode } from '../src/index.js';

const { values } = parseArgs({
  options: {
    token: { type: 'string' },
    url: { type: 'string', default: 'http://127.0.0.1:8080' },
    sitting: { type: 'string' },
    candidate: { type: 'string' },
    'access-code': { type: 'string' },
    submit: { type: 'boolean', default: false },
  },
});
if (!values.token && !(values.sitting && values.candidate && values['access-code'])) {
  process.stderr.write('usage: npm run demo:candidate -- (--token <token> | --sitting S --candidate C --access-code CODE) [--url http://127.0.0.1:8080] [--submit]\n');
  process.exit(2);
}
if (!values.token) {
  try {
    const reply = await signInWithAccessCode({ sittingId: values.sitting!, candidateId: values.candidate!, accessCode: values['access-code']! }, values.url);
    values.token = reply.token;
  } catch (err) {
    process.stderr.write(`demo candidate: sign-in refused: ${(err as Error).message}\n`);
    process.exit(1);
  }
}

let client: ExamClient;
try {
  client = new ExamClient({ url: values.url!, token: values.token });
} catch (err) {
  process.stderr.write(`demo candidate: ${(err as Error).message}\n`);
  process.exit(2);
}
client.on('queued', ({ questionId, seq }) => process.stdout.write(`  queued     ${questionId} (seq ${seq})\n`));
client.on('committed', ({ questionId, seq }) => process.stdout.write(`  committed  ${questionId} (seq ${seq})\n`));
client.on('rejected', ({ questionId, error }) => process.stdout.write(`  rejected   ${questionId}: ${error.code}\n`));
client.on('updated', ({ reason }) => process.stdout.write(`  attempt    ${reason}${client.locked ? ' (locked: answers wait)' : ''}\n`));
client.on('message', ({ text, audience }) => process.stdout.write(`  proctor    (${audience}) ${text}\n`));

try {
  await client.connect();
  let joined = await client.join();
  if (joined.status === 'lobby') {
    process.stdout.write('in the lobby: waiting for the start signal (npm run examhall -- start --sitting <id>)\n');
    joined = await new Promise((resolve) => client.once('started', resolve));
  }
  const paper = joined.paper!;
  const minutesLeft = Math.round((joined.deadline! - client.serverNow()) / 60_000);
  process.stdout.write(`joined "${paper.title}": ${paper.questions.length} questions, ${minutesLeft} min left, clock offset ${Math.round(client.clockOffsetMs)} ms\n`);
  for (const question of paper.questions) await client.saveAnswer(question.id, randomAnswer(question));
  await client.waitUntilDrained(30_000);
  process.stdout.write(`all ${paper.questions.length} answers committed\n`);
  if (values.submit) {
    const submitted = await client.submit();
    process.stdout.write(`submitted: ${JSON.stringify(submitted)}\n`);
  }
} catch (err) {
  process.stderr.write(`demo candidate failed: ${(err as Error).message}\n`);
  process.exitCode = 1;
} finally {
  await client.close();
}
