/** Promises parked until something happens (connected, drained); settled all at once. */
export type Waiter = { resolve: () => void; reject: (error: unknown) => void };

export function settleAll(waiters: Set<Waiter>, action: (waiter: Waiter) => void): void {
  const all = [...waiters];
  waiters.clear();
  for (const waiter of all) action(waiter);
}

export function closedError(): Error {
  return new Error('ExamClient is closed');
}
