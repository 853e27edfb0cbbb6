import { setTimeout as sleep } from 'node:timers/promises';
import { ALL_ROUTABLE, noRouteIfUnroutable, pickAddresses, type Routable } from '../probe/families.js';
import type { IpFamily } from '../config/types.js';
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

  /**
   * Async with awaits rather than a then-chain: awaiting a native promise takes one
   * microtask, where a then callback that returns a promise takes three (the callback,
   * then adopting the promise), and every check of a round takes this path.
   */
  async check(target: CheckTarget): Promise<StateChange[]> {
    const { store, resolve, now, retryDelayMs, routable } = this.#deps;
    const family = target.ipFamily ?? 'auto';
    const want = WANT[family];
    let resolution = await resolve(target.host, want);
    // A resolver failure is confirmed like any other news, so one lost DNS answer is no alarm.
    for (let i = 0; i < target.retries && 'reason' in resolution; i++) {
      await sleep(retryDelayMs);
      resolution = await resolve(target.host, want);
    }
    const routes = routable();
    const picked = 'reason' in resolution ? resolution : pickAddresses(target.host, resolution.addresses, family, routes);
    if ('reason' in picked) {
      return store.record(target.id, [{ ip: '', result: { state: 'error', reason: picked.reason, durationSeconds: 0 } }], now());
    }
    const addresses = picked.addresses;
    // Nearly every target has one address: no Promise.all and no array of promises for it.
    if (addresses.length === 1) {
      const ip = addresses[0]!;
      const result = await this.#confirmed(target, ip, routes);
      return store.record(target.id, [{ ip, result }], now());
    }
    const results = await Promise.all(addresses.map(async (ip): Promise<AddressResult> => ({ ip, result: await this.#confirmed(target, ip, routes) })));
    return store.record(target.id, results, now());
  }

  #confirmed(target: CheckTarget, ip: string, routes: Routable): Promise<ProbeResult> {
    const { store, attempt, retryDelayMs } = this.#deps;
    return confirmResult(() => attempt(ip, target.port, target.timeoutMs), {
      baseline: store.confirmedState(target.id, ip),
      expected: target.expected,
      retries: target.retries,
      retryDelayMs,
      read: (result) => noRouteIfUnroutable(result, ip, routes),
    });
  }
}

/** What to ask the resolver for, per ip_family; shared, as every check of a monitor asks the same. */
const WANT: Readonly<Record<IpFamily, Want>> = {
  auto: { ipv4: true, ipv6: true },
  dual: { ipv4: true, ipv6: true },
  ipv4: { ipv4: true, ipv6: false },
  ipv6: { ipv4: false, ipv6: true },
};
