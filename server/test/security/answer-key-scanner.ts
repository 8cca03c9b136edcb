import type { AnswerKey } from '@examhall/shared';

/**
 * Looks for answer-key material in raw Socket.IO frames as a client received them. What counts
 * as a leak: a field named like a key (key, correct, accepted, tolerance, score...); a correct
 * option id anywhere but as an option's own `id` in a paper; an accepted text answer inside any
 * string; a numeric key's value (within its tolerance) in a field that is not a known timestamp,
 * counter or id. The candidate whose frames are scanned must itself answer only wrongly, so that
 * its own answers echoed back are not mistaken for keys.
 */
export interface KeyMaterial {
  correctOptionIds: Set<string>;
  numbers: { value: number; tolerance: number; questionId: string }[];
  texts: { text: string; questionId: string }[];
}

export interface Finding {
  frame: number;
  path: string;
  why: string;
}

const KEY_FIELDS = new Set(['key', 'keys', 'answerkey', 'correct', 'iscorrect', 'correctoptionid', 'correctoptionids', 'accepted', 'tolerance', 'rubric', 'partialcredit', 'casesensitive', 'score', 'scores', 'maxscore', 'solution', 'expected']);
/** numeric protocol fields that are times, counters, versions or limits, never answers */
const NON_ANSWER_NUMBERS = new Set([
  'seq', 'serverTime', 'deadline', 'startedAt', 'scheduledStart', 'graceMs', 'points', 'examVersion', 'receivedAt', 'clientSentAt',
  'submittedAt', 'reconnectInMs', 'answered', 'questionCount', 'count', 'at', 'sentAt', 'takenAt', 'lastAt', 'openedAt',
  'pingInterval', 'pingTimeout', 'maxPayload', 'timeLimitS', 'seconds', 'applied', 'failed', 'onlineChangedAt', 'lastSaveAt',
]);

export function keyMaterial(keys: Iterable<[string, AnswerKey]>): KeyMaterial {
  const material: KeyMaterial = { correctOptionIds: new Set(), numbers: [], texts: [] };
  for (const [questionId, key] of keys) {
    if (key.type === 'single') material.correctOptionIds.add(key.optionId);
    if (key.type === 'multiple') for (const id of key.optionIds) material.correctOptionIds.add(id);
    if (key.type === 'numeric') material.numbers.push({ value: key.value, tolerance: key.tolerance, questionId });
    if (key.type === 'text') for (const text of key.accepted) material.texts.push({ text, questionId });
  }
  return material;
}

/** The JSON payload of one engine.io frame (`0{...}` open, `4` + a Socket.IO packet), or undefined. */
export function payloadOf(frame: string): unknown {
  if (frame.startsWith('0')) return JSON.parse(frame.slice(1));
  if (!frame.startsWith('4')) return undefined; // pings, pongs, close
  let rest = frame.slice(2); // engine "message", then the Socket.IO packet type
  if (rest.startsWith('/')) rest = rest.slice(rest.indexOf(',') + 1);
  rest = rest.replace(/^\d+/, ''); // ack id
  return rest ? JSON.parse(rest) : undefined;
}

export function scanFrames(frames: readonly string[], material: KeyMaterial): Finding[] {
  const findings: Finding[] = [];
  frames.forEach((frame, index) => walk(payloadOf(frame), '$', undefined, (path, why) => findings.push({ frame: index, path, why })));
  return findings;

  function walk(value: unknown, path: string, field: string | undefined, report: (path: string, why: string) => void): void {
    if (Array.isArray(value)) return value.forEach((item, i) => walk(item, `${path}[${i}]`, field, report));
    if (value !== null && typeof value === 'object') {
      for (const [name, inner] of Object.entries(value)) {
        if (KEY_FIELDS.has(name.toLowerCase())) report(`${path}.${name}`, `a field named "${name}"`);
        walk(inner, `${path}.${name}`, name, report);
      }
      return;
    }
    if (typeof value === 'string') {
      const isOptionsOwnId = field === 'id' && /\.options\[\d+\]$/.test(path.slice(0, path.lastIndexOf('.')));
      if (material.correctOptionIds.has(value) && !isOptionsOwnId) report(path, `the correct option id ${value}`);
      for (const { text, questionId } of material.texts) {
        if (containsWord(value, text)) report(path, `the accepted answer "${text}" of ${questionId}`);
      }
    }
    if (typeof value === 'number' && !NON_ANSWER_NUMBERS.has(field ?? '')) {
      for (const { value: key, tolerance, questionId } of material.numbers) {
        if (Math.abs(value - key) <= tolerance) report(path, `the numeric key ${key} of ${questionId}`);
      }
    }
  }
}

function containsWord(haystack: string, needle: string): boolean {
  const escaped = needle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\p{L}\\p{N}])${escaped}($|[^\\p{L}\\p{N}])`, 'iu').test(haystack);
}
