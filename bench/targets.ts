import { writeFileSync } from 'node:fs';
import net from 'node:net';

/** port_state values, as portwatch exports them. */
export const OPEN = 1;
export const CLOSED = 0;
export const FILTERED = -1;

export interface MonitorSpec {
  name: string;
  hosts: readonly string[];
  open: readonly number[];
  closed: readonly number[];
  /** Absent: TCP. */
  protocol?: 'udp';
  timeout?: string;
}

/** `[1, 2, 3, 7]` as `["1-3", 7]`, so a config of 65535 ports stays a few lines. */
export function portRanges(ports: readonly number[]): string[] {
  const sorted = [...new Set(ports)].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    out.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return out;
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** A portwatch config file for these monitors (JSON is YAML). Interval 1h: the bench measures the first round. */
export function writeConfig(file: string, monitors: readonly MonitorSpec[]): void {
  const doc = {
    defaults: { interval: '1h' },
    monitors: monitors.map((m) => ({
      name: m.name,
      hosts: m.hosts,
      ...(m.timeout === undefined ? {} : { timeout: m.timeout }),
      ...(m.open.length ? { expect_open: written(m.open, m.protocol) } : {}),
      ...(m.closed.length ? { expect_closed: written(m.closed, m.protocol) } : {}),
    })),
  };
  writeFileSync(file, JSON.stringify(doc, null, 1));
}

/** Port list entries as the config notation writes them: `"53/udp"` for UDP. */
function written(ports: readonly number[], protocol: 'udp' | undefined): string[] {
  return protocol === undefined ? portRanges(ports) : portRanges(ports).map((p) => `${p}/${protocol}`);
}

/** `ip:port` (TCP) or `ip:port/udp` to the state each should be seen in. */
export type Truth = Map<string, number>;

export interface Verdicts {
  right: number;
  wrong: number;
  /** A few wrong ones, for the report. */
  examples: string[];
}

/** Compares what a tool saw with the truth; a missing or extra verdict is wrong too. */
export function judge(truth: Truth, seen: ReadonlyMap<string, number>): Verdicts {
  let right = 0;
  const examples: string[] = [];
  const wrongOne = (s: string): void => {
    if (examples.length < 5) examples.push(s);
  };
  for (const [key, want] of truth) {
    const got = seen.get(key);
    if (got === want) right++;
    else wrongOne(`${key} want ${want} got ${got ?? 'nothing'}`);
  }
  let extra = 0;
  for (const key of seen.keys()) {
    if (truth.has(key)) continue;
    extra++;
    wrongOne(`${key} not asked for`);
  }
  return { right, wrong: truth.size - right + extra, examples };
}

/** Listeners that accept and drop at once, so "open" ports are real sockets. */
export async function openListeners(
  endpoints: ReadonlyArray<{ host: string; port: number }>,
): Promise<() => Promise<void>> {
  const servers: net.Server[] = [];
  for (const { host, port } of endpoints) {
    const server = net.createServer((socket) => {
      socket.on('error', () => undefined);
      socket.destroy();
    });
    server.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port, backlog: 4096 }, () => (server.off('error', reject), resolve()));
    });
    servers.push(server);
  }
  return async () => {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  };
}
