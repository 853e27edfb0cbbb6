import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { iptables } from './netns.js';
import { portStates, sampleValue } from './portwatch.js';
import { mark, portwatchRound, runsOf, truthFor, type BenchOptions, type PortwatchRun } from './round.js';
import { runTool, which, type ThreadTimes } from './proc.js';
import { fmtRatio, median, ratio, row, type Row, type ScenarioOutcome } from './result.js';
import { CLOSED, FILTERED, judge, OPEN, openListeners, range } from './targets.js';
import { blackboxRound, startBlackbox } from './blackbox.js';
import { promClientAnchor } from './prom-anchor.js';
import { ProbeFloor } from './floor.js';
import { landingScenario } from './landing.js';

/** nmap -oG output as `ip:port` to state, for the ports it was asked about. */
function nmapStates(out: string, ip: string, ports: readonly number[]): Map<string, number> {
  const value: Record<string, number> = { open: OPEN, closed: CLOSED, filtered: FILTERED };
  const seen = new Map<string, number>();
  const line = out.split('\n').find((l) => l.startsWith(`Host: ${ip} `) && l.includes('Ports:'));
  if (line === undefined) return seen;
  const ignored = /Ignored State: (\w+)/.exec(line)?.[1];
  const listed = new Map<number, string>();
  for (const m of (/Ports: ([^\t]*)/.exec(line)?.[1] ?? '').matchAll(/(\d+)\/([a-z|]+)\//g))
    listed.set(Number(m[1]), m[2]!);
  for (const port of ports) {
    const state = listed.get(port) ?? ignored;
    if (state !== undefined && state in value) seen.set(`${ip}:${port}`, value[state]!);
  }
  return seen;
}

/** 1. One host, every port, a handful open. */
export async function fullRange(o: BenchOptions): Promise<ScenarioOutcome> {
  const ip = '127.0.0.1';
  const last = o.smoke ? 2000 : 65535;
  const open = o.smoke ? [22, 80, 443, 1500] : [22, 80, 443, 8080, 40000];
  const closed = range(1, last).filter((p) => !open.includes(p));
  const truth = truthFor(
    [ip],
    [
      [open, OPEN],
      [closed, CLOSED],
    ],
  );
  const scenario = `1. full range 1-${last}, ${open.length} open`;
  const runs = runsOf(o, 10);
  const close = await openListeners(open.map((port) => ({ host: ip, port })));
  const failures: string[] = [];
  const pw = { times: [] as number[], starts: [] as number[], cpus: [] as ThreadTimes[], rss: 0, right: 0, wrong: 0 };
  const nm = { times: [] as number[], rss: 0, right: 0, wrong: 0 };
  const hasNmap = which('nmap');
  const floors = [1, 2].map((threads) => new ProbeFloor(threads, ip, last, open.length));
  try {
    for (let i = 0; i < runs; i++) {
      if (hasNmap) {
        const r = await runTool('nmap', ['-sT', `-p${o.smoke ? '1-2000' : '-'}`, '-n', '-Pn', '-oG', '-', ip], 120_000);
        if (r.code !== 0) failures.push(`nmap exited ${r.code}: ${r.stderr}`);
        const v = judge(truth, nmapStates(r.stdout, ip, range(1, last)));
        nm.times.push(r.wallMs);
        nm.rss = Math.max(nm.rss, r.peakRssMb);
        nm.right += v.right;
        nm.wrong += v.wrong;
      }
      const r = await portwatchRound(o, 'full-range', [{ name: 'full', hosts: [ip], open, closed }], truth, 120_000);
      pw.times.push(r.roundMs);
      pw.starts.push(r.startMs);
      if (r.cpu !== undefined) pw.cpus.push(r.cpu);
      pw.rss = Math.max(pw.rss, r.rssMb);
      pw.right += r.verdicts.right;
      pw.wrong += r.verdicts.wrong;
      if (r.verdicts.wrong)
        failures.push(`scenario 1 run ${i + 1}: portwatch wrong: ${r.verdicts.examples.join('; ')}`);
      for (const floor of floors) await floor.run(failures);
    }
  } finally {
    await close();
  }
  const rows: Row[] = [];
  const nmMedian = median(nm.times);
  // nmap's runs here fall in two groups, one about a second slower: the median then depends on how many were slow.
  const nmFastest = nm.times.length > 0 ? Math.min(...nm.times) : undefined;
  const nmSlow = nmFastest === undefined ? 0 : nm.times.filter((t) => t > nmFastest + 500).length;
  const nmNotes =
    nmSlow > 0
      ? [
          `${nmSlow} of ${nm.times.length} runs took about ` +
            `${((median(nm.times.filter((t) => t > nmFastest! + 500))! - nmFastest!) / 1000).toFixed(1)} s ` +
            `longer than its fastest, ${(nmFastest! / 1000).toFixed(2)} s`,
        ]
      : [];
  if (hasNmap)
    rows.push(
      row({
        scenario,
        tool: `nmap -sT -p${o.smoke ? '1-2000' : '-'} -n -Pn`,
        runs,
        medianMs: nmMedian,
        timesMs: nm.times,
        peakRssMb: nm.rss,
        right: nm.right,
        wrong: nm.wrong,
        notes: nmNotes,
      }),
    );
  const pwMedian = median(pw.times);
  // The anchor is nmap at its best: its median depends on how many of its runs were slow.
  const r = ratio(pwMedian, nmFastest);
  const toMedian = ratio(pwMedian, nmMedian);
  const met = r !== undefined && r <= 1 && pw.rss <= 150 && pw.wrong === 0;
  rows.push(
    row({
      scenario,
      tool: "portwatch (ratio to nmap's fastest run)",
      runs,
      medianMs: pwMedian,
      timesMs: pw.times,
      peakRssMb: pw.rss,
      right: pw.right,
      wrong: pw.wrong,
      ratio: fmtRatio(r),
      goal: `ratio <=1.0, RSS <=150 MB, 0 wrong: ${hasNmap ? mark(met) : 'no nmap, skipped'}`,
      met: hasNmap ? met : undefined,
      notes: [
        `process start before the round: median ${Math.round(median(pw.starts) ?? 0)} ms`,
        ...(toMedian !== undefined ? [`ratio to nmap's median ${fmtRatio(toMedian)}`] : []),
        ...(r !== undefined && r > 1
          ? [
              `held back by ${userMicrosPerCheck(pw.cpus, last)} of its own work per port on one thread, ` +
                "on top of the connect and close in the kernel that nmap's time is made of",
            ]
          : []),
        ...(pw.rss > 150
          ? [
              `RSS held back by the base process of Node.js ${process.versions.node.split('.')[0]} ` +
                '(README, Memory), ~410 bytes of state per port and the GC headroom over it',
            ]
          : []),
      ],
    }),
  );
  rows.push(...floors.map((f) => f.row(scenario, nmFastest)));
  return { rows, extra: {}, failures };
}

/** 2. Thousands of ports silently dropped, a few open. */
export async function firewalled(o: BenchOptions): Promise<ScenarioOutcome> {
  const ip = '127.0.0.1';
  const dropped = o.smoke ? range(20001, 20200) : range(20001, 30000);
  const open = [80, 443, 8080];
  const truth = truthFor(
    [ip],
    [
      [open, OPEN],
      [dropped, FILTERED],
    ],
  );
  const scenario = `2. ${dropped.length} ports DROPped, ${open.length} open`;
  const capMs = o.smoke ? 30_000 : 120_000;
  const rule = ['INPUT', '-d', ip, '-p', 'tcp', '--dport', `${dropped[0]}:${dropped.at(-1)}`, '-j', 'DROP'];
  iptables('-A', ...rule);
  const close = await openListeners(open.map((port) => ({ host: ip, port })));
  const failures: string[] = [];
  const rows: Row[] = [];
  try {
    let nmMs: number | undefined;
    let nmBound = false;
    if (which('nmap')) {
      // Once only, and cut off: at its default timing nmap takes minutes here.
      const r = await runTool(
        'nmap',
        ['-sT', `-p${open.join(',')},${dropped[0]}-${dropped.at(-1)}`, '-n', '-Pn', '-oG', '-', ip],
        capMs,
      );
      nmBound = r.killed;
      nmMs = r.killed ? capMs : r.wallMs;
      const v = r.killed ? undefined : judge(truth, nmapStates(r.stdout, ip, [...open, ...dropped]));
      rows.push(
        row({
          scenario,
          tool: 'nmap -sT -n -Pn',
          runs: 1,
          medianMs: r.killed ? undefined : r.wallMs,
          timesMs: [r.wallMs],
          peakRssMb: r.peakRssMb,
          right: v?.right,
          wrong: v?.wrong,
          notes: r.killed ? [`killed after ${capMs / 1000} s, unfinished`] : [],
        }),
      );
    }
    const runs = runsOf(o, 3);
    const times: number[] = [];
    let rss = 0;
    let right = 0;
    let wrong = 0;
    for (let i = 0; i < runs; i++) {
      const r = await portwatchRound(
        o,
        'firewalled',
        [{ name: 'firewalled', hosts: [ip], open, closed: dropped }],
        truth,
        300_000,
      );
      times.push(r.roundMs);
      rss = Math.max(rss, r.rssMb);
      right += r.verdicts.right;
      wrong += r.verdicts.wrong;
      if (r.verdicts.wrong)
        failures.push(`scenario 2 run ${i + 1}: portwatch wrong: ${r.verdicts.examples.join('; ')}`);
    }
    const m = median(times);
    const rr = ratio(m, nmMs);
    const met = rr !== undefined && rr <= 0.1 && wrong === 0;
    rows.push(
      row({
        scenario,
        tool: 'portwatch (defaults, timeout 3s)',
        runs,
        medianMs: m,
        timesMs: times,
        peakRssMb: rss,
        right,
        wrong,
        ratio: fmtRatio(rr, nmBound),
        goal: `all right, ratio <=0.1: ${nmMs === undefined ? 'no nmap, skipped' : mark(met)}`,
        met: nmMs === undefined ? undefined : met,
        // No silent port is called filtered before its full timeout: that is the floor.
        notes:
          nmMs !== undefined && !met && nmMs * 0.1 < 3000
            ? [`held back by the 3 s timeout, a floor: the goal asks ${((nmMs * 0.1) / 1000).toFixed(2)} s`]
            : [],
      }),
    );
  } finally {
    await close();
    iptables('-D', ...rule);
  }
  return { rows, extra: {}, failures };
}

/** Hosts 127.10.x.y, enough of them for `size` targets at 100 ports each. */
export function breadthHosts(size: number): string[] {
  return Array.from({ length: Math.ceil(size / 100) }, (_, i) => `127.10.${Math.floor(i / 250)}.${(i % 250) + 1}`);
}

export const BREADTH_OPEN = [1001, 1050];
export const BREADTH_CLOSED = range(1001, 1100).filter((p) => !BREADTH_OPEN.includes(p));

/** 3 and 4. Many targets in one round; then scrapes of that many series. */
export async function breadthAndScrape(o: BenchOptions): Promise<ScenarioOutcome> {
  const sizes = o.smoke ? [1000, 2000] : [1000, 10_000, 100_000];
  const failures: string[] = [];
  const cost: Array<{ targets: number; medianMs: number; rssMb: number; p99Ms: number; maxMs: number }> = [];
  const rows: Row[] = [];
  const close = await openListeners(BREADTH_OPEN.map((port) => ({ host: '0.0.0.0', port })));
  let kept: PortwatchRun | undefined;
  try {
    for (const size of sizes) {
      const hosts = breadthHosts(size);
      const truth = truthFor(hosts, [
        [BREADTH_OPEN, OPEN],
        [BREADTH_CLOSED, CLOSED],
      ]);
      const runs = runsOf(o, size >= 100_000 ? 3 : 3);
      const times: number[] = [];
      let rss = 0;
      let p99 = 0;
      let max = 0;
      let right = 0;
      let wrong = 0;
      for (let i = 0; i < runs; i++) {
        const keep = size === sizes.at(-1) && i === runs - 1;
        const r = await portwatchRound(
          o,
          `breadth-${size}`,
          [{ name: 'breadth', hosts, open: BREADTH_OPEN, closed: BREADTH_CLOSED }],
          truth,
          120_000,
          keep,
          true,
        );
        if (keep) kept = r;
        times.push(r.roundMs);
        rss = Math.max(rss, r.rssMb);
        // prom-client's event-loop histogram, collected by this first scrape: from start-up through the round.
        p99 = Math.max(p99, (sampleValue(r.scrape.body, 'nodejs_eventloop_lag_p99_seconds') ?? NaN) * 1000);
        max = Math.max(max, (sampleValue(r.scrape.body, 'nodejs_eventloop_lag_max_seconds') ?? NaN) * 1000);
        right += r.verdicts.right;
        wrong += r.verdicts.wrong;
        if (r.verdicts.wrong)
          failures.push(`scenario 3 (${size}) run ${i + 1}: portwatch wrong: ${r.verdicts.examples.join('; ')}`);
      }
      const m = median(times) ?? NaN;
      cost.push({ targets: size, medianMs: m, rssMb: rss, p99Ms: p99, maxMs: max });
      if (size === sizes.at(-1)) {
        const mid = cost.at(-2);
        // Linear or better: the cost per added target at the top size is no more than 1.25x that below it.
        const linTime = mid === undefined || m / size <= 1.25 * (mid.medianMs / mid.targets);
        const linRss =
          mid === undefined || (rss - mid.rssMb) / (size - mid.targets) <= 1.25 * (mid.rssMb / mid.targets);
        const met = m <= 10_000 && rss <= 250 && p99 <= 50 && linTime && linRss && wrong === 0;
        rows.push(
          row({
            scenario: `3. breadth: ${size} targets (${hosts.length} addresses x 100 ports)`,
            tool: 'portwatch',
            runs,
            medianMs: m,
            timesMs: times,
            peakRssMb: rss,
            right,
            wrong,
            goal: `<=10 s, <=250 MB, loop p99 <=50 ms (${p99.toFixed(0)} ms), linear: ${mark(met)}`,
            met,
            notes: [
              `event-loop delay p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms during the round`,
              `linear time ${linTime}, linear memory ${linRss}`,
              ...(rss > 250
                ? [
                    'RSS held back by ~1 KB of state per target plus the checks waiting for a probe slot ' +
                      '(as many as probes under way) and GC headroom',
                  ]
                : []),
            ],
          }),
        );
      }
    }
    if (kept) rows.push(...(await scrapeScenario(o, kept, sizes.at(-1)!, failures)));
    if (kept)
      rows.push(
        ...(await landingScenario(kept.daemon, sizes.at(-1)!, breadthHosts(sizes.at(-1)!)[0]!, runsOf(o, 5), failures)),
      );
  } finally {
    await kept?.daemon.stop();
    await close();
  }
  return { rows, extra: { breadthCost: cost }, failures };
}

async function scrapeScenario(o: BenchOptions, run: PortwatchRun, size: number, failures: string[]): Promise<Row[]> {
  const scenario = `4. scrape of ${size} targets (${size * 6} samples)`;
  const daemon = run.daemon;
  const lagMax = (text: string): number => (sampleValue(text, 'nodejs_eventloop_lag_max_seconds') ?? NaN) * 1000;
  const anchor = await promClientAnchor(size, runsOf(o, 3));
  const times: number[] = [];
  let stall = 0;
  for (let i = 0; i < runsOf(o, 5); i++) {
    const s = await daemon.scrape();
    times.push(s.ms);
    stall = Math.max(stall, lagMax(s.body));
    if (s.status !== 200 || portStates(s.body).size !== size)
      failures.push(`scenario 4: scrape ${i + 1} answered ${s.status} with ${portStates(s.body).size} series`);
  }
  const gz = await daemon.scrape({ gzip: true });
  const gzipOk = gz.encoding === 'gzip' && portStates(gz.body).size === size;
  if (!gzipOk)
    failures.push(`scenario 4: gzip scrape answered encoding ${gz.encoding} with ${portStates(gz.body).size} series`);
  const t0 = performance.now();
  // Counted as they stream, not parsed: the bench's own work would otherwise compete with the daemon's.
  const concurrent = await Promise.all(Array.from({ length: 10 }, () => daemon.scrapeCounted()));
  const concurrentMs = performance.now() - t0;
  // Each scrape reports the loop's worst delay since the one before; one more covers the last of them.
  const after = await daemon.scrape();
  const concurrentStall = Math.max(...concurrent.map((s) => lagMax(s.tail)), lagMax(after.body));
  stall = Math.max(stall, lagMax(gz.body));
  for (const s of concurrent)
    if (s.status !== 200 || s.series !== size)
      failures.push(`scenario 4: a concurrent scrape answered ${s.status} with ${s.series} series`);
  const rssMb = daemon.peakRssMb();
  const m = median(times);
  const r = ratio(m, anchor.medianMs);
  const met = r !== undefined && r <= 0.25 && stall <= 50 && concurrentStall <= 50 && gzipOk;
  return [
    row({
      scenario,
      tool: 'prom-client registry.metrics()',
      runs: anchor.timesMs.length,
      medianMs: anchor.medianMs,
      timesMs: anchor.timesMs,
      peakRssMb: anchor.rssMb,
      notes: ['in-process, same series, loop blocked throughout'],
    }),
    row({
      scenario,
      tool: 'portwatch GET /metrics',
      runs: times.length,
      medianMs: m,
      timesMs: times,
      peakRssMb: rssMb,
      ratio: fmtRatio(r),
      goal:
        `ratio <=0.25, stall <=50 ms (${stall.toFixed(0)}; 10 concurrent: ${concurrentStall.toFixed(0)} ms), ` +
        `gzip: ${mark(met)}`,
      met,
      notes: [
        `gzip ${(gz.bytes / 1e6).toFixed(1)} MB in ${gz.ms.toFixed(0)} ms`,
        `10 concurrent scrapes: ${concurrentMs.toFixed(0)} ms in all`,
      ],
    }),
  ];
}

/** 5. The same TCP checks as blackbox_exporter, driven as Prometheus would. */
export async function sameAsBlackbox(o: BenchOptions): Promise<ScenarioOutcome> {
  const size = o.smoke ? 200 : 5000;
  const hosts = Array.from({ length: size / 100 }, (_, i) => `127.20.0.${i + 1}`);
  const open = range(2001, 2010);
  const closed = range(2011, 2100);
  const truth = truthFor(hosts, [
    [open, OPEN],
    [closed, CLOSED],
  ]);
  const scenario = `5. ${size} host:port checks (${open.length * hosts.length} open)`;
  const failures: string[] = [];
  const rows: Row[] = [];
  const runs = runsOf(o, 3);
  const close = await openListeners(open.map((port) => ({ host: '0.0.0.0', port })));
  try {
    let bbMedian: number | undefined;
    const bb = await startBlackbox(o.tmp);
    if (bb === undefined) {
      rows.push(
        row({
          scenario,
          tool: 'blackbox_exporter',
          notes: ['prometheus-blackbox-exporter is not installed (bench/setup.sh): skipped'],
        }),
      );
    } else {
      try {
        const times: number[] = [];
        let right = 0;
        let wrong = 0;
        for (let i = 0; i < runs; i++) {
          const r = await blackboxRound(bb, truth, 128);
          times.push(r.ms);
          right += r.verdicts.right;
          wrong += r.verdicts.wrong;
        }
        bbMedian = median(times);
        rows.push(
          row({
            scenario,
            tool: 'blackbox_exporter /probe, 128 in flight',
            runs,
            medianMs: bbMedian,
            timesMs: times,
            peakRssMb: bb.peakRssMb(),
            right,
            wrong,
          }),
        );
      } finally {
        await bb.stop();
      }
    }
    const times: number[] = [];
    const cpus: ThreadTimes[] = [];
    let rss = 0;
    let right = 0;
    let wrong = 0;
    for (let i = 0; i < runs; i++) {
      const r = await portwatchRound(o, 'blackbox-same', [{ name: 'same', hosts, open, closed }], truth, 60_000);
      times.push(r.roundMs);
      if (r.cpu !== undefined) cpus.push(r.cpu);
      rss = Math.max(rss, r.rssMb);
      right += r.verdicts.right;
      wrong += r.verdicts.wrong;
      if (r.verdicts.wrong)
        failures.push(`scenario 5 run ${i + 1}: portwatch wrong: ${r.verdicts.examples.join('; ')}`);
    }
    const m = median(times);
    const r = ratio(m, bbMedian);
    const met = r !== undefined && r <= 0.2 && wrong === 0;
    rows.push(
      row({
        scenario,
        tool: 'portwatch (one round)',
        runs,
        medianMs: m,
        timesMs: times,
        peakRssMb: rss,
        right,
        wrong,
        ratio: fmtRatio(r),
        goal: `ratio <=0.2: ${bbMedian === undefined ? 'no anchor, skipped' : mark(met)}`,
        met: bbMedian === undefined ? undefined : met,
        notes: bbMedian !== undefined && !met && m !== undefined ? [heldBackByCpu(cpus, size)] : [],
      }),
    );
  } finally {
    await close();
  }
  return { rows, extra: {}, failures };
}

/** Where a round's time went, from the daemon's thread times (medians over the runs). */
function heldBackByCpu(cpus: readonly ThreadTimes[], checks: number): string {
  const run = median(cpus.map((c) => c.mainRunMs));
  const wait = median(cpus.map((c) => c.mainWaitMs));
  const others = median(cpus.map((c) => c.othersRunMs));
  if (run === undefined || wait === undefined || others === undefined) return 'held back by per-check work';
  return (
    `held back by CPU on ${availableParallelism()} cores: the main thread ran ${run.toFixed(0)} ms ` +
    `(${Math.round((run * 1000) / checks)} µs a check, its connects and closes in the kernel included) ` +
    `and waited ${wait.toFixed(0)} ms for a CPU, while V8's helper threads (GC, compiler) ran ${others.toFixed(0)} ms`
  );
}

/** The main thread's time outside the kernel per check (median over the runs), e.g. "5 µs". */
function userMicrosPerCheck(cpus: readonly ThreadTimes[], checks: number): string {
  const user = median(cpus.map((c) => c.mainRunMs - c.mainKernelMs));
  return user === undefined ? 'its work' : `${((user * 1000) / checks).toFixed(1)} µs`;
}
