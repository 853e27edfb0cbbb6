import { setTimeout as sleep } from 'node:timers/promises';
import { ALL_ROUTABLE, noRouteIfUnroutable, pickAddresses, type Routable } from '../probe/families.js';
import type { Want } from '../probe/resolve.js';
import type { PortStore, AddressResult, StateChange } from '../state/store.js';
import type { ProbeResult } from '../types.js';
import { confirmResult } from './confirm.js';
import type { CheckTarget } from './target.js';

export type Resolution = { addresses: string[] } | { reason: 'dns-failure' | 'no-address' | 'no-route'; message: string };

export interface CheckerDeps {
  store: PortStore;
  resolve: (host: string, want: Want) => Promise<Resolution>;
  /** One connect attempt to one address, with concurrency limits and fd backoff applied. */
  attempt: (ip: string, port: number, timeoutMs: number) => Promise<ProbeResult>;
  now?: () => number;
  retryDelayMs?: number;
  /** The address families this machine can route now (ip_family auto). Default: both. */
  routable?: () => Routable;
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
    this.#deps = { now: Date.now, retryDelayMs: 250, routable: () => ALL_ROUTABLE, ...deps };
  }

  async check(target: CheckTarget): Promise<StateChange[]> {
    const { store, resolve, attempt, now, retryDelayMs, routable } = this.#deps;
    const family = target.ipFamily ?? 'auto';
    const want = { ipv4: family !== 'ipv6', ipv6: family !== 'ipv4' };
    let resolution = await resolve(target.host, want);
    // A resolver failure is confirmed like any other news, so one lost DNS answer is no alarm.
    for (let i = 0; i < target.retries && 'reason' in resolution; i++) {
      await sleep(retryDelayMs);
      resolution = await resolve(target.host, want);
    }
    const routes = routable();
    if (!('reason' in resolution)) resolution = pickAddresses(target.host, resolution.addresses, family, routes);
    let results: AddressResult[];
    if ('reason' in resolution) {
      results = [{ ip: '', result: { state: 'error', reason: resolution.reason, durationSeconds: 0 } }];
    } else {
      results = await Promise.all(
        resolution.addresses.map(async (ip) => ({
          ip,
          result: await confirmResult(async () => noRouteIfUnroutable(await attempt(ip, target.port, target.timeoutMs), ip, routes), {
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
