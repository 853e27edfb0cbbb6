import { execFileSync } from 'node:child_process';
import type { Namespaces } from './netns.js';

/** Why nmap -sU cannot run here, or undefined. */
export function nmapMissing(): string | undefined {
  try {
    execFileSync('nmap', ['--version'], { stdio: 'ignore', timeout: 10_000 });
    return undefined;
  } catch {
    return 'nmap is missing (apt-get install nmap)';
  }
}

/** A hang guard: nmap -sU slows down on rate-limited ICMP, a few seconds a closed port. */
const NMAP_MS = 180_000;

export interface NmapPort {
  port: number;
  state: string;
  reason: string;
}

export interface NmapScan {
  ports: Map<number, NmapPort>;
  /** nmap's own figure for the scan, from <finished elapsed=>. */
  elapsedSeconds: number;
}

/**
 * `nmap -sU -Pn -n --reason -oX -` of `ports` on one address, run inside `ns`: its verdict
 * per port and its time, read from the XML's <port><state state= reason=/></port> elements.
 */
export async function nmapUdp(spaces: Namespaces, ns: string, address: string, ports: number[]): Promise<NmapScan> {
  const family = address.includes(':') ? ['-6'] : [];
  const run = await spaces.run(
    ns,
    'nmap',
    ['-sU', '-Pn', '-n', '--reason', ...family, '-oX', '-', '-p', ports.join(','), address],
    NMAP_MS,
  );
  if (run.code !== 0) throw new Error(`nmap -sU exited with ${run.code}: ${run.stderr}`);
  const xml = run.stdout;
  const found = new Map<number, NmapPort>();
  for (const m of xml.matchAll(/<port protocol="udp" portid="(\d+)"><state state="([^"]+)" reason="([^"]+)"/g)) {
    found.set(Number(m[1]), { port: Number(m[1]), state: m[2]!, reason: m[3]! });
  }
  // nmap folds ports of one state into <extraports> when there are many of them.
  const extra = /<extraports state="([^"]+)"[^>]*>\s*<extrareasons reason="([^"]+)"/.exec(xml);
  for (const port of ports) {
    if (!found.has(port) && extra !== null) found.set(port, { port, state: extra[1]!, reason: extra[2]! });
  }
  const elapsed = /<finished [^>]*elapsed="([\d.]+)"/.exec(xml)?.[1];
  return { ports: found, elapsedSeconds: Number(elapsed ?? NaN) };
}
