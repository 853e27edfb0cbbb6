import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { READY_MS } from './ready.js';

/** Why a Debian daemon binary cannot run here, or undefined. */
export function binaryMissing(binary: string, pkg: string): string | undefined {
  try {
    execFileSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore', timeout: 5000 });
    return undefined;
  } catch {
    return `${binary} is missing (apt-get install ${pkg})`;
  }
}

/**
 * Daemons run in the foreground inside a namespace (`ip netns exec` execs them, so the
 * child's PID is the daemon's), each stopped by that PID.
 */
export class Daemons {
  readonly #children: ChildProcess[] = [];

  /** Starts `cmd` in `ns` and waits until `udpPort` is bound there (ss), or fails with its stderr. */
  async start(ns: string, cmd: string, args: string[], udpPort: number): Promise<ChildProcess> {
    const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#children.push(child);
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const deadline = Date.now() + READY_MS;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`${cmd} exited with ${child.exitCode}: ${output}`);
      const bound = execFileSync('ip', ['netns', 'exec', ns, 'ss', '-Hlun', `sport = :${udpPort}`], {
        encoding: 'utf8',
        timeout: 10_000,
      });
      if (bound.trim() !== '') return child;
      await sleep(50);
    }
    throw new Error(`${cmd} did not bind UDP port ${udpPort} within ${READY_MS} ms: ${output}`);
  }

  /** Stops every daemon by its PID. */
  stopAll(): void {
    for (const child of this.#children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) child.kill('SIGKILL');
    }
  }
}
