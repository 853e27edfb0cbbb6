import { setTimeout as sleep } from 'node:timers/promises';
import { ALL_ROUTABLE, canRoute, noRouteIfUnroutable, pickAddresses, type Routable } from '../resolve/families.js';
import type { IpFamily } from '../config/types.js';
import { literalAnswer, type Want } from '../resolve/resolve.js';
import type { PortStore, AddressResult, StateChange } from '../state/store.js';
import type { PortState, ProbeResult, Protocol } from '../types.js';
import { confirmResult, type Confirmation } from './confirm.js';
import type { Target } from '../state/target.js';

export type Resolution =
  { addresses: string[] } | { reason: 'dns-failure' | 'no-address' | 'no-route'; message: string };

export interface CheckerDeps {
  store: PortStore;
  resolve: (host: string, want: Want) => Promise<Resolution>;
  /** One probe of one address over the target's protocol, with concurrency limits and fd backoff applied. */
  attempt: (ip: string, protocol: Protocol, port: number, timeoutMs: number) => Promise<ProbeResult>;
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

  check(target: Target): Promise<StateChange[]> {
    // An IP literal, nearly every target of a big config, is its own answer: no lookup and
    // no async frame for it, where each check of a round allocates whatever this path does.
    const literal = literalAnswer(target.host);
    return literal === undefined ? this.#checkName(target) : this.#checkAddresses(target, literal);
  }

  async #checkName(target: Target): Promise<StateChange[]> {
    const { resolve, retryDelayMs } = this.#deps;
    const want = WANT[target.settings.ipFamily ?? 'auto'];
    let resolution = await resolve(target.host, want);
    // A resolver failure is confirmed like any other news, so one lost DNS answer is no alarm.
    for (let i = 0; i < target.settings.retries && 'reason' in resolution; i++) {
      await sleep(retryDelayMs);
      resolution = await resolve(target.host, want);
    }
    return this.#checkAddresses(target, resolution);
  }

  #checkAddresses(target: Target, resolution: Resolution): Promise<StateChange[]> {
    const { store, now, routable } = this.#deps;
    const routes = routable();
    const picked =
      'reason' in resolution ? resolution : picks(target.host, resolution, target.settings.ipFamily ?? 'auto', routes);
    if ('reason' in picked) {
      return Promise.resolve(
        store.record(
          target.id,
          [{ ip: '', result: { state: 'error', reason: picked.reason, durationSeconds: 0 } }],
          now(),
        ),
      );
    }
    const addresses = picked.addresses;
    // Nearly every target has one address: no Promise.all and no array of promises for it.
    if (addresses.length === 1) {
      const ip = addresses[0]!;
      return confirmResult(this.#confirmation(target, ip, routes)).then((result) =>
        store.record(target.id, [{ ip, result }], now()),
      );
    }
    return Promise.all(
      addresses.map(async (ip): Promise<AddressResult> => ({
        ip,
        result: await confirmResult(this.#confirmation(target, ip, routes)),
      })),
    ).then((results) => store.record(target.id, results, now()));
  }

  #confirmation(target: Target, ip: string, routes: Routable): AddressCheck {
    return new AddressCheck(this.#deps.store.confirmedState(target.id, ip), target, ip, routes, this.#deps);
  }
}

/**
 * The addresses to probe; the resolver's own answer when it is one address kept as it is
 * (ip_family auto, routable): what pickAddresses would copy, without the copy per check.
 */
function picks(
  host: string,
  resolution: { addresses: string[] },
  family: IpFamily,
  routes: Routable,
): ReturnType<typeof pickAddresses> {
  const only = resolution.addresses.length === 1 ? resolution.addresses[0]! : undefined;
  if (only !== undefined && family === 'auto' && canRoute(only, routes)) return resolution;
  return pickAddresses(host, resolution.addresses, family, routes);
}

/**
 * One address of a check, as confirmResult asks for it. A class rather than an object
 * literal with closures: one is made per check and lives as long as the check, and V8
 * pretenures object-literal sites whose objects mostly survive a scavenge (as they do when
 * a round starts with a burst of checks), making every later one old-generation garbage.
 * Kept for scenario 1's memory goal (docs/performance.md).
 */
class AddressCheck implements Confirmation {
  readonly expected: Target['expected'];
  readonly retries: number;
  readonly retryDelayMs: number;

  constructor(
    readonly baseline: PortState | undefined,
    readonly target: Target,
    readonly ip: string,
    readonly routes: Routable,
    readonly deps: Required<CheckerDeps>,
  ) {
    this.expected = target.expected;
    this.retries = target.settings.retries;
    this.retryDelayMs = deps.retryDelayMs;
  }

  attempt(): Promise<ProbeResult> {
    return this.deps.attempt(this.ip, this.target.protocol, this.target.port, this.target.settings.timeoutMs);
  }

  read(result: ProbeResult): ProbeResult {
    return noRouteIfUnroutable(result, this.ip, this.routes);
  }
}

/** What to ask the resolver for, per ip_family; shared, as every check of a monitor asks the same. */
const WANT: Readonly<Record<IpFamily, Want>> = {
  auto: { ipv4: true, ipv6: true },
  dual: { ipv4: true, ipv6: true },
  ipv4: { ipv4: true, ipv6: false },
  ipv6: { ipv4: false, ipv6: true },
};
