import { isElement, textOf, type XmlElement } from './xml.js';

/** Item parts a candidate must never see: feedback (it often states the answer) and templates. */
const HIDDEN = new Set(['qti-feedback-block', 'qti-feedback-inline', 'qti-modal-feedback', 'qti-template-block', 'qti-template-inline']);

/** Content examhall cannot show (papers are text only); a question that needs it would be unanswerable. */
const MEDIA = new Set(['img', 'picture', 'object', 'video', 'audio', 'math', 'svg', 'iframe', 'qti-printed-variable']);

/** A rubric block is for the candidate only when its view says so; scorer, tutor and author notes stay hidden. */
const isCandidateRubric = (e: XmlElement) => (e.attrs.view ?? '').split(/\s+/).includes('candidate');

export function isHiddenFromCandidate(e: XmlElement): boolean {
  return HIDDEN.has(e.name) || (e.name === 'qti-rubric-block' && !isCandidateRubric(e));
}

/** The text a candidate sees in `element`; `render` may replace an element (see textOf). */
export function candidateText(element: XmlElement, render?: (e: XmlElement) => string | undefined): string {
  return textOf(element, (e) => (isHiddenFromCandidate(e) ? '' : render?.(e)));
}

/** The text of the rubric blocks meant for scorers (any view but candidate), one per line. */
export function scorerRubric(body: XmlElement): string {
  const blocks: string[] = [];
  const walk = (e: XmlElement) => {
    for (const child of e.children.filter(isElement)) {
      if (child.name === 'qti-rubric-block' && !isCandidateRubric(child)) blocks.push(textOf(child));
      else walk(child);
    }
  };
  walk(body);
  return blocks.filter(Boolean).join('\n');
}

/** Media a candidate would be shown (outside hidden parts), each to be reported by line. */
export function visibleMedia(body: XmlElement): XmlElement[] {
  const found: XmlElement[] = [];
  const walk = (e: XmlElement) => {
    for (const child of e.children.filter(isElement)) {
      if (isHiddenFromCandidate(child)) continue;
      if (MEDIA.has(child.name)) found.push(child);
      else walk(child);
    }
  };
  walk(body);
  return found;
}
