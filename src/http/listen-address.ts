import { isIP } from 'node:net';

/** Where to listen, parsed from a Prometheus-style `--web.listen-address`. */
export interface ListenAddress {
  /** An IP literal (without brackets) or a host name; "::" for every interface. */
  host: string;
  /** 0 lets the kernel choose. */
  port: number;
  /** Written without a host (":9798"): every interface, IPv6 and IPv4. */
  allInterfaces: boolean;
}

const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/**
 * Accepts ":9798", "0.0.0.0:9798", "127.0.0.1:0", "[::1]:9798", "localhost:9798".
 * An IPv6 address needs its brackets: in "::1:9798" the port cannot be told apart.
 */
export function parseListenAddress(value: string): ListenAddress {
  const fail = (why: string): never => {
    throw new Error(
      `invalid --web.listen-address "${value}": ${why} ` +
        '(expected [HOST]:PORT, e.g. ":9798", "127.0.0.1:9798" or "[::1]:9798")',
    );
  };
  const colon = value.lastIndexOf(':');
  if (colon < 0) return fail('no port');
  let host = value.slice(0, colon);
  const portText = value.slice(colon + 1);

  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65_535)
    return fail(`port "${portText}" is not a number from 0 to 65535`);
  const port = Number(portText);

  if (host === '') return { host: '::', port, allInterfaces: true };
  if (host.startsWith('[') || host.endsWith(']')) {
    if (!host.startsWith('[') || !host.endsWith(']')) return fail('unbalanced brackets');
    host = host.slice(1, -1);
    if (isIP(host) !== 6) return fail(`"${host}" is not an IPv6 address`);
    return { host, port, allInterfaces: false };
  }
  if (isIP(host) === 6) return fail('an IPv6 address must be written in brackets');
  if (isIP(host) === 4 || (HOST_NAME.test(host) && !/^[\d.]+$/.test(host))) return { host, port, allInterfaces: false };
  return fail(`"${host}" is not an IP address or host name`);
}
