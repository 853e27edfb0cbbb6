import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { READY_MS } from './ready.js';

export interface LogLine {
  level: string;
  msg: string;
  [key: string]: unknown;
}

/** A daemon's JSON log lines as they come, its stderr, and a wait for a line that matches. */
export interface LogFollower {
  readonly logs: LogLine[];
  readonly stderr: () => string;
  /** Resolves with the first line (already seen or to come) that matches; rejects after timeoutMs or at exit. */
  readonly waitForLog: (match: (l: LogLine) => boolean, timeoutMs?: number) => Promise<LogLine>;
}

/** Follows `proc`'s stdout (pino's JSON lines; anything else is skipped) and stderr. */
export function followLogs(proc: ChildProcess, defaultTimeoutMs = READY_MS): LogFollower {
  const logs: LogLine[] = [];
  const waiters = new Set<{ match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }>();
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  if (proc.stdout) createInterface({ input: proc.stdout }).on('line', (text) => take(text));
  const take = (text: string): void => {
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
  };
  const waitForLog = (match: (l: LogLine) => boolean, timeoutMs = defaultTimeoutMs): Promise<LogLine> => {
    const seen = logs.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const fail = (why: string): void => {
        waiters.delete(w);
        clearTimeout(timer);
        proc.off('close', onExit);
        const all = logs.map((l) => JSON.stringify(l)).join('\n');
        reject(new Error(`no matching log line: ${why}; logs:\n${all}\nstderr: ${stderr}`));
      };
      // A daemon that exited will never log the line: say so at once instead of at the bound. 'close'
      // rather than 'exit', which may come before the last lines were read.
      const onExit = (code: number | null): void => fail(`the daemon exited with ${String(code)}`);
      const w = {
        match,
        resolve: (l: LogLine): void => {
          clearTimeout(timer);
          proc.off('close', onExit);
          resolve(l);
        },
      };
      const timer = setTimeout(() => fail(`none within ${timeoutMs} ms`), timeoutMs);
      proc.once('close', onExit);
      waiters.add(w);
    });
  };
  return { logs, stderr: () => stderr, waitForLog };
}

/** The port of the daemon's "portwatch started" line (its listen address ends in it). */
export async function startedPort(follower: LogFollower, timeoutMs?: number): Promise<number> {
  const started = await follower.waitForLog((l) => l.msg === 'portwatch started', timeoutMs);
  return Number(String(started['listen']).split(':').pop());
}
