/** The proctor's client: a live roster of one sitting (or the part a token may see), and actions. */
export { ProctorClient } from './client.js';
export type { ProctorClientEvents, ProctorConnectionState } from './events.js';
export type { ProctorCounters } from './counters.js';
export type { ProctorStats } from './live-roster.js';
export { PROCTOR_DEFAULTS } from './options.js';
export type { ProctorClientOptions } from './options.js';
