// 6. The landing page of the daemon that scenario 3 left running with its largest target
// set: every page a browser may ask for must stay under 1 MB and answer within 1 s, and
// must not hold up the probes (the event loop's worst delay, read from the next scrape).
import type { PortwatchProcess, Scrape } from './portwatch.js';
import { sampleValue } from './portwatch.js';
import { median, row, type Row } from './result.js';

const MAX_BYTES = 1_000_000;
const MAX_MS = 1000;

const kB = (bytes: number): string => `${(bytes / 1000).toFixed(0)} kB`;
const mark = (met: boolean): string => (met ? 'met' : 'NOT met');

interface PageFigures {
  path: string;
  medianMs: number;
  timesMs: number[];
  bytes: number;
}

/** The pages an operator opens: the first, one state, one host, and the last (the most rows to rank). */
function paths(size: number, firstHost: string): string[] {
  const lastPage = Math.ceil(size / 100);
  return ['/', '/?state=open', `/?host=${firstHost}`, `/?page=${lastPage}`];
}

async function measure(daemon: PortwatchProcess, path: string, runs: number, failures: string[]): Promise<PageFigures> {
  const timesMs: number[] = [];
  let bytes = 0;
  for (let i = 0; i < runs; i++) {
    const page: Scrape = await daemon.get(path);
    timesMs.push(page.ms);
    bytes = Math.max(bytes, page.bytes);
    const ok = page.status === 200 && page.body.includes('<h2>Ports</h2>');
    if (!ok) failures.push(`scenario 6: GET ${path} answered ${page.status}`);
  }
  return { path, medianMs: median(timesMs) ?? NaN, timesMs, bytes };
}

export async function landingScenario(
  daemon: PortwatchProcess,
  size: number,
  firstHost: string,
  runs: number,
  failures: string[],
): Promise<Row[]> {
  // A scrape first, so that the event loop's worst delay read after the pages covers them alone.
  await daemon.scrape();
  const figures: PageFigures[] = [];
  for (const path of paths(size, firstHost)) figures.push(await measure(daemon, path, runs, failures));
  const stallMs = (sampleValue((await daemon.scrape()).body, 'nodejs_eventloop_lag_max_seconds') ?? NaN) * 1000;
  const first = figures[0]!;
  const worstMs = Math.max(...figures.map((f) => f.medianMs));
  const worstBytes = Math.max(...figures.map((f) => f.bytes));
  const met = worstMs < MAX_MS && worstBytes < MAX_BYTES;
  const each = figures.map((f) => `${f.path} ${f.medianMs.toFixed(0)} ms, ${kB(f.bytes)}`);
  return [
    row({
      scenario: `6. landing page of ${size} targets`,
      tool: 'portwatch GET / (uncompressed)',
      runs,
      medianMs: first.medianMs,
      timesMs: first.timesMs,
      peakRssMb: daemon.peakRssMb(),
      goal: `every page <1 MB, <1 s (largest ${kB(worstBytes)}, slowest ${worstMs.toFixed(0)} ms): ${mark(met)}`,
      met,
      notes: [...each, `event-loop delay max ${stallMs.toFixed(0)} ms while serving them`],
    }),
  ];
}
