import { setTimeout as sleep } from 'node:timers/promises';
import type { ProbeResult, Reason } from '../types.js';

export interface BackoffOptions {
  /** Attempts in all, the first included. Default 6. */
  tries?: number;
  /** Delay before the first retry, doubled for each next one. Default 50 ms, so at most 1.55 s in all. */
  baseDelayMs?: number;
  /** Called before each delay, e.g. to count backoffs in a metric. */
  onBackoff?: (() => void) | undefined;
  /** Called with the result that is returned, e.g. to count probes by state; spares the caller a then of its own. */
  onResult?: ((result: ProbeResult) => void) | undefined;
}

/** Errors that say this host ran short of something for a moment, not that the probe is wrong. */
const TRANSIENT: ReadonlySet<Reason> = new Set<Reason>(['fd-exhausted', 'no-buffers', 'addr-unavailable']);

/**
 * Runs a probe again, with growing delays, while it failed for lack of local resources
 * (file descriptors, buffers, ephemeral ports). Returns the last result; one that never
 * worked stays an error and is never passed off as closed or filtered.
 */
export function probeWithBackoff(probe: () => Promise<ProbeResult>, opts: BackoffOptions = {}): Promise<ProbeResult> {
  // Nearly every probe needs no retry: no async frame of its own for those.
  return started(probe).then((first) => {
    if (needsRetry(first) && Math.max(1, opts.tries ?? 6) > 1) return retry(first, probe, opts);
    opts.onResult?.(first);
    return first;
  });
}

/** A probe that throws is a rejection, as from an async function. */
function started(probe: () => Promise<ProbeResult>): Promise<ProbeResult> {
  try {
    return probe();
  } catch (err) {
    return Promise.reject(err);
  }
}

function needsRetry(result: ProbeResult): boolean {
  return result.state === 'error' && TRANSIENT.has(result.reason);
}

async function retry(
  first: ProbeResult,
  probe: () => Promise<ProbeResult>,
  opts: BackoffOptions,
): Promise<ProbeResult> {
  const tries = Math.max(1, opts.tries ?? 6);
  const base = opts.baseDelayMs ?? 50;
  let result = first;
  for (let i = 1; i < tries && result.state === 'error' && TRANSIENT.has(result.reason); i++) {
    opts.onBackoff?.();
    // Jitter, so probes that ran out together do not all come back at the same instant.
    await sleep(base * 2 ** (i - 1) * (0.5 + Math.random() / 2));
    result = await probe();
  }
  opts.onResult?.(result);
  return result;
}

/**
 * Backoff tries (50 ms doubling, jittered down to half) whose delays add up to at least
 * one timeout: descriptors held by attempts in flight (silent ports above all) come back
 * within one timeout, so a probe that ran out of them waits that long before it is an error.
 */
export function triesToOutlast(timeoutMs: number): number {
  let tries = 6;
  while (25 * (2 ** (tries - 1) - 1) < timeoutMs && tries < 20) tries++;
  return tries;
}
