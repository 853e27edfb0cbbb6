import { isIP, SocketAddress } from 'node:net';
import { isBlock, parseBlock } from './blocks.js';
import { describeValue, quote } from './describe.js';

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;
const MAX_NAME = 253;

/**
 * Why `value` is not a host portwatch can check, or undefined when it is one: an IPv4
 * or IPv6 literal, an address block (CIDR, see blocks.ts), or a DNS name of RFC 1123
 * labels. A single trailing dot (an absolute name, as in zone files) is allowed.
 */
export function hostProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return `expected a host name or IP address, got ${describeValue(value)}`;
  if (value === '') return 'host is empty';
  if (isIP(value) !== 0) return undefined;
  // Most hosts are good: the quoted form is made only for a message.
  const q = (): string => quote(value);
  if (value.includes('://')) return `${q()} is a URL; give only the host name or IP address`;
  if (value.startsWith('[')) return `${q()}: write IPv6 addresses without brackets`;
  if (isBlock(value)) {
    const block = parseBlock(value);
    return block.ok ? undefined : block.message;
  }
  if (/^[^:]+:\d*$/.test(value)) return `${q()} includes a port; list ports in expect_open or expect_closed`;
  if (value.includes(':')) return `${q()} is not a valid IPv6 address`;
  if (/^\d[\d.]*$/.test(value)) return `${q()} is not a valid IPv4 address`;
  const name = value.endsWith('.') ? value.slice(0, -1) : value;
  if (name.length > MAX_NAME) return `host name is longer than ${MAX_NAME} characters`;
  const labels = name.split('.');
  if (!labels.every((l) => LABEL.test(l))) {
    const rule = 'each dot-separated label must be 1-63 letters, digits or "-", not starting or ending with "-"';
    return `${q()} is not a valid host name: ${rule}`;
  }
  if (/^\d+$/.test(labels.at(-1) ?? ''))
    return `${q()} is not a valid host name: the last label must not be all digits`;
  return undefined;
}

/**
 * What two spellings of one host have in common: names compare without case or trailing dot,
 * IPv6 in canonical form.
 */
export function hostKey(host: string): string {
  if (host.includes(':') && !host.includes('%') && isIP(host) === 6)
    return new SocketAddress({ address: host, family: 'ipv6' }).address;
  const lower = host.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}
