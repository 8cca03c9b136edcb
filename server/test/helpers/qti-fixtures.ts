/**
 * Small QTI 3.0 packages built in the test: XML strings zipped with yazl (a real zip, read back by
 * the importer through yauzl).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yazl from 'yazl';

const NS = 'xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0"';

export function zipBuffer(files: Record<string, string>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, text] of Object.entries(files)) zip.addBuffer(Buffer.from(text, 'utf8'), name);
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks))).on('error', reject);
  });
}

export async function writeZip(files: Record<string, string>): Promise<string> {
  const path = join(mkdtempSync(join(tmpdir(), 'qti-test-')), 'package.zip');
  writeFileSync(path, await zipBuffer(files));
  return path;
}

export function manifest(testHref: string, itemHrefs: string[]): string {
  const items = itemHrefs.map((h, i) => `    <resource identifier="item-${i}" type="imsqti_item_xmlv3p0" href="${h}"><file href="${h}"/></resource>`).join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<manifest xmlns="http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1" identifier="pkg">
  <resources>
    <resource identifier="test" type="imsqti_test_xmlv3p0" href="${testHref}"><file href="${testHref}"/></resource>
${items}
  </resources>
</manifest>
`;
}

export interface SectionSpec {
  id: string;
  title: string;
  maxTime?: number;
  items: Array<{ id: string; href: string }>;
}

export function assessmentTest(id: string, title: string, sections: SectionSpec[]): string {
  const body = sections.map((s) => `    <qti-assessment-section identifier="${s.id}" title="${s.title}" visible="true">
${s.maxTime ? `      <qti-time-limits max-time="${s.maxTime}"/>\n` : ''}${s.items.map((i) => `      <qti-assessment-item-ref identifier="${i.id}" href="${i.href}"/>`).join('\n')}
    </qti-assessment-section>`).join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<qti-assessment-test ${NS} identifier="${id}" title="${title}">
  <qti-test-part identifier="part-1" navigation-mode="nonlinear" submission-mode="simultaneous">
${body}
  </qti-test-part>
</qti-assessment-test>
`;
}

/** An item: declarations (response, outcome) and a body, wrapped the way QTI 3.0 writes them. */
export function item(id: string, declarations: string, body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<qti-assessment-item ${NS} identifier="${id}" title="${id}" adaptive="false" time-dependent="false">
${declarations}
  <qti-item-body>
${body}
  </qti-item-body>
  <qti-response-processing template="https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/match_correct.xml"/>
</qti-assessment-item>
`;
}

export const response = (cardinality: string, baseType: string, values: string[], extra = '') => `  <qti-response-declaration identifier="RESPONSE" cardinality="${cardinality}" base-type="${baseType}">
${values.length ? `    <qti-correct-response>${values.map((v) => `<qti-value>${v}</qti-value>`).join('')}</qti-correct-response>\n` : ''}${extra}  </qti-response-declaration>`;

export const score = (max: number) => `  <qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float" normal-maximum="${max}"/>`;

export const choices = (maxChoices: number, prompt: string, options: Record<string, string>) => `    <qti-choice-interaction response-identifier="RESPONSE" shuffle="true" max-choices="${maxChoices}">
      <qti-prompt>${prompt}</qti-prompt>
${Object.entries(options).map(([id, text]) => `      <qti-simple-choice identifier="${id}">${text}</qti-simple-choice>`).join('\n')}
    </qti-choice-interaction>`;

/** 1-based line of the first line of `text` containing `needle` (to check problems point at the right element). */
export function lineOf(text: string, needle: string): number {
  const index = text.split('\n').findIndex((l) => l.includes(needle));
  if (index < 0) throw new Error(`fixture has no "${needle}"`);
  return index + 1;
}

/**
 * Every supported interaction in two sections (the first timed): single and multiple choice (with
 * and without a mapping), text entry, numeric text entry, extended text with a rubric.
 */
export function goodPackage(options: { parisText?: string } = {}): Record<string, string> {
  const at = (f: string) => ({ href: `../items/${f}.xml` });
  return {
    'imsmanifest.xml': manifest('tests/test.xml', ['single', 'multi', 'multi-strict', 'text', 'numeric', 'essay'].map((f) => `items/${f}.xml`)),
    'tests/test.xml': assessmentTest('qti-demo', 'QTI demo exam', [
      { id: 'S1', title: 'Part one', maxTime: 600, items: [{ id: 'q-capital', ...at('single') }, { id: 'q-primes', ...at('multi') }, { id: 'q-vowels', ...at('multi-strict') }] },
      { id: 'S2', title: 'Part two', items: [{ id: 'q-york', ...at('text') }, { id: 'q-answer', ...at('numeric') }, { id: 'q-essay', ...at('essay') }] },
    ]),
    'items/single.xml': item('capital', `${response('single', 'identifier', ['B'])}\n${score(2)}`,
      `    <p>Geography.</p>\n${choices(1, 'Which city is the capital of France?', { A: 'Lyon', B: options.parisText ?? 'Paris', C: 'Nice' })}`),
    'items/multi.xml': item('primes', response('multiple', 'identifier', ['P2', 'P3'], `    <qti-mapping lower-bound="0" upper-bound="3" default-value="0"><qti-map-entry map-key="P2" mapped-value="1.5"/><qti-map-entry map-key="P3" mapped-value="1.5"/></qti-mapping>\n`),
      choices(0, 'Which numbers are prime?', { P2: '2', P3: '3', P4: '4' })),
    'items/multi-strict.xml': item('vowels', response('multiple', 'identifier', ['VA', 'VE']),
      choices(2, 'Which letters are vowels?', { VA: 'a', VB: 'b', VE: 'e' })),
    'items/text.xml': item('york', response('single', 'string', ['York'], `    <qti-mapping default-value="0"><qti-map-entry map-key="Eboracum" mapped-value="1" case-sensitive="false"/></qti-mapping>\n`),
      '    <p>Identify the missing word: Old <qti-text-entry-interaction response-identifier="RESPONSE" expected-length="10"/> is a city in England.</p>'),
    'items/numeric.xml': item('answer', response('single', 'integer', ['42']),
      '    <p>Six times seven is <qti-text-entry-interaction response-identifier="RESPONSE"/>.</p>'),
    'items/essay.xml': item('essay', `  <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="string"/>\n${score(5)}`,
      `    <qti-rubric-block view="scorer"><p>Full marks for two reasons, each explained.</p></qti-rubric-block>
    <qti-extended-text-interaction response-identifier="RESPONSE" expected-lines="10">
      <qti-prompt>Explain why exams have time limits.</qti-prompt>
    </qti-extended-text-interaction>`),
  };
}

/** One good item and three broken ones: an unknown interaction, a correct response naming a missing choice, malformed XML. */
export function brokenPackage(): Record<string, string> {
  const refs = ['good', 'match', 'missing-choice', 'malformed'].map((f) => ({ id: `q-${f}`, href: `items/${f}.xml` }));
  return {
    'imsmanifest.xml': manifest('test.xml', refs.map((r) => r.href)),
    'test.xml': assessmentTest('qti-broken', 'Broken', [{ id: 'S1', title: 'Only', items: refs }]),
    'items/good.xml': item('good', response('single', 'identifier', ['A']), choices(1, 'Pick A', { A: 'A', B: 'B' })),
    'items/match.xml': item('match', response('multiple', 'directedPair', ['A X']), `    <qti-match-interaction response-identifier="RESPONSE" max-associations="2">
      <qti-prompt>Match them</qti-prompt>
    </qti-match-interaction>`),
    'items/missing-choice.xml': item('missing', response('single', 'identifier', ['Z']), choices(1, 'Pick one', { A: 'A', B: 'B' })),
    'items/malformed.xml': item('malformed', response('single', 'identifier', ['A']), `    <p>An unclosed <b>tag</p>\n${choices(1, 'Pick', { A: 'A', B: 'B' })}`),
  };
}

/**
 * Items with parts a candidate must not see (feedback stating the answer, a scorer rubric, inline
 * feedback in a choice) next to a rubric meant for the candidate and a shared stimulus; MAXSCORE points; a numeric
 * tolerance from response processing; and, if `withImage`, a picture examhall cannot show.
 */
export function hiddenPartsPackage(withImage = false): Record<string, string> {
  const refs = [{ id: 'h-choice', href: 'choice.xml' }, { id: 'h-number', href: 'number.xml' }];
  return {
    'imsmanifest.xml': manifest('test.xml', refs.map((r) => r.href)),
    'test.xml': assessmentTest('qti-hidden', 'Hidden parts', [{ id: 'S1', title: 'Only', items: refs }]),
    'choice.xml': item('choice', `${response('single', 'identifier', ['A'])}
  <qti-outcome-declaration identifier="MAXSCORE" cardinality="single" base-type="float"><qti-default-value><qti-value>4</qti-value></qti-default-value></qti-outcome-declaration>
  <qti-assessment-stimulus-ref identifier="passage" href="stimuli/passage.xml" title="Letters"/>`,
    `    <qti-rubric-block view="candidate"><p>Read carefully.</p></qti-rubric-block>
    <qti-rubric-block view="scorer tutor"><p>Secret scorer note.</p></qti-rubric-block>
    <p>Pick the vowel.${withImage ? ' <img src="vowel.png" alt="a vowel"/>' : ''}</p>
    <qti-choice-interaction response-identifier="RESPONSE" max-choices="1">
      <qti-simple-choice identifier="A">a <qti-feedback-inline outcome-identifier="FEEDBACK" identifier="A" show-hide="show">Right, a is the answer</qti-feedback-inline></qti-simple-choice>
      <qti-simple-choice identifier="B">b</qti-simple-choice>
    </qti-choice-interaction>
    <qti-feedback-block outcome-identifier="FEEDBACK" identifier="wrong" show-hide="show"><p>The correct answer is a.</p></qti-feedback-block>`),
    'stimuli/passage.xml': `<qti-assessment-stimulus xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" identifier="passage" title="Letters">
  <qti-stimulus-body><p>A passage about letters.</p></qti-stimulus-body>
</qti-assessment-stimulus>`,
    'number.xml': `<?xml version="1.0" encoding="UTF-8"?>
<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" identifier="number" title="number" adaptive="false" time-dependent="false">
${response('single', 'float', ['3.14'])}
  <qti-item-body><p>Pi to two places: <qti-text-entry-interaction response-identifier="RESPONSE"/></p></qti-item-body>
  <qti-response-processing>
    <qti-response-condition><qti-response-if>
      <qti-equal tolerance-mode="absolute" tolerance="0.01"><qti-variable identifier="RESPONSE"/><qti-correct identifier="RESPONSE"/></qti-equal>
      <qti-set-outcome-value identifier="SCORE"><qti-base-value base-type="float">1</qti-base-value></qti-set-outcome-value>
    </qti-response-if></qti-response-condition>
  </qti-response-processing>
</qti-assessment-item>
`,
  };
}
