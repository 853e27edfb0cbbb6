import { setTimeout as sleep } from 'node:timers/promises';
import type { PortStore, AddressResult, StateChange } from '../state/store.js';
import type { ProbeResult } from '../types.js';
import { confirmResult } from './confirm.js';
import type { CheckTarget } from './target.js';

export type Resolution = { addresses: string[] } | { reason: 'dns-failure' | 'no-address'; message: string };

export interface CheckerDeps {
  store: PortStore;
  resolve: (host: string) => Promise<Resolution>;
  /** One connect attempt to one address, with concurrency limits and fd backoff applied. */
  attempt: (ip: string, port: number, timeoutMs: number) => Promise<ProbeResult>;
  now?: () => number;
  retryDelayMs?: number;
}

/**
 * Checks one target: every address its host resolves to is probed on its own (never
 * happy eyeballs: a port open on IPv6 only is an exposure too), each result is confirmed
 * against what is believed, and the store is updated. A host that does not resolve is
 * state error at ip "", never closed.
 */
export class Checker {
  readonly #deps: Required<CheckerDeps>;

  constructor(deps: CheckerDeps) {
    this.#deps = { now: Date.now, retryDelayMs: 250, ...deps };
  }

  async check(target: CheckTarget): Promise<StateChange[]> {
    const { store, resolve, attempt, now, retryDelayMs } = this.#deps;
    let resolution = await resolve(target.host);
    // A resolver failure is confirmed like any other news, so one lost DNS answer is no alarm.
    for (let i = 0; i < target.retries && 'reason' in resolution; i++) {
      await sleep(retryDelayMs);
      resolution = await resolve(target.host);
    }
    let results: AddressResult[];
    if ('reason' in resolution) {
      results = [{ ip: '', result: { state: 'error', reason: resolution.reason, durationSeconds: 0 } }];
    } else {
      results = await Promise.all(
        resolution.addresses.map(async (ip) => ({
          ip,
          result: await confirmResult(() => attempt(ip, target.port, target.timeoutMs), {
            baseline: store.confirmedState(target.id, ip),
            expected: target.expected,
            retries: target.retries,
            retryDelayMs,
          }),
        })),
      );
    }
    return store.record(target.id, results, now());
  }
}
