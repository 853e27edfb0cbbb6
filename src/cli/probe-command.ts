import { isIPv6 } from 'node:net';
import { parseDuration } from '../config/duration.js';
import { hostProblem } from '../config/hosts.js';
import { portOfKey, protocolOfKey, type PortKey } from '../config/port-keys.js';
import { entryKeys, parsePortEntry } from '../config/ports.js';
import { ProbeCapacity } from '../probe/capacity.js';
import { resolveHost } from '../resolve/resolve.js';
import type { ProbeResult, Protocol } from '../types.js';
import { parseCommandLine, UsageError } from './args.js';

const USAGE = `usage: portwatch probe [--timeout DURATION] [--json] HOST:PORTS...
  HOST    an IPv4 address, an [IPv6] address in brackets, or a name (each of its addresses is probed)
  PORTS   ports, ranges A-B and port group names, comma-separated: 22,80,8000-8010; TCP unless
          followed by /udp: 53/udp,1000-1010/udp,udp-amplification
  --timeout DURATION   wait this long for an answer to each probe, e.g. 500ms or 3s (default 3s)
  --json               one JSON object per line instead of a table
exit status: 0 when every probe was made, whatever it found; 1 when some could not be (state error); 2 on misuse
example: portwatch probe 127.0.0.1:22,80,53/udp '[::1]:9000-9010' example.com:443
`;

/** Longer waits are pointless: Linux gives up on an unanswered SYN after about two minutes. */
const MAX_TIMEOUT_MS = 5 * 60_000;

interface Target {
  host: string;
  /** Port keys (config/port-keys.ts), in the order given. */
  ports: PortKey[];
}

interface Row {
  host: string;
  ip: string;
  port: number;
  protocol: Protocol;
}

interface Options {
  timeoutMs: number;
  json: boolean;
  targets: Target[];
}

/** `portwatch probe`: one-off checks (TCP or UDP) from the command line, made as the daemon makes them. */
export async function runProbeCommand(
  args: string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  let opts: Options | 'help';
  try {
    opts = parseArgs(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err.write(`portwatch probe: ${e.message}\n${USAGE}`);
    return 2;
  }
  if (opts === 'help') {
    out.write(USAGE);
    return 0;
  }
  const { timeoutMs, json } = opts;
  // The daemon's capacity with its defaults: limits, descriptor budget and backoff as in a check.
  const capacity = new ProbeCapacity({});
  const resolutions = await Promise.all(opts.targets.map((t) => resolveHost(t.host)));
  // Every probe is queued at once; results are printed in the order asked, each as soon as those before it are done.
  const rows: Array<Row & { result: Promise<ProbeResult> }> = [];
  const row = (host: string, ip: string, key: PortKey) => ({
    host,
    ip,
    port: portOfKey(key),
    protocol: protocolOfKey(key),
  });
  opts.targets.forEach((target, i) => {
    const resolution = resolutions[i]!;
    if ('reason' in resolution) {
      err.write(`portwatch probe: ${resolution.message}\n`);
      const failed: ProbeResult = { state: 'error', reason: resolution.reason, durationSeconds: 0 };
      for (const key of target.ports) rows.push({ ...row(target.host, '', key), result: Promise.resolve(failed) });
      return;
    }
    for (const ip of resolution.addresses) {
      for (const key of target.ports) {
        const r = row(target.host, ip, key);
        rows.push({ ...r, result: capacity.probe(r.protocol, ip, r.port, timeoutMs) });
      }
    }
  });
  let anyError = false;
  for (const row of rows) {
    const result = await row.result;
    anyError ||= result.state === 'error';
    out.write(json ? jsonLine(row, result) : tableLine(row, result));
  }
  return anyError ? 1 : 0;
}

const PROBE_FLAGS = {
  timeout: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parseArgs(args: string[]): Options | 'help' {
  const hints = { timeout: 'a duration, like 3s' };
  const { values, positionals } = parseCommandLine(args, PROBE_FLAGS, { positionals: true, hints });
  if (values.help) return 'help';
  const targets = positionals.map(parseTarget);
  if (targets.length === 0) throw new UsageError('nothing to probe: give at least one HOST:PORTS');
  return { timeoutMs: parseTimeout(values.timeout ?? '3s'), json: values.json ?? false, targets };
}

function parseTimeout(value: string): number {
  let ms: number;
  try {
    ms = parseDuration(value);
  } catch (e) {
    throw new UsageError(`--timeout: ${(e as Error).message}`);
  }
  if (ms > MAX_TIMEOUT_MS)
    throw new UsageError(`--timeout: ${value} is longer than 5m; Linux itself gives up on a connect after about 2m`);
  return ms;
}

/** Ports a URL's scheme implies when it names none. */
const SCHEME_PORTS: Readonly<Record<string, string>> = { 'http:': '80', 'https:': '443' };

/** Says what to write instead of a URL, worded as check-config words a URL among hosts. */
function urlProblem(arg: string): string {
  let instead = ', like 127.0.0.1:22,80';
  try {
    const url = new URL(arg);
    const port = url.port || (SCHEME_PORTS[url.protocol] ?? '');
    if (url.hostname !== '' && port !== '') instead = `: ${url.hostname}:${port}`;
  } catch {
    // Not even a URL that parses: only the general advice.
  }
  return `${JSON.stringify(arg)} is a URL; give only the host name or IP address and the ports${instead}`;
}

function parseTarget(arg: string): Target {
  if (arg.includes('://')) throw new UsageError(urlProblem(arg));
  const bracketed = /^\[([^\]]*)\]:(.*)$/.exec(arg);
  const colon = arg.lastIndexOf(':');
  const [host, portList] =
    bracketed !== null ? [bracketed[1] ?? '', bracketed[2] ?? ''] : [arg.slice(0, colon), arg.slice(colon + 1)];
  if (bracketed === null && colon < 0)
    throw new UsageError(`${JSON.stringify(arg)}: expected HOST:PORTS, like 127.0.0.1:22,80`);
  if (bracketed === null && host.includes(':'))
    throw new UsageError(`${JSON.stringify(arg)}: write IPv6 addresses in brackets, like [::1]:22`);
  if (bracketed !== null && !isIPv6(host))
    throw new UsageError(`${JSON.stringify(arg)}: only IPv6 addresses go in brackets`);
  const problem = hostProblem(host);
  if (problem !== undefined) throw new UsageError(`${JSON.stringify(arg)}: ${problem}`);
  if (portList === '') throw new UsageError(`${JSON.stringify(arg)}: no ports after the colon`);
  const ports = new Set<PortKey>();
  for (const entry of portList.split(',')) {
    const parsed = parsePortEntry(entry);
    if (!parsed.ok) throw new UsageError(`${JSON.stringify(arg)}: ${parsed.message}`);
    for (const key of entryKeys(parsed)) ports.add(key);
  }
  return { host, ports: [...ports] };
}

function jsonLine(row: Row, r: ProbeResult): string {
  const { host, ip, port, protocol } = row;
  const { state, reason, durationSeconds, code } = r;
  const line = { host, ip, port, protocol, state, reason, durationSeconds, ...(code === undefined ? {} : { code }) };
  return `${JSON.stringify(line)}\n`;
}

/** A port as the config writes it: "53/udp", or the number alone for TCP. */
function tableLine(row: Row, r: ProbeResult): string {
  const ms = r.durationSeconds * 1000;
  const took = ms < 1000 ? `${ms.toFixed(1)}ms` : `${(ms / 1000).toFixed(2)}s`;
  const name = row.host === row.ip ? '' : `  ${row.host}`;
  const port = row.protocol === 'udp' ? `${row.port}/udp` : String(row.port);
  const columns = [(row.ip || '-').padEnd(15), port.padStart(5), r.state.padEnd(8), r.reason.padEnd(16)];
  return `${columns.join(' ')} ${took.padStart(8)}${name}\n`;
}
