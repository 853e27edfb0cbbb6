// Soak: the built daemon checks N loopback ports every second inside a namespace of its
// own for M minutes. Fails on a memory or handle leak (least-squares slope after warm-up),
// an event-loop stall over 100 ms, or a wrong verdict at the end. Not part of `npm test`:
//   npm run soak -- --minutes 10 --targets 10000
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Namespaces, netnsSkipReason } from '../helpers/netns.js';
import { find, type Sample } from '../helpers/scrape.js';
import { killAll, startNsDaemon, writeConfig } from '../faults/helpers/ns-daemon.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    targets: { type: 'string', default: '10000' },
    'warmup-minutes': { type: 'string' },
    'max-rss-slope-mb-per-min': { type: 'string', default: '4' },
    'max-stall-ms': { type: 'string', default: '100' },
  },
});
const MINUTES = Number(values.minutes);
const TARGETS = Number(values.targets);
const WARMUP_MIN = Number(values['warmup-minutes'] ?? Math.min(2, MINUTES / 3));
const MAX_SLOPE = Number(values['max-rss-slope-mb-per-min']);
const MAX_STALL_MS = Number(values['max-stall-ms']);
const SAMPLE_MS = 10_000;
const OPEN = 100;
const FIRST = 20001;
const LAST = FIRST + TARGETS - 1;

interface Point {
  minute: number;
  rssMb: number;
  handles: number;
  lagMaxMs: number;
  probesPerSecond: number;
}

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

const total = (s: Sample[], name: string): number => find(s, name).reduce((a, x) => a + x.value, 0);

async function main(): Promise<number> {
  const skip = netnsSkipReason();
  if (skip !== undefined) {
    console.error(`soak: cannot run: ${skip}`);
    return 2;
  }
  process.env['PORTWATCH_CLI'] ??= resolve('dist/cli.js');
  const spaces = new Namespaces();
  const config = writeConfig(
    `defaults:\n  interval: 1s\n  timeout: 500ms\nmonitors:\n  - name: soak\n    hosts: [127.0.0.1]\n` +
      `    expect_open: ["${FIRST}-${FIRST + OPEN - 1}"]\n    expect_closed: ["${FIRST + OPEN}-${LAST}"]\n`,
  );
  const cleanup = (): void => (killAll(), spaces.cleanup(), config.remove());
  process.once('SIGINT', () => (cleanup(), process.exit(130)));
  try {
    const ns = spaces.create();
    const listeners = `const net = require('node:net'); let n = 0;
      for (let p = ${FIRST}; p < ${FIRST + OPEN}; p++)
        net.createServer((s) => s.on('error', () => {}))
          .listen(p, '127.0.0.1', () => { if (++n === ${OPEN}) console.log('ready'); });`;
    await spaces.start(ns, process.execPath, ['-e', listeners], 'ready');
    const daemon = await startNsDaemon(ns, [`--config.file=${config.file}`]);
    const t0 = Date.now();
    const first = await daemon.waitForLog((l) => l.msg === 'first round complete', 120_000);
    console.log(
      `soak: ${TARGETS} targets every 1 s for ${MINUTES} min (warm-up ${WARMUP_MIN} min); ` +
        `first round ${Number(first['durationSeconds']).toFixed(2)} s`,
    );
    const points: Point[] = [];
    let lastProbes = total(await daemon.scrape(), 'portwatch_probes_total');
    let lastAt = Date.now();
    // Bounded: one sample per 10 s until the time is up.
    for (let i = 0; i < Math.ceil((MINUTES * 60_000) / SAMPLE_MS); i++) {
      await new Promise((r) => setTimeout(r, SAMPLE_MS));
      const s = await daemon.scrape();
      const probes = total(s, 'portwatch_probes_total');
      const now = Date.now();
      points.push({
        minute: (now - t0) / 60_000,
        rssMb: total(s, 'process_resident_memory_bytes') / 2 ** 20,
        handles: total(s, 'nodejs_active_handles'),
        lagMaxMs: total(s, 'nodejs_eventloop_lag_max_seconds') * 1000,
        probesPerSecond: (probes - lastProbes) / ((now - lastAt) / 1000),
      });
      [lastProbes, lastAt] = [probes, now];
      const p = points.at(-1)!;
      console.log(
        `  ${p.minute.toFixed(1).padStart(5)} min  rss ${p.rssMb.toFixed(1).padStart(6)} MB  ` +
          `handles ${String(p.handles).padStart(5)}  lag max ${p.lagMaxMs.toFixed(1).padStart(6)} ms  ` +
          `${p.probesPerSecond.toFixed(0).padStart(6)} probes/s`,
      );
    }
    const end = await daemon.scrape();
    const states = find(end, 'port_state');
    const wrong = states.filter((x) => x.value !== (Number(x.labels['port']) < FIRST + OPEN ? 1 : 0)).length;
    const after = points.filter((p) => p.minute >= WARMUP_MIN);
    const rssSlope = slope(
      after.map((p) => p.minute),
      after.map((p) => p.rssMb),
    );
    const handleSlope = slope(
      after.map((p) => p.minute),
      after.map((p) => p.handles),
    );
    const meanHandles = after.reduce((a, p) => a + p.handles, 0) / Math.max(1, after.length);
    const maxLag = Math.max(...after.map((p) => p.lagMaxMs));
    const stop = await daemon.stop();
    const checks = {
      rss: rssSlope <= MAX_SLOPE,
      handles: handleSlope <= Math.max(20, 0.05 * meanHandles),
      stall: maxLag <= MAX_STALL_MS,
      verdicts: wrong === 0 && states.length === TARGETS,
      exit: stop.code === 0,
    };
    const summary = {
      date: new Date().toISOString(),
      node: process.version,
      minutes: MINUTES,
      targets: TARGETS,
      warmupMinutes: WARMUP_MIN,
      firstRoundSeconds: Number(first['durationSeconds']),
      rssMb: {
        start: after[0]?.rssMb,
        end: after.at(-1)?.rssMb,
        max: Math.max(...points.map((p) => p.rssMb)),
        slopePerMinute: rssSlope,
        limit: MAX_SLOPE,
      },
      handles: { mean: meanHandles, max: Math.max(...points.map((p) => p.handles)), slopePerMinute: handleSlope },
      eventLoopLagMaxMs: {
        afterWarmup: maxLag,
        includingWarmup: Math.max(...points.map((p) => p.lagMaxMs)),
        limit: MAX_STALL_MS,
      },
      probesPerSecond: after.reduce((a, p) => a + p.probesPerSecond, 0) / Math.max(1, after.length),
      verdicts: { ports: states.length, wrong },
      shutdown: { code: stop.code, ms: Math.round(stop.ms) },
      pass: Object.values(checks).every(Boolean),
      checks,
      samples: points,
    };
    mkdirSync('test/soak/results', { recursive: true });
    writeFileSync('test/soak/results/latest.json', `${JSON.stringify(summary, null, 2)}\n`);
    const row = (k: string, v: string, ok?: boolean): string =>
      `  ${k.padEnd(28)} ${v.padEnd(34)} ${ok === undefined ? '' : ok ? 'ok' : 'FAIL'}`;
    console.log(
      [
        '',
        row('targets x interval', `${TARGETS} x 1 s, ${MINUTES} min`),
        row('probes per second', summary.probesPerSecond.toFixed(0)),
        row(
          'RSS after warm-up',
          `${summary.rssMb.start?.toFixed(1)} -> ${summary.rssMb.end?.toFixed(1)} MB ` +
            `(max ${summary.rssMb.max.toFixed(1)})`,
        ),
        row('RSS slope', `${rssSlope.toFixed(2)} MB/min (limit ${MAX_SLOPE})`, checks.rss),
        row(
          'active handles',
          `mean ${meanHandles.toFixed(0)}, max ${summary.handles.max}, slope ${handleSlope.toFixed(1)}/min`,
          checks.handles,
        ),
        row('event-loop lag max', `${maxLag.toFixed(1)} ms after warm-up (limit ${MAX_STALL_MS})`, checks.stall),
        row('verdicts at the end', `${states.length - wrong}/${TARGETS} right`, checks.verdicts),
        row('SIGTERM', `exit ${stop.code} in ${Math.round(stop.ms)} ms`, checks.exit),
        '',
        `soak: ${summary.pass ? 'PASS' : 'FAIL'} (test/soak/results/latest.json)`,
      ].join('\n'),
    );
    return summary.pass ? 0 : 1;
  } finally {
    cleanup();
  }
}

process.exitCode = await main();
