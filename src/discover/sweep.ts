import { confirmResult } from '../check/confirm.js';
import type { Resolution } from '../check/checker.js';
import type { MonitorConfig } from '../config/types.js';
import { noRouteIfUnroutable, pickAddresses, type Routable } from '../resolve/families.js';
import type { Want } from '../resolve/resolve.js';
import type { AddressSweep } from '../state/discovery.js';
import { portOfKey, protocolOfKey, type PortKey } from '../config/port-keys.js';
import type { ProbeResult, Protocol } from '../types.js';

export interface SweepDeps {
  resolve: (host: string, want: Want) => Promise<Resolution>;
  routable: () => Routable;
  /** One polite probe (see SweepGate), limits and fd backoff applied. */
  attempt: (ip: string, protocol: Protocol, port: number, timeoutMs: number) => Promise<ProbeResult>;
  /** Whether the sweep's last sighting of this port (key) on this address was open. */
  seenOpen: (ip: string, port: PortKey) => boolean;
  /** Attempts of one sweep in flight at once (the gate caps all sweeps together). */
  workers: number;
  retryDelayMs?: number;
  random?: () => number;
}

/** What one sweep of one host found; undefined addresses: the host did not resolve, nothing is news. */
export interface SweepResult {
  addresses: AddressSweep[] | undefined;
  durationSeconds: number;
}

/**
 * Probes every discover port on every address of one host, in a random order (so no
 * sweep walks a firewall's port range in sequence). A result that differs from the last
 * sighting is re-attempted `retries` times like a check's, so one lost SYN or one stray
 * answer is no news; the two-sweep rule is applied by DiscoveryState. Only an answer is
 * open: a UDP port's silence (open|filtered) is no finding.
 */
export async function sweepHost(monitor: MonitorConfig, host: string, deps: SweepDeps): Promise<SweepResult> {
  const started = performance.now();
  const ports = monitor.discover?.ports ?? [];
  const family = monitor.ipFamily ?? 'auto';
  const routes = deps.routable();
  const resolution = await deps.resolve(host, { ipv4: family !== 'ipv6', ipv6: family !== 'ipv4' });
  const picked = 'reason' in resolution ? resolution : pickAddresses(host, resolution.addresses, family, routes);
  if ('reason' in picked) return { addresses: undefined, durationSeconds: (performance.now() - started) / 1000 };

  // One number per (address, port), shuffled: 4 bytes each, however many ports and addresses.
  const addresses = picked.addresses;
  const order = new Uint32Array(addresses.length * ports.length).map((_, i) => i);
  shuffle(order, deps.random ?? Math.random);
  const found = addresses.map((ip): { ip: string; open: number[]; errors: number[] } => ({ ip, open: [], errors: [] }));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < order.length) {
      const i = order[next++]!;
      const a = Math.floor(i / ports.length);
      const [ip, key] = [addresses[a]!, ports[i % ports.length]!];
      const [protocol, port] = [protocolOfKey(key), portOfKey(key)];
      const result = await confirmResult({
        attempt: async () => noRouteIfUnroutable(await deps.attempt(ip, protocol, port, monitor.timeoutMs), ip, routes),
        baseline: deps.seenOpen(ip, key) ? 'open' : undefined,
        expected: 'closed',
        retries: monitor.retries,
        retryDelayMs: deps.retryDelayMs ?? 250,
      });
      if (result.state === 'open') found[a]!.open.push(key);
      else if (result.state === 'error') found[a]!.errors.push(key);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(deps.workers, order.length)) }, worker));
  return { addresses: found, durationSeconds: (performance.now() - started) / 1000 };
}

/** Fisher-Yates, in place. */
function shuffle(items: Uint32Array, random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = items[i]!;
    items[i] = items[j]!;
    items[j] = t;
  }
}
