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

  check(target: CheckTarget): Promise<StateChange[]> {
    const family = target.ipFamily ?? 'auto';
    const want = WANT[family];
    return this.#deps
      .resolve(target.host, want)
      .then((resolution) => ('reason' in resolution && target.retries > 0 ? this.#resolveAgain(target, want, resolution) : resolution))
      .then((resolution) => this.#probe(target, family, resolution));
  }

  /** A resolver failure is confirmed like any other news, so one lost DNS answer is no alarm. */
  async #resolveAgain(target: CheckTarget, want: Want, failed: Resolution): Promise<Resolution> {
    const { resolve, retryDelayMs } = this.#deps;
    let resolution = failed;
    for (let i = 0; i < target.retries && 'reason' in resolution; i++) {
      await sleep(retryDelayMs);
      resolution = await resolve(target.host, want);
    }
    return resolution;
  }

  #probe(target: CheckTarget, family: IpFamily, resolution: Resolution): Promise<StateChange[]> {
    const { store, now, routable } = this.#deps;
    const routes = routable();
    const picked = 'reason' in resolution ? resolution : pickAddresses(target.host, resolution.addresses, family, routes);
    if ('reason' in picked) {
      return Promise.resolve(store.record(target.id, [{ ip: '', result: { state: 'error', reason: picked.reason, durationSeconds: 0 } }], now()));
    }
    const addresses = picked.addresses;
    // Nearly every target has one address: no Promise.all and no array of promises for it.
    if (addresses.length === 1) {
      const ip = addresses[0]!;
      return this.#confirmed(target, ip, routes).then((result) => store.record(target.id, [{ ip, result }], now()));
    }
    return Promise.all(addresses.map((ip) => this.#confirmed(target, ip, routes).then((result): AddressResult => ({ ip, result })))).then((results) =>
      store.record(target.id, results, now()),
    );
  }

  #confirmed(target: CheckTarget, ip: string, routes: Routable): Promise<ProbeResult> {
    const { store, attempt, retryDelayMs } = this.#deps;
    return confirmResult(() => attempt(ip, target.port, target.timeoutMs).then((result) => noRouteIfUnroutable(result, ip, routes)), {
      baseline: store.confirmedState(target.id, ip),
      expected: target.expected,
      retries: target.retries,
      retryDelayMs,
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
