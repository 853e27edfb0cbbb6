import { readFileSync } from 'node:fs';
import net from 'node:net';
import { networkInterfaces } from 'node:os';
import type { IpFamily } from '../config/types.js';
import type { ProbeResult } from '../types.js';

/** The families this machine can send to beyond itself. */
export interface Routable {
  readonly ipv4: boolean;
  readonly ipv6: boolean;
}

export const ALL_ROUTABLE: Routable = { ipv4: true, ipv6: true };

// rtnetlink's RTF_REJECT: unreachable, prohibit and blackhole routes, and the "null" entry
// every namespace's IPv6 table shows. A route that refuses is no route.
const RTF_UP = 0x1;
const RTF_REJECT = 0x200;

/**
 * Whether a family has a route that leaves this machine: in /proc/net/route (IPv4 main
 * table) or /proc/net/ipv6_route, one that is up, not a reject route, not on lo, and not
 * link-local or multicast (every interface with IPv6 gets those, even in an IPv4-only
 * container). Without /proc (not Linux), a non-internal, non-link-local address counts.
 */
export function detectRoutable(read: (path: string) => string | undefined = readProc): Routable {
  const v4 = read('/proc/net/route');
  const v6 = read('/proc/net/ipv6_route');
  const fromAddresses = v4 === undefined || v6 === undefined ? addressFamilies() : undefined;
  return {
    ipv4: v4 === undefined ? fromAddresses!.ipv4 : ipv4Routes(v4),
    ipv6: v6 === undefined ? fromAddresses!.ipv6 : ipv6Routes(v6),
  };
}

export function ipv4Routes(text: string): boolean {
  return text
    .split('\n')
    .slice(1)
    .some((line) => {
      const [iface, , , flags] = line.trim().split(/\s+/);
      return iface !== undefined && iface !== '' && iface !== 'lo' && usable(Number.parseInt(flags ?? '0', 16));
    });
}

export function ipv6Routes(text: string): boolean {
  return text.split('\n').some((line) => {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) return false;
    const [dest, iface, flags] = [f[0]!, f[9]!, Number.parseInt(f[8]!, 16)];
    // fe80::/10 is link-local, ff00::/8 multicast: neither reaches another network.
    return iface !== 'lo' && usable(flags) && !/^fe[89ab]/i.test(dest) && !/^ff/i.test(dest);
  });
}

function usable(flags: number): boolean {
  return Number.isFinite(flags) && (flags & RTF_UP) !== 0 && (flags & RTF_REJECT) === 0;
}

function addressFamilies(): Routable {
  const found = { ipv4: false, ipv6: false };
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.internal || /^fe[89ab]/i.test(a.address)) continue;
      if (a.family === 'IPv4') found.ipv4 = true;
      else found.ipv6 = true;
    }
  }
  return found;
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Loopback is reachable whatever the routes say. */
export function isLoopback(ip: string): boolean {
  return net.isIPv4(ip) ? ip.startsWith('127.') : ip === '::1' || /^::ffff:127\./i.test(ip);
}

export function canRoute(ip: string, routable: Routable): boolean {
  return isLoopback(ip) || (net.isIPv4(ip) ? routable.ipv4 : routable.ipv6);
}

export type Picked = { addresses: string[] } | { reason: 'no-route' | 'no-address'; message: string };

/**
 * The addresses of a host that a monitor probes. ipv4/ipv6: that family only. dual: all.
 * auto: those of families this machine can route; the others are left out rather than
 * reported, since from here they could only ever be errors, and an error on an expected
 * open port is an alarm (PortUnreachable) on every AAAA record of an IPv4-only container.
 * A host left with nothing is one result: no-address (a family it lacks) or no-route.
 */
export function pickAddresses(
  host: string,
  addresses: readonly string[],
  family: IpFamily,
  routable: Routable,
): Picked {
  if (family === 'dual') return { addresses: [...addresses] };
  if (family === 'ipv4' || family === 'ipv6') {
    const want = family === 'ipv4' ? 4 : 6;
    const kept = addresses.filter((a) => net.isIP(a) === want);
    return kept.length > 0
      ? { addresses: kept }
      : { reason: 'no-address', message: `${host} has no ${family === 'ipv4' ? 'IPv4' : 'IPv6'} address` };
  }
  const kept = addresses.filter((a) => canRoute(a, routable));
  if (kept.length > 0) return { addresses: kept };
  return {
    reason: 'no-route',
    message: `${host} has only addresses of a family this machine has no route for (${addresses.join(', ')})`,
  };
}

/**
 * ENETUNREACH says "no route to that network". With a route for the family (a default
 * one, say) it may come from a router's ICMP, so it stays filtered; with none at all it
 * is this machine's blindness, never a sign of a firewall.
 */
export function noRouteIfUnroutable(result: ProbeResult, ip: string, routable: Routable): ProbeResult {
  if (result.reason !== 'net-unreach' || canRoute(ip, routable)) return result;
  return { ...result, state: 'error', reason: 'no-route' };
}
