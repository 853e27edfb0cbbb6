import { setTimeout as sleep } from 'node:timers/promises';
import { ALL_ROUTABLE, canRoute, noRouteIfUnroutable, pickAddresses, type Routable } from '../probe/families.js';
import type { IpFamily } from '../config/types.js';
import type { Want } from '../probe/resolve.js';
import type { PortStore, AddressResult, StateChange } from '../state/store.js';
import type { ProbeResult } from '../types.js';
import { confirmResult, type ConfirmOptions } from './confirm.js';
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
    const picked = 'reason' in resolution ? resolution : picks(target.host, resolution, family, routes);
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
    return confirmResult(
      () => attempt(ip, target.port, target.timeoutMs),
      new CheckConfirmation(store.confirmedState(target.id, ip), target, retryDelayMs, (result) => noRouteIfUnroutable(result, ip, routes)),
    );
  }
}

/**
 * The addresses to probe; the resolver's own answer when it is one address kept as it is
 * (ip_family auto, routable): what pickAddresses would copy, without the copy per check.
 */
function picks(host: string, resolution: { addresses: string[] }, family: IpFamily, routes: Routable): ReturnType<typeof pickAddresses> {
  const only = resolution.addresses.length === 1 ? resolution.addresses[0]! : undefined;
  if (only !== undefined && family === 'auto' && canRoute(only, routes)) return resolution;
  return pickAddresses(host, resolution.addresses, family, routes);
}

/**
 * confirmResult's options, as a class rather than an object literal: one is made per
 * check and lives as long as the check, and V8 pretenures object-literal sites whose
 * objects mostly survive a scavenge (as they do when a round starts with a burst of
 * checks); every later one is then old-generation garbage, 20+ MB over a 65535-port round.
 */
class CheckConfirmation implements ConfirmOptions {
  readonly expected: CheckTarget['expected'];
  readonly retries: number;

  constructor(
    readonly baseline: ConfirmOptions['baseline'],
    target: CheckTarget,
    readonly retryDelayMs: number,
    readonly read: (result: ProbeResult) => ProbeResult,
  ) {
    this.expected = target.expected;
    this.retries = target.retries;
  }
}

/** What to ask the resolver for, per ip_family; shared, as every check of a monitor asks the same. */
const WANT: Readonly<Record<IpFamily, Want>> = {
  auto: { ipv4: true, ipv6: true },
  dual: { ipv4: true, ipv6: true },
  ipv4: { ipv4: true, ipv6: false },
  ipv6: { ipv4: false, ipv6: true },
};
