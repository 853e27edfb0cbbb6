import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from '../../helpers/daemon.js';
import { followLogs, startedPort, type LogLine } from '../../helpers/log-follower.js';

// The built daemon for the abuse tier: on loopback in the root namespace (port 0), or inside
// a test namespace, optionally behind prlimit to give it (or deny it) file descriptors.

export interface AbuseDaemon {
  readonly proc: ChildProcess;
  readonly port: number;
  readonly logs: LogLine[];
  stderr(): string;
  waitForLog(match: (l: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

export interface DaemonOptions {
  args: string[];
  /** prlimit --nofile=N:N in front of node. */
  nofile?: number;
  /** Run inside this namespace (ip netns exec). */
  netns?: string;
  listen?: string;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) if (c.exitCode === null) c.kill('SIGKILL');
});

/** Why prlimit cannot raise limits here, if it cannot. */
export function prlimitMissing(): string | undefined {
  try {
    execFileSync('prlimit', ['--nofile=4096:4096', 'true'], { stdio: 'ignore', timeout: 5_000 });
    return undefined;
  } catch {
    return 'prlimit (util-linux) cannot raise the open-files limit here (needs root or a high hard limit)';
  }
}

/** Spawns `node dist/cli.js` as asked; resolves once it is running (see `started`). */
export function spawnDaemon(opts: DaemonOptions): {
  proc: ChildProcess;
  logs: LogLine[];
  stderr: () => string;
  waitForLog: AbuseDaemon['waitForLog'];
} {
  const argv = [process.execPath, CLI, `--web.listen-address=${opts.listen ?? '127.0.0.1:0'}`, ...opts.args];
  if (opts.nofile !== undefined) argv.unshift('prlimit', `--nofile=${opts.nofile}:${opts.nofile}`);
  if (opts.netns !== undefined) argv.unshift('ip', 'netns', 'exec', opts.netns);
  const proc = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(proc);
  proc.once('exit', () => live.delete(proc));
  const { logs, stderr, waitForLog } = followLogs(proc, 20_000);
  return { proc, logs, stderr, waitForLog };
}

/** Starts the daemon and waits for "portwatch started". */
export async function startAbuseDaemon(opts: DaemonOptions): Promise<AbuseDaemon> {
  const { proc, logs, stderr, waitForLog } = spawnDaemon(opts);
  const exited = once(proc, 'exit') as Promise<[number | null]>;
  const port = await startedPort({ logs, stderr, waitForLog }, 30_000);
  return {
    proc,
    port,
    logs,
    stderr,
    waitForLog,
    async stop() {
      if (proc.exitCode !== null) return proc.exitCode;
      proc.kill('SIGTERM');
      const [code] = await exited;
      return code;
    },
  };
}

/** Files in a temporary directory, removed by `remove`. */
export function tempFiles(files: Record<string, string>): {
  dir: string;
  path: (name: string) => string;
  remove: () => void;
} {
  const dir = mkdtempSync(join(tmpdir(), 'pwabuse-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { dir, path: (name) => join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A config of one monitor checking one closed loopback port every hour: the daemon is idle but for HTTP. */
export const IDLE_CONFIG =
  'defaults:\n  interval: 1h\nmonitors:\n  - name: self\n    hosts: [127.0.0.1]\n    expect_closed: [1]\n';
