'use strict';
/**
 * Processor for the examhall Artillery scenarios (socketio engine, Artillery 2.0.21).
 *
 * Every virtual user (VU) takes the next row of the CSV payload (role,candidate_id,access_code,
 * written by `npm run bench:artillery`): the row with role `proctor` watches the sitting on
 * /proctor with the token in $EXAMHALL_PROCTOR_TOKEN, every `candidate` row signs in over HTTP,
 * joins on /candidate, saves answers and (in smoke and soak) submits.
 *
 * The socketio engine only captures ack data, it cannot tell `{ ok: false }` from `{ ok: true }`;
 * the check* functions below read the last ack (`vars.$`), fail the VU with a coded error when the
 * server refused, and count what was acknowledged as `examhall.*` counters plus
 * `examhall.*_ack_ms` histograms in Artillery's report.
 */

const SCENARIO_DEFAULTS = { answers: 5, thinkS: 1, submit: 1, proctorWatchS: 20, holdS: 0 };

function num(value, fallback) {
  const n = Number(value);
  return Number.isFinite(n) ? n : fallback;
}

/** the last ack captured by the socketio engine: `vars.$` is JSON of the ack's arguments */
function lastAck(context) {
  const raw = context.vars.$;
  let args;
  try {
    args = typeof raw === 'string' ? JSON.parse(raw) : raw;
  } catch {
    return undefined;
  }
  return Array.isArray(args) ? args[0] : args;
}

function fail(events, done, what, ack) {
  const code = ack && ack.error && ack.error.code ? ack.error.code : 'NO_ACK';
  const message = `examhall: ${what} refused (${code})`;
  events.emit('counter', `examhall.${what}_failed`, 1);
  events.emit('error', message);
  return done(new Error(message));
}

/** first step of every VU: which part of the flow runs (loops with count 0 or 1) */
function setRole(context, events, done) {
  const v = context.vars;
  const isProctor = v.role === 'proctor';
  v.proctorRounds = isProctor ? 1 : 0;
  v.candidateRounds = isProctor ? 0 : 1;
  v.answerCount = num(v.answersPerCandidate, SCENARIO_DEFAULTS.answers);
  v.answerThinkS = num(v.answerThinkS, SCENARIO_DEFAULTS.thinkS);
  v.submitRounds = num(v.submit, SCENARIO_DEFAULTS.submit) ? 1 : 0;
  v.proctorWatchS = num(v.proctorWatchS, SCENARIO_DEFAULTS.proctorWatchS);
  v.holdS = num(v.holdS, SCENARIO_DEFAULTS.holdS);
  v.sittingId = process.env.EXAMHALL_SITTING || '';
  if (!v.sittingId) {
    events.emit('error', 'examhall: EXAMHALL_SITTING is not set');
    return done(new Error('EXAMHALL_SITTING is not set'));
  }
  return done();
}

/**
 * beforeRequest of POST /api/sign-in. Sign-in is limited to 30 requests per client address per
 * minute; a stack started with TRUSTED_PROXIES=127.0.0.1 believes X-Forwarded-For from loopback, so
 * each candidate presents its own made-up address (10.x.y.z from its number). Without
 * TRUSTED_PROXIES the header is ignored and only ~30 sign-ins per minute get through.
 */
function spreadAddress(requestParams, context, events, next) {
  const n = Number(String(context.vars.candidateId || '').replace(/\D/g, '')) || 0;
  requestParams.headers = requestParams.headers || {};
  requestParams.headers['x-forwarded-for'] = `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
  return next();
}

/** afterResponse of the sign-in: count it, keep the token for the /candidate handshake */
function checkSignIn(requestParams, response, context, events, next) {
  if (response.statusCode === 200 && context.vars.token) events.emit('counter', 'examhall.sign_ins', 1);
  else events.emit('counter', `examhall.sign_in_http_${response.statusCode}`, 1);
  return next();
}

function useProctorToken(context, events, done) {
  context.vars.token = process.env.EXAMHALL_PROCTOR_TOKEN || '';
  if (!context.vars.token) {
    events.emit('error', 'examhall: EXAMHALL_PROCTOR_TOKEN is not set');
    return done(new Error('EXAMHALL_PROCTOR_TOKEN is not set'));
  }
  return done();
}

function startTimer(context, events, done) {
  context.vars.sentAt = Date.now();
  return done();
}

function elapsed(context) {
  return Date.now() - (context.vars.sentAt || Date.now());
}

function checkWatch(context, events, done) {
  const ack = lastAck(context);
  if (!ack || ack.ok !== true) return fail(events, done, 'watch', ack);
  events.emit('counter', 'examhall.watches_acked', 1);
  events.emit('histogram', 'examhall.watch_ack_ms', elapsed(context));
  events.emit('counter', 'examhall.watch_snapshot_rows', Array.isArray(ack.data.rows) ? ack.data.rows.length : 0);
  // the live feed: count what the proctor receives while it stays
  const socket = context.sockets && context.sockets['/proctor'];
  if (socket) socket.on('proctor:delta', (delta) => events.emit('counter', 'examhall.proctor_delta_patches', Array.isArray(delta && delta.patches) ? delta.patches.length : 0));
  return done();
}

/** a valid value for a question of the paper (shared/src/schemas/answers.ts) */
function valueFor(question, n) {
  const options = question.options || [];
  switch (question.type) {
    case 'single':
      return { kind: 'choice', optionIds: options.length ? [options[n % options.length].id] : [] };
    case 'multiple':
      return { kind: 'choice', optionIds: options.slice(0, 1 + (n % Math.max(1, Math.min(2, options.length)))).map((o) => o.id) };
    case 'numeric':
      return { kind: 'numeric', value: 10 + n };
    default: // text, essay
      return { kind: 'text', text: `artillery answer ${n} ${'lorem ipsum '.repeat(1 + (n % 5))}`.trim() };
  }
}

function checkJoin(context, events, done) {
  const ack = lastAck(context);
  if (!ack || ack.ok !== true) return fail(events, done, 'join', ack);
  const reply = ack.data;
  events.emit('histogram', 'examhall.join_ack_ms', elapsed(context));
  if (reply.status !== 'in_progress' || !reply.paper) {
    // a lobby (start mode "signal") or an attempt that is already over: nothing to answer
    events.emit('counter', `examhall.join_status_${reply.status}`, 1);
    return fail(events, done, 'join', { error: { code: `STATUS_${String(reply.status).toUpperCase()}` } });
  }
  events.emit('counter', 'examhall.joins_acked', 1);
  const seqs = {};
  for (const a of reply.answers || []) seqs[a.questionId] = a.seq;
  context.vars.attemptId = reply.attemptId;
  context.vars.questions = reply.paper.questions.map((q) => ({ id: q.id, type: q.type, options: q.options }));
  context.vars.seqs = seqs;
  context.vars.answered = 0;
  // answers the workers have written to Postgres (the server pushes answer:committed)
  const socket = context.sockets && context.sockets['/candidate'];
  if (socket) socket.on('answer:committed', (c) => events.emit('counter', 'examhall.commits_received', Array.isArray(c && c.items) ? c.items.length : 0));
  return done();
}

/** builds the next `answer:save` payload: questions in turn, seq one above the last one */
function nextAnswer(context, events, done) {
  const v = context.vars;
  const question = v.questions[v.answered % v.questions.length];
  const seq = (v.seqs[question.id] || 0) + 1;
  v.seqs[question.id] = seq;
  v.saveBody = { attemptId: v.attemptId, questionId: question.id, seq, value: valueFor(question, v.answered) };
  v.answered += 1;
  v.sentAt = Date.now();
  return done();
}

function checkSave(context, events, done) {
  const ack = lastAck(context);
  if (!ack || ack.ok !== true || !ack.data || ack.data.status !== 'queued' || ack.data.seq !== context.vars.saveBody.seq) return fail(events, done, 'save', ack);
  events.emit('counter', 'examhall.saves_acked', 1);
  events.emit('histogram', 'examhall.save_ack_ms', elapsed(context));
  return done();
}

function prepareSubmit(context, events, done) {
  // the server already holds every acknowledged answer: nothing left in flight to carry
  context.vars.submitBody = { attemptId: context.vars.attemptId, answers: [] };
  context.vars.sentAt = Date.now();
  return done();
}

function checkSubmit(context, events, done) {
  const ack = lastAck(context);
  if (!ack || ack.ok !== true) return fail(events, done, 'submit', ack);
  events.emit('counter', 'examhall.submits_acked', 1);
  events.emit('histogram', 'examhall.submit_ack_ms', elapsed(context));
  return done();
}

module.exports = {
  setRole,
  spreadAddress,
  checkSignIn,
  useProctorToken,
  startTimer,
  checkWatch,
  checkJoin,
  nextAnswer,
  checkSave,
  prepareSubmit,
  checkSubmit,
};
