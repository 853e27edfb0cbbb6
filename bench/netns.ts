import { execFileSync } from 'node:child_process';

// SAFETY: the root namespace's own network is 192.0.2.0/24. The bench creates one
// namespace of its own, re-executes itself inside it, and every address, rule and
// measured process lives there. Nothing is ever added to the root namespace.

/** Set in the environment of the harness re-executed inside its namespace. */
export const NS_ENV = 'PORTWATCH_BENCH_NS';

export function sh(cmd: string, args: readonly string[], timeoutMs = 20_000): string {
  return execFileSync(cmd, [...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
}

/** Why the bench cannot run here, or undefined. */
export function benchSkipReason(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  for (const [tool, flag] of [
    ['ip', '-V'],
    ['iptables', '--version'],
  ] as const) {
    try {
      sh(tool, [flag], 5000);
    } catch {
      return `${tool} is missing (run bench/setup.sh)`;
    }
  }
  return undefined;
}

/** A new namespace with lo up, named for this process. */
export function createNamespace(): string {
  const name = `pwbench-${process.pid}`;
  sh('ip', ['netns', 'add', name]);
  sh('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  return name;
}

/** The namespace, and the host namespaces a scenario made for it (`<name>-h1`, ...). */
export function deleteNamespace(name: string): void {
  const hosts = sh('ip', ['netns', 'list'])
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((other) => other.startsWith(`${name}-`));
  for (const other of [...hosts, name]) {
    try {
      sh('ip', ['netns', 'del', other], 10_000);
    } catch {
      // Already gone.
    }
  }
}

/**
 * Refuses to go on unless this process is inside the bench's own namespace and that
 * namespace has nothing but lo: every address the bench then targets is its own.
 */
export function assertInsideBenchNamespace(): string {
  const name = process.env[NS_ENV];
  if (name === undefined || !/^pwbench-\d+$/.test(name))
    throw new Error(`${NS_ENV} is not set: the measuring harness must run inside its namespace`);
  const here = sh('ip', ['netns', 'identify', String(process.pid)]).trim();
  if (here !== name) throw new Error(`expected to run inside namespace ${name}, but ip netns identify says "${here}"`);
  for (const line of sh('ip', ['-o', 'link', 'show']).split('\n').filter(Boolean)) {
    const dev = /^\d+:\s+([^:@]+)/.exec(line)?.[1];
    if (dev !== 'lo')
      throw new Error(`namespace ${name} has an interface other than lo (${dev}); refusing to send traffic`);
  }
  return name;
}

/** iptables inside the current (bench) namespace. */
export function iptables(...args: string[]): void {
  sh('iptables', ['-w', '5', ...args]);
}
