import { SaxesParser } from 'saxes';

/** An element of a parsed XML file: local name (namespace prefix dropped), unprefixed attributes, and the line its start tag opens on. */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  line: number;
}
export type XmlNode = XmlElement | string;

export type ParsedXml = { ok: true; root: XmlElement } | { ok: false; line: number; message: string };

/**
 * Parses a whole XML file into a small tree that remembers line numbers, so every problem can be
 * reported by file and line. Strict (saxes): the first well-formedness error ends the parse.
 */
export function parseXml(text: string): ParsedXml {
  const parser = new SaxesParser({ xmlns: true, position: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let failure: { line: number; message: string } | undefined;
  let startLine = 1;

  parser.on('error', (err) => {
    // saxes keeps going after an error; only the first one is trustworthy
    failure ??= { line: parser.line, message: err.message.replace(/^\d+:\d+: /, '') };
  });
  parser.on('opentagstart', () => {
    startLine = parser.line;
  });
  parser.on('opentag', (tag) => {
    const attrs: Record<string, string> = {};
    for (const attr of Object.values(tag.attributes)) if (!attr.prefix) attrs[attr.local] = attr.value;
    const element: XmlElement = { name: tag.local, attrs, children: [], line: startLine };
    stack.at(-1)?.children.push(element);
    root ??= element;
    stack.push(element);
  });
  parser.on('closetag', () => {
    stack.pop();
  });
  const addText = (text: string) => {
    stack.at(-1)?.children.push(text);
  };
  parser.on('text', addText);
  parser.on('cdata', addText);

  try {
    parser.write(text.replace(/^\uFEFF/, '')).close();
  } catch (err) {
    failure ??= { line: parser.line, message: (err as Error).message };
  }
  if (failure) return { ok: false, ...failure };
  if (!root) return { ok: false, line: 1, message: 'no root element' };
  return { ok: true, root };
}

export const isElement = (node: XmlNode): node is XmlElement => typeof node !== 'string';

export const childElements = (element: XmlElement, name?: string): XmlElement[] =>
  element.children.filter(isElement).filter((c) => name === undefined || c.name === name);

export const firstChild = (element: XmlElement, name: string): XmlElement | undefined => childElements(element, name)[0];

/** Every descendant element (depth first, document order) matching `test`. */
export function descendants(element: XmlElement, test: (e: XmlElement) => boolean): XmlElement[] {
  const found: XmlElement[] = [];
  const walk = (e: XmlElement) => {
    for (const child of childElements(e)) {
      if (test(child)) found.push(child);
      walk(child);
    }
  };
  walk(element);
  return found;
}

/** HTML-ish elements that end a line of text, so their words do not run together. */
const BLOCK = new Set(['p', 'div', 'br', 'li', 'ul', 'ol', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'td', 'th', 'tr', 'table', 'blockquote', 'pre', 'qti-prompt', 'qti-simple-choice']);

/**
 * The text of an element, whitespace collapsed. `render` may replace an element's text (return a
 * string) or skip it (return ''); undefined means "descend as usual".
 */
export function textOf(element: XmlElement, render?: (e: XmlElement) => string | undefined): string {
  const parts: string[] = [];
  const walk = (e: XmlElement) => {
    for (const child of e.children) {
      if (!isElement(child)) {
        parts.push(child);
        continue;
      }
      const replaced = render?.(child);
      const block = BLOCK.has(child.name);
      if (block) parts.push(' ');
      if (replaced !== undefined) parts.push(replaced);
      else walk(child);
      if (block) parts.push(' ');
    }
  };
  walk(element);
  return parts.join('').replace(/\s+/g, ' ').trim();
}
