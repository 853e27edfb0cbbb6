import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { READY_MS } from './ready.js';

export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export interface LogLine {
  level: string;
  msg: string;
  [key: string]: unknown;
}

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
  const logs: LogLine[] = [];
  const waiters = new Set<{ match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }>();
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  createInterface({ input: proc.stdout }).on('line', (text) => {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      return;
    }
    logs.push(line);
    for (const w of waiters) {
      if (!w.match(line)) continue;
      waiters.delete(w);
      w.resolve(line);
    }
  });

  const waitForLog = (match: (l: LogLine) => boolean, timeoutMs = READY_MS): Promise<LogLine> => {
    const seen = logs.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const fail = (why: string): void => {
        waiters.delete(w);
        clearTimeout(timer);
        proc.off('exit', onExit);
        const all = logs.map((l) => JSON.stringify(l)).join('\n');
        reject(new Error(`no matching log line: ${why}; logs:\n${all}\nstderr: ${stderr}`));
      };
      // A daemon that exits will never log the line: say so at once instead of at the bound.
      const onExit = (code: number | null): void => fail(`the daemon exited with ${String(code)}`);
      const w = {
        match,
        resolve: (l: LogLine): void => {
          clearTimeout(timer);
          proc.off('exit', onExit);
          resolve(l);
        },
      };
      const timer = setTimeout(() => fail(`none within ${timeoutMs} ms`), timeoutMs);
      proc.once('exit', onExit);
      waiters.add(w);
    });
  };

  const exited = once(proc, 'exit');
  const started = await Promise.race([
    waitForLog((l) => l.msg === 'portwatch started'),
    exited.then(() => {
      throw new Error(`daemon exited before starting; logs: ${JSON.stringify(logs)} stderr: ${stderr}`);
    }),
  ]);
  const port = Number(String(started['listen']).split(':').pop());
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
