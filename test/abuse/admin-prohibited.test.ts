import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CLI } from '../helpers/daemon.js';
import { Namespaces, netnsSkipReason } from '../helpers/netns.js';
import { describeOrSkip } from '../helpers/skip.js';

// Finding: on IPv4, ICMP "administratively prohibited" (code 13) reaches connect() as
// EHOSTUNREACH and portwatch reports host-unreach. nmap -sT, which also asks connect(), says
// the same; the README's states table says so. Both are asked here about one port behind
// `iptables -j REJECT --reject-with icmp-admin-prohibited` (and one behind
// icmp-host-unreachable, for comparison).
function nmapMissing(): string | undefined {
  try {
    execFileSync('nmap', ['--version'], { stdio: 'ignore', timeout: 10_000 });
    return undefined;
  } catch {
    return 'nmap is missing (apt-get install nmap)';
  }
}

const skip = netnsSkipReason() ?? nmapMissing();
const PROHIBITED = 5555;
const UNREACHABLE = 5556;

describeOrSkip(skip, 'IPv4 ICMP admin-prohibited', () => {
  const spaces = new Namespaces();
  let ns = '';
  beforeAll(async () => {
    await spaces.prepare(() => {
      ns = spaces.create();
      spaces.exec(ns, 'iptables', [
        '-A',
        'INPUT',
        '-p',
        'tcp',
        '--dport',
        String(PROHIBITED),
        '-j',
        'REJECT',
        '--reject-with',
        'icmp-admin-prohibited',
      ]);
      spaces.exec(ns, 'iptables', [
        '-A',
        'INPUT',
        '-p',
        'tcp',
        '--dport',
        String(UNREACHABLE),
        '-j',
        'REJECT',
        '--reject-with',
        'icmp-host-unreachable',
      ]);
    });
  });
  afterAll(() => spaces.cleanup());

  it('reads as filtered, host-unreach: what nmap -sT --reason says', () => {
    const nmap = spaces.exec(ns, 'nmap', [
      '-sT',
      '--reason',
      '-n',
      '-Pn',
      '-p',
      `${PROHIBITED},${UNREACHABLE}`,
      '127.0.0.1',
    ]);
    const nmapSays = (port: number) =>
      new RegExp(`^${port}/tcp\\s+(\\S+)\\s+\\S+\\s+(\\S+)`, 'm').exec(nmap)?.slice(1, 3);
    const out = spaces.exec(ns, process.execPath, [CLI, 'probe', '--json', `127.0.0.1:${PROHIBITED},${UNREACHABLE}`]);
    const ours = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { port: number; state: string; reason: string });
    const portwatchSays = (port: number) => {
      const r = ours.find((o) => o.port === port);
      return r && [r.state, r.reason];
    };
    console.log(
      `admin-prohibited: nmap ${JSON.stringify(nmapSays(PROHIBITED))}, ` +
        `portwatch ${JSON.stringify(portwatchSays(PROHIBITED))}`,
    );
    expect(nmapSays(PROHIBITED)).toEqual(['filtered', 'host-unreach']);
    for (const port of [PROHIBITED, UNREACHABLE]) expect(portwatchSays(port), String(port)).toEqual(nmapSays(port));
  });
});
