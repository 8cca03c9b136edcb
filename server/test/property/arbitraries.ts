import fc from 'fast-check';
import type { AnswerValue, PaperQuestion } from '@examhall/shared';

/**
 * Arbitraries shared by the property tests: hostile values for frame fuzzing, mutations of valid
 * frames, and answer values that fit a question.
 *
 * Reproducing a failure: fast-check prints `seed` and `path` when a property fails. Run again with
 * `FC_SEED=<seed> FC_PATH=<path> npx vitest run server/test/property/<file>`; `FC_RUNS=<n>` changes
 * the number of runs and `FC_SHRINK=1` shrinks the counterexample (off by default: shrinking
 * against a live server can outlast the test's timeout).
 */
export function fcParams<T>(numRuns: number): fc.Parameters<T> {
  const seed = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
  return {
    numRuns: process.env.FC_RUNS ? Number(process.env.FC_RUNS) : numRuns,
    ...(seed !== undefined && Number.isFinite(seed) ? { seed } : {}),
    ...(process.env.FC_PATH ? { path: process.env.FC_PATH } : {}),
    endOnFailure: process.env.FC_SHRINK !== '1',
  };
}

/** Keys that have bitten JavaScript servers before (prototype pollution, thenables, lookalikes of real fields). */
const dangerousKey = fc.constantFrom(
  '__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'then', 'toJSON',
  'attemptId', 'questionId', 'seq', 'value', 'kind', 'target', 'answers', 'protocolVersion', 'clientSentAt', 'optionIds', 'text',
);
const key = fc.oneof({ arbitrary: dangerousKey, weight: 1 }, { arbitrary: fc.string({ maxLength: 12 }), weight: 2 });

/** Numbers at the edges: zero and negative zero, the safe-integer limits, powers of two, the double limits. */
export const edgeNumber = fc.constantFrom(
  0, -0, 1, -1, 0.5, -0.5, 2 ** 31 - 1, 2 ** 31, 2 ** 32, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1,
  -Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, 2 ** 63, 1e21, 1e308, Number.MAX_VALUE, Number.MIN_VALUE, -1e308,
  Number.EPSILON, 1.7e12, 1e15, Infinity, -Infinity, NaN,
);

/** Strings that look like numbers or keywords, control and invisible characters, lone surrogates, very long text. */
export const edgeString = fc.oneof(
  fc.constantFrom(
    '', ' ', 'NaN', 'Infinity', '-Infinity', '1e309', '-0', '0x10', '1_000', 'null', 'undefined', 'true', '[]', '{}',
    '\u0000', 'a\u0000b', '\ud800', 'x\udfffy', '\u{1F600}', '\u202e', '\u200b', '\ufeff', '\r\n', '%00', '../../etc/passwd',
    "'; DROP TABLE answers; --", '$1', '{"$ne":null}', 'a'.repeat(64), 'a'.repeat(65), 'q'.repeat(5001),
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.tuple(fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }), fc.integer({ min: 1000, max: 4000 })).map(([s, n]) => s.repeat(n)),
);

const leaf = fc.oneof(edgeNumber, edgeString, fc.boolean(), fc.constant(null), fc.integer(), fc.double());

/**
 * Arrays or objects nested a few thousand levels deep, still inside the frame size limit (around
 * 5,000 levels socket.io-client itself overflows its stack). Sent as its JSON; printed by
 * fast-check as `deep(depth, shape)`, since printing the value itself would overflow too.
 */
class DeepValue {
  readonly #value: unknown;
  readonly #label: string;
  constructor(depth: number, shape: 'array' | 'object' | 'mixed') {
    let v: unknown = 1;
    for (let i = 0; i < depth; i++) v = shape === 'array' || (shape === 'mixed' && i % 2 === 0) ? [v] : { a: v };
    this.#value = v;
    this.#label = `deep(${depth}, ${shape})`;
  }
  toJSON(): unknown {
    return this.#value;
  }
  [fc.toStringMethod](): string {
    return this.#label;
  }
}
export const deepValue = fc
  .tuple(fc.integer({ min: 50, max: 2500 }), fc.constantFrom('array' as const, 'object' as const, 'mixed' as const))
  .map(([depth, shape]) => new DeepValue(depth, shape));

/** Many small items: wide arrays and objects. */
export const wideValue = fc.oneof(
  fc.integer({ min: 100, max: 3000 }).map((n) => Array.from({ length: n }, (_, i) => i)),
  fc.integer({ min: 100, max: 1000 }).map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]))),
);

/**
 * Anything a client could put in a frame (binary attachments included), weighted towards nasty.
 * No boxed primitives: next to a binary attachment socket.io-client spreads a boxed string into one
 * key per character, which makes the frame far larger than it looks (the server then cuts it off, by design).
 */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.anything({ key, values: [leaf], maxDepth: 4, withNullPrototype: true, withTypedArray: true, withSparseArray: true, withDate: true, withMap: true, withSet: true }), weight: 6 },
  { arbitrary: leaf, weight: 3 },
  { arbitrary: deepValue, weight: 1 },
  { arbitrary: wideValue, weight: 1 },
);

type Path = (string | number)[];

/** NUL, lone surrogates, bidi override, zero-width space, an emoji (a surrogate pair), a line break. */
const AWKWARD_CHARACTERS = ['\u0000', '\ud800', '\udc00', '\u202e', '\u200b', '\u{1F600}', '\n'];

function valueAt(root: unknown, path: Path): unknown {
  let node = root;
  for (const k of path) node = node === null || typeof node !== 'object' ? undefined : (node as Record<string | number, unknown>)[k];
  return node;
}

function pathsOf(value: unknown, prefix: Path = []): Path[] {
  const paths: Path[] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => paths.push(...pathsOf(v, [...prefix, i])));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) paths.push(...pathsOf(v, [...prefix, k]));
  return paths;
}

type Mutation =
  | { op: 'drop'; path: Path }
  | { op: 'replace'; path: Path; with: unknown }
  | { op: 'addKey'; path: Path; key: string; with: unknown };

/**
 * Sets an own property, even `__proto__` (a plain assignment would change the prototype instead).
 * An array's `length` cannot be redefined (and a key named "length" on an array never reaches the
 * wire: JSON sends only its elements), so that mutation is a no-op.
 */
function setOwn(target: object, k: string | number, v: unknown): void {
  if (Array.isArray(target) && k === 'length') return;
  Object.defineProperty(target, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/** A copy of a container (own keys, `__proto__` included, stay own keys). */
function copyOf(value: object): Record<string | number, unknown> {
  return (Array.isArray(value) ? value.slice() : { ...value }) as Record<string | number, unknown>;
}

/** Applies a mutation, copying only the containers on its path (a deep clone of a deep hostile value would overflow the stack). */
function apply(root: unknown, m: Mutation): unknown {
  const parentPath = m.op === 'addKey' ? m.path : m.path.slice(0, -1);
  const edit = (node: unknown, depth: number): unknown => {
    if (node === null || typeof node !== 'object') return node; // an earlier mutation removed this path
    const copy = copyOf(node);
    if (depth < parentPath.length) {
      const k = parentPath[depth]!;
      setOwn(copy, k, edit(copy[k], depth + 1));
    } else if (m.op === 'addKey') setOwn(copy, m.key, m.with);
    else if (m.op === 'drop') {
      if (Array.isArray(copy)) copy.splice(m.path.at(-1) as number, 1);
      else delete copy[m.path.at(-1)!];
    } else setOwn(copy, m.path.at(-1)!, m.with);
    return copy;
  };
  if (m.path.length === 0 && m.op !== 'addKey') return m.op === 'drop' ? undefined : m.with;
  return edit(root, 0);
}

/** The same field with another JSON type, or a value at a type's edge. */
const retyped = fc.oneof(edgeNumber, edgeString, fc.constantFrom(null, true, false, [], {}, [1], { x: 1 }));

/**
 * A valid frame changed in one or two places: a field dropped, retyped or replaced by a hostile
 * value, numbers and strings at their edges, an extra key (`__proto__` included). Sometimes unchanged.
 */
export function mutated(valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return valid.chain((frame) => {
    const paths = pathsOf(frame);
    const path = fc.constantFrom(...paths);
    const textPaths = paths.filter((p) => typeof valueAt(frame, p) === 'string');
    const mutations: fc.Arbitrary<Mutation>[] = [
      path.map((p) => ({ op: 'drop' as const, path: p })),
      fc.record({ op: fc.constant('replace' as const), path, with: fc.oneof({ arbitrary: retyped, weight: 3 }, { arbitrary: hostileValue, weight: 1 }) }),
      fc.record({ op: fc.constant('addKey' as const), path, key, with: leaf }),
    ];
    // the same text with one awkward character slipped in: still valid in every other way
    if (textPaths.length > 0) {
      mutations.push(
        fc.tuple(fc.constantFrom(...textPaths), fc.constantFrom(...AWKWARD_CHARACTERS), fc.nat()).map(([p, c, i]) => {
          const text = valueAt(frame, p) as string;
          const at = i % (text.length + 1);
          return { op: 'replace' as const, path: p, with: text.slice(0, at) + c + text.slice(at) };
        }),
      );
    }
    const mutation = fc.oneof(...mutations);
    return fc.oneof(
      { arbitrary: fc.constant(frame), weight: 1 },
      { arbitrary: fc.array(mutation, { minLength: 1, maxLength: 2 }).map((ms) => ms.reduce(apply, frame)), weight: 12 },
    );
  });
}

/** The payload arguments of one emit: usually one, sometimes none or several (the ack always comes last). */
export function payloadArgs(payload: fc.Arbitrary<unknown>): fc.Arbitrary<unknown[]> {
  return fc.oneof(
    { arbitrary: payload.map((p) => [p]), weight: 8 },
    { arbitrary: fc.constant<unknown[]>([]), weight: 1 },
    { arbitrary: fc.tuple(payload, hostileValue), weight: 1 },
  );
}

/** Text as a candidate might type it, including what Postgres' jsonb cannot hold (NUL, lone surrogates). */
export const answerText = fc.oneof(
  { arbitrary: fc.string({ maxLength: 60 }), weight: 4 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 30 }), weight: 2 },
  { arbitrary: fc.constantFrom('a\u0000b', '\ud800', 'z\udc00', '\u{1F600}\u202e', ''), weight: 1 },
);

/** A value that fits the question's type (the gateway accepts its shape; text may still be refused by the schema). */
export function answerValueFor(q: PaperQuestion): fc.Arbitrary<AnswerValue> {
  const ids = (q.options ?? []).map((o) => o.id);
  const fitting: fc.Arbitrary<AnswerValue> =
    q.type === 'single'
      ? fc.constantFrom(...ids).map((id) => ({ kind: 'choice' as const, optionIds: [id] }))
      : q.type === 'multiple'
        ? fc.subarray(ids, { minLength: 1 }).map((optionIds) => ({ kind: 'choice' as const, optionIds }))
        : q.type === 'numeric'
          ? fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })).map((value) => ({ kind: 'numeric' as const, value }))
          : answerText.map((text) => ({ kind: 'text' as const, text }));
  return fc.oneof({ arbitrary: fitting, weight: 9 }, { arbitrary: fc.constant(null), weight: 1 });
}

/**
 * A socket.io packet as raw text, under the socket.io-client encoder: a type digit (or junk), an
 * attachment count, a namespace, an ack id (negative, fractional, huge), and a body that may not
 * be JSON at all. See https://github.com/socketio/socket.io-protocol for the grammar.
 */
export const rawPacket: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '7', 'x', ''),
    fc.option(fc.constantFrom('0-', '1-', '2-', '-', '99999-'), { nil: '' }),
    fc.constantFrom('/candidate,', '/proctor,', '/nope,', '/', ''),
    fc.option(fc.oneof(fc.nat().map(String), fc.constantFrom('-1', '1.5', '99999999999999999999', '1e3', '0x1')), { nil: '' }),
    fc.oneof(
      fc.json({ maxDepth: 3 }),
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.tuple(fc.constantFrom('answer:save', 'time:sync', 'exam:join', 'exam:submit', 'disconnect', 'connect', 'x'), fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 2 })).map(
        ([event, args]) => JSON.stringify([event, ...args]),
      ),
      fc.constant('[{"_placeholder":true,"num":0}]'),
    ),
  )
  .map(([type, attachments, nsp, id, body]) => `${type}${attachments}${nsp}${id}${body}`);
