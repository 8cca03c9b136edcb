/** A few DOM helpers, so the views read as markup. */

type Child = Node | string | null | undefined | false;
type Attributes = Record<string, string | number | boolean | null | undefined>;

/**
 * Creates an element: `h('button', { type: 'button', class: 'nav', 'data-testid': 'nav-next' }, 'Next')`.
 * `true` sets an empty attribute, `false`/null/undefined leave it out; `on*` keys are not supported
 * on purpose (listeners are added where the behaviour lives).
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, ...children);
  return element;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

/** Replaces all children. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`exam page: #${id} is missing from index.html`);
  return element as T;
}

/** Says something to screen reader users through the page's live region (without moving focus). */
export function announce(text: string): void {
  const region = document.getElementById('announcer');
  if (!region) return;
  // a change of content is what gets read: clear first so the same text twice is read twice
  region.textContent = '';
  window.setTimeout(() => (region.textContent = text), 50);
}

/** "3 answers", "1 answer". */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

const clockFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const clockFormatSeconds = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** A server epoch as the candidate's local wall-clock time, e.g. "10:42". */
export function clockTime(epochMs: number, seconds = false): string {
  return (seconds ? clockFormatSeconds : clockFormat).format(new Date(epochMs));
}

/** 5025000 → "1:23:45", 65000 → "01:05" (rounded up: 0:00 only when the time is really up). */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  return hours > 0 ? `${hours}:${two(minutes)}:${two(seconds)}` : `${two(minutes)}:${two(seconds)}`;
}

/** 5025000 → "1 hour 23 minutes" for screen readers and notices. */
export function describeDuration(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  if (minutes < 1) return 'less than a minute';
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  const parts = [hours > 0 ? plural(hours, 'hour') : '', rest > 0 ? plural(rest, 'minute') : ''].filter(Boolean);
  return parts.join(' ');
}
