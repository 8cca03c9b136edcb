/**
 * Loaded with `--import` into a server process by unhandled-errors.test.ts: on the test's IPC
 * message it causes an unhandled rejection or an uncaught exception, to prove the process logs
 * them in a way logged-node.ts recognises.
 */
process.on('message', (message) => {
  if (message === 'reject') void Promise.reject(new Error('probe: a rejection nobody handles'));
  if (message === 'throw') {
    setImmediate(() => {
      throw new Error('probe: an exception nobody catches');
    });
  }
});
