import type { z } from 'zod';
import type { ExamDefinition, ImportProblem } from '@examhall/shared';
import { candidateText, scorerRubric, visibleMedia } from './item-text.js';
import { childElements, descendants, firstChild, textOf, type XmlElement } from './xml.js';

/** A question with its key as the JSON authoring format has it (before the schema's defaults). */
export type QuestionDraft = z.input<typeof ExamDefinition>['questions'][number];

export const SUPPORTED_INTERACTIONS = ['qti-choice-interaction', 'qti-text-entry-interaction', 'qti-extended-text-interaction'];

/** Where an item lives, so every problem names the file, the item and the line. */
export interface ItemOrigin {
  file: string;
  item: string;
  section?: string;
  /** the text of the shared stimuli the item refers to (a reading passage), put before its prompt */
  stimulus?: string;
}

/**
 * One QTI 3.0 assessment item → one question with its key, or null with the reasons in `problems`.
 * Supports one choice, text entry or extended text interaction per item.
 */
export function itemToQuestion(root: XmlElement, origin: ItemOrigin, problems: ImportProblem[]): QuestionDraft | null {
  const before = problems.length;
  const report = (line: number, message: string) => problems.push({ file: origin.file, item: origin.item, line, message });
  if (root.name !== 'qti-assessment-item') {
    const hint = root.name === 'assessmentItem' ? ' (a QTI 2.x item: only QTI 3.0 is read)' : '';
    report(root.line, `expected qti-assessment-item, found ${root.name}${hint}`);
    return null;
  }
  const body = firstChild(root, 'qti-item-body');
  if (!body) {
    report(root.line, 'the item has no qti-item-body');
    return null;
  }
  const interactions = descendants(body, (e) => e.name.endsWith('-interaction'));
  for (const unsupported of interactions.filter((e) => !SUPPORTED_INTERACTIONS.includes(e.name))) {
    report(unsupported.line, `${unsupported.name} is not supported (supported: ${SUPPORTED_INTERACTIONS.join(', ')})`);
  }
  const supported = interactions.filter((e) => SUPPORTED_INTERACTIONS.includes(e.name));
  if (supported.length !== 1) {
    if (interactions.length === supported.length) report(body.line, `an item needs exactly one interaction; this one has ${supported.length}`);
    return null;
  }
  const interaction = supported[0]!;
  const responseId = interaction.attrs['response-identifier'];
  const declaration = childElements(root, 'qti-response-declaration').find((d) => d.attrs.identifier === responseId);
  if (!declaration) {
    report(interaction.line, `no qti-response-declaration with identifier ${responseId ?? '(response-identifier missing)'}`);
    return null;
  }
  const mapping = firstChild(declaration, 'qti-mapping');
  const correctResponse = firstChild(declaration, 'qti-correct-response');
  const correct = correctResponse ? childElements(correctResponse, 'qti-value').map((v) => ({ value: textOf(v), line: v.line })) : [];
  const points = pointsOf(root, mapping, report);

  const inline = interaction.name === 'qti-text-entry-interaction';
  const bodyText = candidateText(body, (e) => {
    // a text entry sits inside a sentence: leave a visible gap; block interactions keep only their qti-prompt
    if (e === interaction) return inline ? ' ____ ' : candidateText({ ...e, children: childElements(e, 'qti-prompt') });
    return undefined;
  });
  const prompt = [origin.stimulus, bodyText].filter(Boolean).join(' ');
  if (!prompt) report(body.line, 'the item has no prompt text');
  for (const media of visibleMedia(body)) report(media.line, `<${media.name}> cannot be shown: examhall papers are text only`);

  const base = { id: origin.item, prompt, points: points ?? 1, ...(origin.section ? { section: origin.section } : {}) };
  let question: QuestionDraft | null = null;
  if (interaction.name === 'qti-choice-interaction') {
    const options = childElements(interaction, 'qti-simple-choice').map((c) => ({ id: c.attrs.identifier ?? '', text: candidateText(c), line: c.line }));
    for (const o of options) if (!o.id) report(o.line, 'qti-simple-choice without an identifier');
    const optionIds = new Set(options.map((o) => o.id));
    for (const c of correct) if (!optionIds.has(c.value)) report(c.line, `the correct response names choice ${c.value}, which the interaction does not have`);
    if (correct.length === 0) report(declaration.line, 'no qti-correct-response: examhall stores the correct response as the key');
    const maxChoices = interaction.attrs['max-choices'] ?? '1';
    const multiple = maxChoices !== '1' || declaration.attrs.cardinality === 'multiple';
    const plainOptions = options.map(({ id, text }) => ({ id, text }));
    if (!multiple && correct.length > 1) report(declaration.line, `max-choices is 1 but the correct response has ${correct.length} values`);
    question = multiple
      ? { ...base, type: 'multiple', options: plainOptions, key: { type: 'multiple', optionIds: correct.map((c) => c.value), partialCredit: mapping !== undefined } }
      : { ...base, type: 'single', options: plainOptions, key: { type: 'single', optionId: correct[0]?.value ?? '' } };
  } else if (inline) {
    const baseType = declaration.attrs['base-type'];
    if (baseType === 'integer' || baseType === 'float') {
      if (correct.length === 0) report(declaration.line, 'no qti-correct-response: examhall stores the correct response as the key');
      const value = Number(correct[0]?.value);
      if (correct.length > 1) report(declaration.line, 'a numeric entry takes one correct value');
      if (correct.length > 0 && (correct[0]!.value === '' || !Number.isFinite(value))) report(correct[0]!.line, `the correct response ${correct[0]!.value} is not a number`);
      if (baseType === 'integer' && Number.isFinite(value) && !Number.isInteger(value)) report(correct[0]!.line, `the correct response ${correct[0]!.value} is not an integer`);
      const tolerance = toleranceOf(root, Number.isFinite(value) ? value : 0, report);
      question = { ...base, type: 'numeric', key: { type: 'numeric', value: Number.isFinite(value) ? value : 0, tolerance } };
    } else {
      const entries = mapping ? childElements(mapping, 'qti-map-entry') : [];
      // map entries worth full marks count as accepted answers too; partly credited ones cannot be expressed
      const fullCredit = entries.filter((e) => Number(e.attrs['mapped-value']) >= (points ?? 1)).map((e) => e.attrs['map-key'] ?? '');
      const accepted = [...new Set([...correct.map((c) => c.value), ...fullCredit].filter(Boolean))];
      if (accepted.length === 0) report(declaration.line, 'no qti-correct-response and no map entry worth full marks: nothing to accept');
      const caseSensitive = entries.some((e) => e.attrs['case-sensitive'] === 'true');
      question = { ...base, type: 'text', key: { type: 'text', accepted, caseSensitive } };
    }
  } else {
    const rubric = scorerRubric(body);
    question = { ...base, type: 'essay', key: { type: 'essay', ...(rubric ? { rubric } : {}) } };
  }
  return problems.length === before ? question : null;
}

/**
 * SCORE's normal-maximum, else MAXSCORE's default value (a common authoring convention), else the
 * mapping's upper-bound, else undefined (1 point).
 */
function pointsOf(root: XmlElement, mapping: XmlElement | undefined, report: (line: number, message: string) => void): number | undefined {
  const outcome = (id: string) => childElements(root, 'qti-outcome-declaration').find((o) => o.attrs.identifier === id);
  const maxScoreDefault = outcome('MAXSCORE') && firstChild(outcome('MAXSCORE')!, 'qti-default-value');
  const maxScoreValue = maxScoreDefault && firstChild(maxScoreDefault, 'qti-value');
  const candidates: Array<[XmlElement | undefined, string | undefined, string]> = [
    [outcome('SCORE'), outcome('SCORE')?.attrs['normal-maximum'], 'normal-maximum'],
    [maxScoreValue, maxScoreValue && textOf(maxScoreValue), 'MAXSCORE'],
    [mapping, mapping?.attrs['upper-bound'], 'upper-bound'],
  ];
  for (const [element, raw, attr] of candidates) {
    if (raw === undefined) continue;
    const points = Number(raw);
    if (!(points > 0 && points <= 1000)) {
      report(element!.line, `${attr}="${raw}" is not a number of points between 0 (excluded) and 1000`);
      return undefined;
    }
    return points;
  }
  return undefined;
}

/**
 * The tolerance of a numeric answer, from response processing's qti-equal (absolute, or relative
 * in percent of the correct value); 0 for exact. examhall keeps one symmetric tolerance.
 */
function toleranceOf(root: XmlElement, value: number, report: (line: number, message: string) => void): number {
  const processing = firstChild(root, 'qti-response-processing');
  const equal = processing && descendants(processing, (e) => e.name === 'qti-equal')[0];
  const mode = equal?.attrs['tolerance-mode'] ?? 'exact';
  if (!equal || mode === 'exact') return 0;
  const bounds = (equal.attrs.tolerance ?? '').trim().split(/\s+/).map(Number);
  const [lower, upper = lower] = bounds;
  if (equal.attrs.tolerance === undefined || lower === undefined || !Number.isFinite(lower) || !Number.isFinite(upper!) || lower < 0 || lower !== upper || (mode !== 'absolute' && mode !== 'relative')) {
    report(equal.line, `tolerance-mode="${mode}" tolerance="${equal.attrs.tolerance ?? ''}" is not supported (one non-negative value, absolute or relative)`);
    return 0;
  }
  return mode === 'relative' ? (Math.abs(value) * lower) / 100 : lower;
}
