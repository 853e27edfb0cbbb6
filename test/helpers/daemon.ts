import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { followLogs, startedPort, type LogLine } from './log-follower.js';

export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export type { LogLine } from './log-follower.js';

export interface RunningDaemon {
  readonly proc: ChildProcess;
  readonly port: number;
  readonly logs: LogLine[];
  url(path: string): string;
  /** Resolves with the first log line (already seen or to come) that matches, or rejects after timeoutMs. */
  waitForLog(match: (l: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/**
 * `args` with a --storage.path of its own (removed when the daemon exits) unless they give
 * one: daemons of tests running at once must not share, nor write into the checkout's data/.
 */
export function withOwnStorage(args: readonly string[]): { args: string[]; remove: () => void } {
  if (args.some((a) => a.startsWith('--storage.path'))) return { args: [...args], remove: () => undefined };
  const dir = mkdtempSync(join(tmpdir(), 'pwstate-'));
  return { args: [...args, `--storage.path=${dir}`], remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Starts the built daemon on a random loopback port and waits for its start-up line; `as`
 * runs it as another user (root only).
 */
export async function startDaemon(args: string[], as?: { uid: number; gid: number }): Promise<RunningDaemon> {
  const storage = withOwnStorage(args);
  const argv = [CLI, '--web.listen-address=127.0.0.1:0', ...storage.args];
  const proc = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'], ...as });
  proc.once('exit', storage.remove);
  const follower = followLogs(proc);
  const { logs, waitForLog } = follower;
  const exited = once(proc, 'exit');
  const port = await startedPort(follower);
  return {
    proc,
    port,
    logs,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    waitForLog,
    async stop() {
      if (proc.exitCode !== null) return proc.exitCode;
      proc.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}
