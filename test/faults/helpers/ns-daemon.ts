import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CLI, withOwnStorage } from '../../helpers/daemon.js';
import { followLogs, startedPort, type LogLine } from '../../helpers/log-follower.js';
import { parseExposition, type Sample } from '../../helpers/scrape.js';

// The built daemon run inside a test namespace with `ip netns exec` (which execs, so the
// child's pid is the daemon's and signals reach it), and a scraper beside it: /metrics on
// the namespace's loopback cannot be reached from the root namespace, and must not be.

export interface NsDaemon {
  readonly proc: ChildProcess;
  readonly logs: LogLine[];
  waitForLog(match: (l: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  scrape(): Promise<Sample[]>;
  /** SIGTERM (or another signal); the exit code and how long the exit took. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; ms: number }>;
}

/** One fetch per stdin line, one JSON line back: a scraper that lives in the namespace. */
const SCRAPER = `
  const rl = require('node:readline').createInterface({ input: process.stdin });
  rl.on('line', async (url) => {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(10000) });
      console.log(JSON.stringify({ status: res.status, body: await res.text() }));
    } catch (err) {
      console.log(JSON.stringify({ status: 0, body: String(err) }));
    }
  });`;

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) if (c.exitCode === null) c.kill('SIGKILL');
});

function spawnIn(ns: string, argv: string[], stdin: 'ignore' | 'pipe' = 'ignore'): ChildProcess {
  const child = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: [stdin, 'pipe', 'pipe'] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** Kills every daemon and scraper still running; for afterAll. */
export function killAll(): void {
  for (const c of live) if (c.exitCode === null) c.kill('SIGKILL');
}

/** A config file in a temporary directory, removed by the returned function. */
export function writeConfig(yaml: string): { file: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'pwfault-'));
  const file = join(dir, 'portwatch.yaml');
  writeFileSync(file, yaml);
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Starts `node dist/cli.js` in `ns` (behind `prefix`, e.g. prlimit) and waits for "portwatch started". */
export async function startNsDaemon(ns: string, args: string[], prefix: string[] = []): Promise<NsDaemon> {
  // PORTWATCH_CLI: for the soak script, which runs compiled from elsewhere.
  const cli = process.env['PORTWATCH_CLI'] ?? CLI;
  const storage = withOwnStorage(args);
  const proc = spawnIn(ns, [...prefix, process.execPath, cli, '--web.listen-address=127.0.0.1:0', ...storage.args]);
  proc.once('exit', storage.remove);
  const follower = followLogs(proc);
  const { logs, waitForLog } = follower;
  const exited = once(proc, 'exit') as Promise<[number | null]>;
  const url = `http://127.0.0.1:${await startedPort(follower)}/metrics`;

  const scraper = spawnIn(ns, [process.execPath, '-e', SCRAPER], 'pipe');
  const replies: Array<(line: string) => void> = [];
  createInterface({ input: scraper.stdout! }).on('line', (line) => replies.shift()?.(line));
  // One scrape at a time keeps replies in order.
  let chain: Promise<unknown> = Promise.resolve();
  const scrape = (): Promise<Sample[]> => {
    const next = chain.then(
      () =>
        new Promise<Sample[]>((resolve, reject) => {
          replies.push((line) => {
            const { status, body } = JSON.parse(line) as { status: number; body: string };
            if (status === 200) resolve(parseExposition(body));
            else reject(new Error(`scrape: ${status} ${body}`));
          });
          scraper.stdin!.write(`${url}\n`);
        }),
    );
    chain = next.catch(() => undefined);
    return next;
  };

  return {
    proc,
    logs,
    waitForLog,
    scrape,
    async stop(signal = 'SIGTERM') {
      scraper.kill('SIGKILL');
      const t0 = performance.now();
      if (proc.exitCode === null) proc.kill(signal);
      const [code] = proc.exitCode === null ? await exited : [proc.exitCode];
      return { code, ms: performance.now() - t0 };
    },
  };
}

/** The samples of `name` keyed by "ip:port" (the host label when ip is ""). */
export function byTarget(samples: Sample[], name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of samples)
    if (s.name === name) out.set(`${s.labels['ip'] || s.labels['host']}:${s.labels['port']}`, s.value);
  return out;
}
