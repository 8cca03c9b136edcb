import type { z } from 'zod';
import type { ExamDefinition, ImportProblem, Section } from '@examhall/shared';
import { candidateText, visibleMedia } from './item-text.js';
import { itemToQuestion, type QuestionDraft } from './items.js';
import { childElements, descendants, firstChild, parseXml, type XmlElement } from './xml.js';
import { resolveHref } from './zip.js';

export const MANIFEST = 'imsmanifest.xml';

/** The exam a package describes, before a version is chosen, plus where each question came from. */
export interface PackageExam {
  definition: Omit<z.input<typeof ExamDefinition>, 'version'>;
  /** per question (same order) and per section: file and line, to place schema problems */
  questionOrigins: ImportProblem[];
  sectionOrigins: ImportProblem[];
  testFile: string;
}

/**
 * Reads a QTI 3.0 package's XML files (manifest → assessment test → sections → item refs → items)
 * into an exam. Every problem of the package is collected in `problems`; the result is null if any.
 */
export function packageToExam(files: ReadonlyMap<string, string>, examIdOverride: string | undefined, problems: ImportProblem[]): PackageExam | null {
  const before = problems.length;
  const manifest = parseFile(files, MANIFEST, undefined, problems);
  if (!manifest) return null;
  const tests = descendants(manifest, (e) => e.name === 'resource' && /^imsqti_test_xmlv3/.test(e.attrs.type ?? ''));
  if (tests.length !== 1) {
    const old = descendants(manifest, (e) => e.name === 'resource' && /^imsqti_test_xmlv2/.test(e.attrs.type ?? '')).length > 0;
    problems.push({ file: MANIFEST, line: manifest.line, message: `a package needs exactly one resource of type imsqti_test_xmlv3p0; found ${tests.length}${old ? ' (QTI 2.x resources are not read)' : ''}` });
    return null;
  }
  const testFile = resolveHref(MANIFEST, tests[0]!.attrs.href ?? '');
  if (!testFile) {
    problems.push({ file: MANIFEST, line: tests[0]!.line, message: `the test resource's href "${tests[0]!.attrs.href ?? ''}" does not name a file inside the package` });
    return null;
  }
  const test = parseFile(files, testFile, undefined, problems, { file: MANIFEST, line: tests[0]!.line });
  if (!test) return null;
  const report = (line: number, message: string, item?: string) => problems.push({ file: testFile, line, message, ...(item ? { item } : {}) });
  if (test.name !== 'qti-assessment-test') {
    report(test.line, `expected qti-assessment-test, found ${test.name}`);
    return null;
  }
  refuseUnsupported(test, report);

  const sections: Section[] = [];
  const sectionOrigins: ImportProblem[] = [];
  const questions: QuestionDraft[] = [];
  const questionOrigins: ImportProblem[] = [];
  for (const part of childElements(test, 'qti-test-part')) {
    for (const section of childElements(part, 'qti-assessment-section')) {
      const id = section.attrs.identifier ?? '';
      const maxTime = firstChild(section, 'qti-time-limits')?.attrs['max-time'];
      const limit = maxTime === undefined ? undefined : Math.ceil(Number(maxTime));
      if (maxTime !== undefined && !(limit! > 0)) report(firstChild(section, 'qti-time-limits')!.line, `max-time="${maxTime}" is not a positive number of seconds`);
      sections.push({ id, title: section.attrs.title || id, ...(limit! > 0 ? { timeLimitS: limit } : {}) });
      sectionOrigins.push({ file: testFile, line: section.line, message: '' });
      for (const ref of descendants(section, (e) => e.name === 'qti-assessment-item-ref')) {
        const item = ref.attrs.identifier ?? '';
        const itemFile = resolveHref(testFile, ref.attrs.href ?? '');
        if (!itemFile) {
          report(ref.line, `the href "${ref.attrs.href ?? ''}" does not name a file inside the package`, item);
          continue;
        }
        const root = parseFile(files, itemFile, item, problems, { file: testFile, line: ref.line });
        if (!root) continue;
        const stimulus = stimulusText(files, root, itemFile, item, problems);
        if (stimulus === null) continue;
        const question = itemToQuestion(root, { file: itemFile, item, section: id, stimulus }, problems);
        if (question) {
          questions.push(question);
          questionOrigins.push({ file: itemFile, item, line: root.line, message: '' });
        }
      }
    }
  }
  if (questions.length === 0 && problems.length === before) report(test.line, 'the test refers to no items');
  if (problems.length > before) return null;
  const examId = examIdOverride ?? test.attrs.identifier ?? '';
  return { definition: { id: examId, title: test.attrs.title || examId, sections, questions }, questionOrigins, sectionOrigins, testFile };
}

/**
 * Test-level features examhall cannot honour are refused rather than dropped: a whole-test time
 * limit (the sitting's duration rules instead), item selection, branching, external section
 * files, and time limits on items or nested sections (sections are flat here).
 */
function refuseUnsupported(test: XmlElement, report: (line: number, message: string) => void): void {
  const atTop = [firstChild(test, 'qti-time-limits'), ...childElements(test, 'qti-test-part').map((p) => firstChild(p, 'qti-time-limits'))];
  for (const limits of atTop) if (limits) report(limits.line, 'a time limit on the whole test or a test part is not supported: set the sitting\'s duration instead, or limit sections');
  // examhall shows every item of a section, in one sitting, each timed only by its section
  const unsupported = new Set(['qti-selection', 'qti-assessment-section-ref', 'qti-branch-rule', 'qti-pre-condition']);
  for (const e of descendants(test, (x) => unsupported.has(x.name))) report(e.line, `${e.name} is not supported`);
  for (const ref of descendants(test, (x) => x.name === 'qti-assessment-item-ref')) {
    const limits = firstChild(ref, 'qti-time-limits');
    if (limits) report(limits.line, `a time limit on the item ${ref.attrs.identifier ?? ''} is not supported (only sections are timed)`);
  }
  for (const part of childElements(test, 'qti-test-part')) {
    for (const section of childElements(part, 'qti-assessment-section')) {
      for (const nested of descendants(section, (x) => x.name === 'qti-assessment-section')) {
        const limits = firstChild(nested, 'qti-time-limits');
        if (limits) report(limits.line, `a time limit on the nested section ${nested.attrs.identifier ?? ''} is not supported (only top-level sections are timed)`);
      }
    }
  }
}

/**
 * The text of the shared stimuli (reading passages) an item refers to, in order, as the start of
 * its prompt; '' for none, null with problems when one is missing, malformed or shows media.
 */
function stimulusText(files: ReadonlyMap<string, string>, item: XmlElement, itemFile: string, itemId: string, problems: ImportProblem[]): string | null {
  const before = problems.length;
  const texts: string[] = [];
  for (const ref of childElements(item, 'qti-assessment-stimulus-ref')) {
    const file = resolveHref(itemFile, ref.attrs.href ?? '');
    const root = file ? parseFile(files, file, itemId, problems, { file: itemFile, line: ref.line }) : null;
    if (!file) problems.push({ file: itemFile, item: itemId, line: ref.line, message: `the href "${ref.attrs.href ?? ''}" does not name a file inside the package` });
    if (!file || !root) continue;
    const body = root.name === 'qti-assessment-stimulus' ? firstChild(root, 'qti-stimulus-body') : undefined;
    if (!body) {
      problems.push({ file, item: itemId, line: root.line, message: 'expected qti-assessment-stimulus with a qti-stimulus-body' });
      continue;
    }
    for (const media of visibleMedia(body)) problems.push({ file, item: itemId, line: media.line, message: `<${media.name}> cannot be shown: examhall papers are text only` });
    texts.push(candidateText(body));
  }
  return problems.length === before ? texts.filter(Boolean).join(' ') : null;
}

/** A package file parsed, or null with a problem (missing file, malformed XML by line). */
function parseFile(files: ReadonlyMap<string, string>, file: string, item: string | undefined, problems: ImportProblem[], referrer?: { file: string; line: number }): XmlElement | null {
  const text = files.get(file);
  const where = item ? { item } : {};
  if (text === undefined) {
    problems.push(referrer ? { ...referrer, ...where, message: `${file} is not in the package` } : { file, ...where, message: `${file} is not in the package` });
    return null;
  }
  const parsed = parseXml(text);
  if (!parsed.ok) {
    problems.push({ file, ...where, line: parsed.line, message: `malformed XML: ${parsed.message}` });
    return null;
  }
  return parsed.root;
}
