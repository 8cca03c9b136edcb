export * from './version.js';
export * from './errors.js';
export * from './events.js';
export * from './schemas/ids.js';
export * from './schemas/exam.js';
export * from './schemas/answers.js';
export * from './schemas/join.js';
export * from './schemas/ack.js';
