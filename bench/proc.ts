import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** Peak resident memory of a live process in MB (VmHWM), or undefined once it is gone. */
export function peakRssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** CPU time of a process's threads, from the scheduler's own accounts (ns, not clock ticks). */
export interface ThreadTimes {
  /** Time the main thread ran. */
  mainRunMs: number;
  /** Time the main thread was ready to run but waited for a CPU. */
  mainWaitMs: number;
  /** Of its run time, the part in the kernel (system calls and the loopback packets they send), in 10 ms ticks. */
  mainKernelMs: number;
  /** Time its other threads ran (V8's GC and compiler helpers, libuv's pool). */
  othersRunMs: number;
}

/** The threads' times so far, or undefined once the process is gone. */
export function threadTimes(pid: number | undefined): ThreadTimes | undefined {
  if (pid === undefined) return undefined;
  try {
    const times: ThreadTimes = { mainRunMs: 0, mainWaitMs: 0, mainKernelMs: 0, othersRunMs: 0 };
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const [run = 0, wait = 0] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
      if (tid === String(pid)) {
        times.mainRunMs = run / 1e6;
        times.mainWaitMs = wait / 1e6;
        // stime is the 15th field, the 13th after the parenthesised command name; Linux counts it in 1/100 s.
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        times.mainKernelMs = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[12]) * 10;
      } else {
        times.othersRunMs += run / 1e6;
      }
    }
    return times;
  } catch {
    return undefined;
  }
}

/** What the threads took between two readings. */
export function threadTimesBetween(a: ThreadTimes | undefined, b: ThreadTimes | undefined): ThreadTimes | undefined {
  if (a === undefined || b === undefined) return undefined;
  return {
    mainRunMs: b.mainRunMs - a.mainRunMs,
    mainWaitMs: b.mainWaitMs - a.mainWaitMs,
    mainKernelMs: b.mainKernelMs - a.mainKernelMs,
    othersRunMs: b.othersRunMs - a.othersRunMs,
  };
}

/** Follows a child's peak RSS until it exits: VmHWM only grows, so the last reading is the peak seen. */
export function trackPeakRss(child: ChildProcess, everyMs = 20): () => number {
  let peak = 0;
  const read = (): void => {
    const v = peakRssMb(child.pid);
    if (v !== undefined && v > peak) peak = v;
  };
  const timer = setInterval(read, everyMs);
  child.once('exit', () => clearInterval(timer));
  return () => (read(), peak);
}

export interface ToolRun {
  wallMs: number;
  peakRssMb: number;
  code: number | null;
  stdout: string;
  stderr: string;
  /** Killed for running past its time limit. */
  killed: boolean;
}

/** Runs a command to its end (or kills it after timeoutMs) and measures it. */
export function runTool(cmd: string, args: readonly string[], timeoutMs: number): Promise<ToolRun> {
  const started = performance.now();
  const child = spawn(cmd, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const peak = trackPeakRss(child, 10);
  let stdout = '';
  let stderr = '';
  let killed = false;
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  return new Promise((resolve, reject) => {
    child.once('error', (err) => (clearTimeout(timer), reject(err)));
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ wallMs: performance.now() - started, peakRssMb: peak(), code, stdout, stderr, killed });
    });
  });
}

/** Every child the harness started, killed on the way out whatever happens. */
export const children = new Set<ChildProcess>();

export function killChildren(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  children.clear();
}

export function which(cmd: string): boolean {
  for (const dir of (process.env['PATH'] ?? '/usr/bin:/bin').split(':')) {
    try {
      accessSync(`${dir}/${cmd}`, constants.X_OK);
      return true;
    } catch {
      // not here
    }
  }
  return false;
}
