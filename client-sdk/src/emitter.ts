/**
 * A tiny typed event emitter. The main entry must run in browsers, so no `node:events`.
 * Events map to tuples of listener arguments, e.g. `{ joined: [reply: JoinReply] }`.
 */
export type EventMap = { [event: string]: unknown[] };
export type Listener<Args extends unknown[]> = (...args: Args) => void;

type OnceWrapper = { original?: unknown };

export class TypedEmitter<Events extends EventMap> {
  private readonly listeners = new Map<keyof Events, Set<Listener<Events[keyof Events]>>>();

  on<E extends keyof Events>(event: E, listener: Listener<Events[E]>): this {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as unknown as Listener<Events[keyof Events]>);
    return this;
  }

  /** Removes a listener, including one added with once(). */
  off<E extends keyof Events>(event: E, listener: Listener<Events[E]>): this {
    const set = this.listeners.get(event);
    for (const added of set ?? []) {
      if (added === (listener as unknown) || (added as OnceWrapper).original === listener) set?.delete(added);
    }
    return this;
  }

  once<E extends keyof Events>(event: E, listener: Listener<Events[E]>): this {
    const wrapper: Listener<Events[E]> & OnceWrapper = (...args) => {
      this.off(event, wrapper);
      listener(...args);
    };
    wrapper.original = listener;
    return this.on(event, wrapper);
  }

  protected emit<E extends keyof Events>(event: E, ...args: Events[E]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as unknown as Listener<Events[E]>)(...args);
      } catch (error) {
        // A throwing listener is the application's bug: surface it, but never halfway through
        // the SDK's own bookkeeping (which runs around these emits).
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
