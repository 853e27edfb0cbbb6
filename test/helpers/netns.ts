import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { READY_MS } from './ready.js';

// Network namespaces for tests. SAFETY: the root namespace's own network uses 192.0.2.0/24,
// so every address, veth end and route here is created with `ip -n <ns>` or inside
// `ip netns exec <ns>`; nothing is ever added to the root namespace.

/** Why namespace tests cannot run here, or undefined when they can. */
export function netnsSkipReason(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  for (const [tool, flag] of [
    ['ip', '-V'],
    ['iptables', '--version'],
    ['ip6tables', '--version'],
  ] as const) {
    try {
      execFileSync(tool, [flag], { stdio: 'ignore', timeout: 5000 });
    } catch {
      return `${tool} is missing (install iproute2 and iptables)`;
    }
  }
  return undefined;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

let created = 0;
const live = new Set<Namespaces>();
// A crashed test file must not leave namespaces behind either.
process.once('exit', () => {
  for (const n of live) n.cleanup();
});

/**
 * A test process killed with SIGKILL (a stopped run) cannot clean up: the namespaces of
 * test processes that no longer exist are removed before this one makes its first.
 */
function removeOrphans(): void {
  const names = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n');
  for (const name of names.map((l) => l.split(' ')[0] ?? '')) {
    const pid = /^pwtest-(\d+)-\d+$/.exec(name)?.[1];
    if (pid === undefined || isAlive(Number(pid))) continue;
    execFileSync('ip', ['netns', 'delete', name], { stdio: 'pipe' });
    rmSync(`/etc/netns/${name}`, { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Namespaces named pwtest-<pid>-<n>, their processes and files, all removed by cleanup(). */
export class Namespaces {
  readonly #names: string[] = [];
  readonly #children = new Set<ChildProcess>();

  constructor() {
    live.add(this);
  }

  /** A new namespace with only lo, up. */
  create(): string {
    if (created === 0) removeOrphans();
    const name = `pwtest-${process.pid}-${++created}`;
    execFileSync('ip', ['netns', 'add', name], { stdio: 'pipe' });
    this.#names.push(name);
    this.ip(name, 'link', 'set', 'lo', 'up');
    return name;
  }

  /** `ip -n <ns> ...`: configures the namespace from outside without entering it. */
  ip(ns: string, ...args: string[]): void {
    this.#own(ns);
    execFileSync('ip', ['-n', ns, ...args], { stdio: 'pipe', timeout: 10_000 });
  }

  /** Runs a command inside the namespace and returns its stdout; throws on failure. */
  exec(ns: string, cmd: string, args: string[]): string {
    this.#own(ns);
    return execFileSync('ip', ['netns', 'exec', ns, cmd, ...args], {
      encoding: 'utf8',
      stdio: 'pipe',
      timeout: 20_000,
    });
  }

  /** Runs a command inside the namespace to its end, killed after timeoutMs. */
  run(ns: string, cmd: string, args: string[], timeoutMs = 20_000): Promise<RunResult> {
    this.#own(ns);
    const child = this.#spawn(ns, cmd, args);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    return new Promise((resolve) => {
      child.once('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  /** Starts a long-running command inside the namespace and waits for it to print `readyLine`. */
  async start(ns: string, cmd: string, args: string[], readyLine: string, timeoutMs = READY_MS): Promise<ChildProcess> {
    this.#own(ns);
    const child = this.#spawn(ns, cmd, args);
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no "${readyLine}" within ${timeoutMs} ms: ${stderr}`)),
        timeoutMs,
      );
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (line.trim() !== readyLine) return;
        clearTimeout(timer);
        resolve();
      });
      child.once(
        'exit',
        (code) => (clearTimeout(timer), reject(new Error(`exited with ${code} before ready: ${stderr}`))),
      );
    });
    return child;
  }

  /** A veth pair from `a` to `b`, created inside `a` and moved, never passing through the root namespace. */
  link(a: string, b: string, addrsA: string[], addrsB: string[]): void {
    this.ip(a, 'link', 'add', 'pw0', 'type', 'veth', 'peer', 'name', 'pw1');
    this.ip(a, 'link', 'set', 'pw1', 'netns', b);
    for (const [ns, dev, addrs] of [
      [a, 'pw0', addrsA],
      [b, 'pw1', addrsB],
    ] as const) {
      // nodad: an address still in duplicate address detection cannot be used yet.
      for (const addr of addrs) this.ip(ns, 'addr', 'add', addr, 'dev', dev, ...(addr.includes(':') ? ['nodad'] : []));
      this.ip(ns, 'link', 'set', dev, 'up');
    }
  }

  /** A file that `ip netns exec` bind-mounts over /etc/<file> (hosts, resolv.conf) inside the namespace. */
  etcFile(ns: string, file: string, text: string): void {
    this.#own(ns);
    mkdirSync(`/etc/netns/${ns}`, { recursive: true });
    writeFileSync(`/etc/netns/${ns}/${file}`, text);
  }

  /** Kills what was started, deletes the namespaces and their /etc/netns files. Safe to call twice. */
  /** Runs a suite's set-up; if it fails, whatever it made so far is removed before the error goes on. */
  async prepare(setUp: () => Promise<void> | void): Promise<void> {
    try {
      await setUp();
    } catch (err) {
      this.cleanup();
      throw err;
    }
  }

  cleanup(): void {
    for (const child of this.#children) if (child.exitCode === null && child.pid !== undefined) child.kill('SIGKILL');
    this.#children.clear();
    for (const ns of this.#names.splice(0)) {
      try {
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore', timeout: 10_000 });
      } catch {
        // Already gone.
      }
      rmSync(`/etc/netns/${ns}`, { recursive: true, force: true });
    }
    live.delete(this);
  }

  #spawn(ns: string, cmd: string, args: string[]): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#children.add(child);
    child.once('exit', () => this.#children.delete(child));
    return child;
  }

  #own(ns: string): void {
    if (!this.#names.includes(ns)) throw new Error(`${ns} is not a namespace this test created`);
  }
}
