// Address blocks (CIDR) as hosts: each address of a block is a host of its own,
// expanded when the config is loaded, so nothing after the config knows about blocks.
import { isIP, SocketAddress } from 'node:net';
import { quote } from './describe.js';

/** The longest prefix portwatch expands per family: at most 65,536 IPv4 or 256 IPv6 addresses. */
export const MIN_PREFIX = { 4: 16, 6: 120 } as const;

export interface Block {
  readonly family: 4 | 6;
  readonly network: bigint;
  readonly prefix: number;
  /** How many addresses it holds, network and broadcast addresses included. */
  readonly size: number;
}

type Parsed = { ok: true; block: Block } | { ok: false; message: string };

const BITS = { 4: 32, 6: 128 } as const;

/** Whether a host as written is meant as an address block. */
export function isBlock(host: string): boolean {
  return host.includes('/');
}

/** `"198.51.100.0/24"` as a block, or why it is not one portwatch expands. */
export function parseBlock(text: string): Parsed {
  const q = quote(text);
  const slash = text.indexOf('/');
  const [address, prefixText] = [text.slice(0, slash), text.slice(slash + 1)];
  const family = isIP(address);
  if (family === 0) {
    if (address.includes('%')) return { ok: false, message: `${q}: an address block cannot have a zone index` };
    return { ok: false, message: `${q} is not an address block: ${quote(address)} is not an IPv4 or IPv6 address` };
  }
  if (address.includes('%')) return { ok: false, message: `${q}: an address block cannot have a zone index` };
  const f = family as 4 | 6;
  const bits = BITS[f];
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bits) {
    return { ok: false, message: `${q}: the prefix length must be a whole number 0-${bits}` };
  }
  const prefix = Number(prefixText);
  if (prefix < MIN_PREFIX[f]) {
    const most = 2 ** (bits - MIN_PREFIX[f]);
    return {
      ok: false,
      message:
        `${q} is too large: IPv${f} blocks may be at most /${MIN_PREFIX[f]} ` +
        `(${most.toLocaleString('en-US')} addresses)`,
    };
  }
  const value = f === 4 ? ipv4ToBigInt(address) : ipv6ToBigInt(address);
  const hostBits = BigInt(bits - prefix);
  const network = (value >> hostBits) << hostBits;
  if (network !== value) {
    return { ok: false, message: `${q} has host bits set; the block is ${quote(`${format(f, network)}/${prefix}`)}` };
  }
  return { ok: true, block: { family: f, network, prefix, size: 2 ** (bits - prefix) } };
}

/** Every address of the block in order, network and broadcast addresses included (as nmap does). */
export function blockAddresses(block: Block): string[] {
  const out = new Array<string>(block.size);
  for (let i = 0; i < block.size; i++) out[i] = format(block.family, block.network + BigInt(i));
  return out;
}

/** The hosts of a monitor with blocks expanded, each address once (blocks may overlap each other or a literal). */
export function expandHosts(hosts: readonly string[], key: (host: string) => string): string[] {
  if (!hosts.some(isBlock)) return [...hosts];
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (host: string): void => {
    const k = key(host);
    if (seen.has(k)) return;
    seen.add(k);
    out.push(host);
  };
  for (const host of hosts) {
    if (!isBlock(host)) {
      add(host);
      continue;
    }
    const parsed = parseBlock(host);
    if (parsed.ok) for (const a of blockAddresses(parsed.block)) add(a);
  }
  return out;
}

/** How many hosts a host as written stands for: a block's size, else 1 (0 for a bad block). */
export function hostCount(host: string): number {
  if (!isBlock(host)) return 1;
  const parsed = parseBlock(host);
  return parsed.ok ? parsed.block.size : 0;
}

/** The family of a literal or a block, 0 for names. */
export function hostFamily(host: string): 0 | 4 | 6 {
  const address = isBlock(host) ? host.slice(0, host.indexOf('/')) : host;
  return isIP(address) as 0 | 4 | 6;
}

function ipv4ToBigInt(address: string): bigint {
  return address.split('.').reduce((n, part) => (n << 8n) | BigInt(Number(part)), 0n);
}

function ipv6ToBigInt(address: string): bigint {
  let text = address;
  // A trailing dotted quad (::ffff:192.0.2.1) is two groups.
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (quad) {
    const v = ipv4ToBigInt(quad[1]!);
    text = `${text.slice(0, quad.index)}${(v >> 16n).toString(16)}:${(v & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const groups = (s: string | undefined): string[] => (s === undefined || s === '' ? [] : s.split(':'));
  const before = groups(head);
  const after = groups(tail);
  const all =
    tail === undefined ? before : [...before, ...Array<string>(8 - before.length - after.length).fill('0'), ...after];
  return all.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function format(family: 4 | 6, value: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join('.');
  const groups = [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((s) => ((value >> s) & 0xffffn).toString(16));
  return new SocketAddress({ address: groups.join(':'), family: 'ipv6' }).address;
}
