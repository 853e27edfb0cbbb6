/**
 * How long a process a test starts may take to say it is ready (a log line, a "ready" line).
 * It guards against hangs and makes no speed claim: CI runs the suite on two busy cores, where
 * starting node alone can take seconds. Failing fast on an early exit is each waiter's job.
 */
export const READY_MS = 45_000;
