import { runTool, which } from './proc.js';
import { mark, portwatchRound, runsOf, type BenchOptions } from './round.js';
import { fmtRatio, median, ratio, row, type Row, type ScenarioOutcome } from './result.js';
import { CLOSED, FILTERED, judge, OPEN, type Truth } from './targets.js';
import { startUdpHosts, type UdpHostPorts } from './udp-hosts.js';

/** The group's UDP ports, read from the built portwatch so that the bench follows the group. */
async function amplificationPorts(): Promise<number[]> {
  const groups = (await import(new URL('../dist/config/port-groups.js', import.meta.url).href)) as {
    UDP_PORT_GROUPS?: Record<string, readonly number[]>;
  };
  const ports = groups.UDP_PORT_GROUPS?.['udp-amplification'];
  if (ports === undefined) throw new Error('the built portwatch has no udp-amplification group');
  return [...ports];
}

/** What each port of every host is: two answer, one drops, one rejects, the rest are closed. */
function portsOf(group: readonly number[]): UdpHostPorts & { closed: number[] } {
  const pick = (port: number): number[] => (group.includes(port) ? [port] : []);
  const answering = [...pick(53), ...pick(123)];
  const dropped = pick(161);
  const rejected = pick(1900);
  const special = new Set([...answering, ...dropped, ...rejected]);
  return { answering, dropped, rejected, closed: group.filter((p) => !special.has(p)) };
}

function truthOf(ips: readonly string[], ports: ReturnType<typeof portsOf>): Truth {
  const truth: Truth = new Map();
  for (const ip of ips) {
    for (const p of ports.answering) truth.set(`${ip}:${p}/udp`, OPEN);
    // open|filtered and filtered are both -1 in port_state.
    for (const p of [...ports.dropped, ...ports.rejected]) truth.set(`${ip}:${p}/udp`, FILTERED);
    for (const p of ports.closed) truth.set(`${ip}:${p}/udp`, CLOSED);
  }
  return truth;
}

/** nmap -sU -oG output as `ip:port/udp` to port_state's value. */
function nmapUdpStates(out: string): Map<string, number> {
  const value: Record<string, number> = { open: OPEN, closed: CLOSED, filtered: FILTERED, 'open|filtered': FILTERED };
  const seen = new Map<string, number>();
  for (const line of out.split('\n')) {
    const ip = /^Host: (\S+) .*Ports: /.exec(line)?.[1];
    if (ip === undefined) continue;
    for (const m of (/Ports: ([^\t]*)/.exec(line)?.[1] ?? '').matchAll(/(\d+)\/([a-z|]+)\/udp\//g)) {
      const v = value[m[2]!];
      if (v !== undefined) seen.set(`${ip}:${m[1]}/udp`, v);
    }
  }
  return seen;
}

/** 7. The UDP amplification group on hosts of their own, each with the kernel's ICMP rate limits. */
export async function udpAmplification(o: BenchOptions): Promise<ScenarioOutcome> {
  const group = await amplificationPorts();
  const ports = portsOf(group);
  const hosts = await startUdpHosts(o.smoke ? 2 : 16, ports);
  const scenario = `7. UDP amplification group (${group.length} ports) on ${hosts.ips.length} hosts`;
  const truth = truthOf(hosts.ips, ports);
  const runs = runsOf(o, 3);
  const failures: string[] = [];
  const pw = { times: [] as number[], rss: 0, right: 0, wrong: 0 };
  const nm = { times: [] as number[], rss: 0, right: 0, wrong: 0 };
  const hasNmap = which('nmap');
  try {
    for (let i = 0; i < runs; i++) {
      if (hasNmap) {
        await refilled();
        const args = ['-sU', '-Pn', '-n', `-pU:${group.join(',')}`, '-oG', '-', ...hosts.ips];
        const r = await runTool('nmap', args, 600_000);
        if (r.code !== 0) failures.push(`nmap exited ${r.code}: ${r.stderr}`);
        const v = judge(truth, nmapUdpStates(r.stdout));
        Object.assign(nm, { rss: Math.max(nm.rss, r.peakRssMb), right: nm.right + v.right, wrong: nm.wrong + v.wrong });
        nm.times.push(r.wallMs);
      }
      await refilled();
      const monitor = { name: 'udp', hosts: hosts.ips, protocol: 'udp' as const };
      const r = await portwatchRound(
        o,
        'udp',
        [{ ...monitor, open: ports.answering, closed: portsExpectedClosed(ports) }],
        truth,
        600_000,
      );
      Object.assign(pw, {
        rss: Math.max(pw.rss, r.rssMb),
        right: pw.right + r.verdicts.right,
        wrong: pw.wrong + r.verdicts.wrong,
      });
      pw.times.push(r.roundMs);
      if (r.verdicts.wrong)
        failures.push(`scenario 7 run ${i + 1}: portwatch wrong: ${r.verdicts.examples.join('; ')}`);
    }
  } finally {
    hosts.close();
  }
  return { rows: rowsOf(scenario, runs, pw, nm, hasNmap), extra: {}, failures };
}

/**
 * Waits until the hosts' ICMP error budgets (Linux: a burst of 6, one a second) are full
 * again, so that neither tool starts on what the other one spent.
 */
function refilled(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 7000));
}

function portsExpectedClosed(ports: ReturnType<typeof portsOf>): number[] {
  return [...ports.dropped, ...ports.rejected, ...ports.closed].sort((a, b) => a - b);
}

interface Tally {
  times: number[];
  rss: number;
  right: number;
  wrong: number;
}

function rowsOf(scenario: string, runs: number, pw: Tally, nm: Tally, hasNmap: boolean): Row[] {
  const rows: Row[] = [];
  const nmMedian = median(nm.times);
  if (hasNmap) {
    const tool = 'nmap -sU -Pn -n';
    rows.push(row({ scenario, tool, runs, medianMs: nmMedian, timesMs: nm.times, peakRssMb: nm.rss, ...tallied(nm) }));
  }
  const pwMedian = median(pw.times);
  const r = ratio(pwMedian, nmMedian);
  const met = r !== undefined && r <= 1 && pw.wrong === 0;
  rows.push(
    row({
      scenario,
      tool: 'portwatch (defaults: timeout 3s, 2 retries)',
      runs,
      medianMs: pwMedian,
      timesMs: pw.times,
      peakRssMb: pw.rss,
      ...tallied(pw),
      ratio: fmtRatio(r),
      goal: `all right, ratio <=1.0: ${hasNmap ? mark(met) : 'no nmap, skipped'}`,
      met: hasNmap ? met : undefined,
    }),
  );
  return rows;
}

const tallied = (t: Tally): { right: number; wrong: number } => ({ right: t.right, wrong: t.wrong });
