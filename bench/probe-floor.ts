/**
 * The floor under scenario 1: portwatch's own connect primitive (probe/tcp-handle.ts) swept
 * over ports 1..last of one address, with nothing else of the daemon (no scheduler, checks,
 * limiter or store). Split over `threads` worker threads, each with `inFlight` attempts at
 * once. What the daemon's round takes beyond this is its bookkeeping.
 *
 *   node dist-bench/probe-floor.js THREADS LAST ADDRESS
 *
 * Prints one JSON line: {ms, open, refused, other} (other: self-connects, timeouts, other errors).
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';

interface Counts {
  open: number;
  refused: number;
  other: number;
}

interface Slice {
  address: string;
  first: number;
  last: number;
}

/** probe/tcp-handle.ts's HandleOutcome, as far as it is read here. */
interface Outcome {
  kind: string;
  code?: string;
  selfConnect?: boolean;
}

interface HandleModule {
  connectHandle(
    address: string,
    family: 4 | 6,
    port: number,
    timeoutMs: number,
    done: { settled(outcome: Outcome): void },
  ): boolean;
}

/** As many at once as the daemon allows to one address by default (DEFAULT_PER_ADDRESS). */
const IN_FLIGHT = 64;
const TIMEOUT_MS = 2000;
const HANDLE_MODULE = new URL('../dist/probe/tcp-handle.js', import.meta.url).href;

async function sweep({ address, first, last }: Slice): Promise<Counts> {
  const handles = (await import(HANDLE_MODULE)) as HandleModule;
  const counts: Counts = { open: 0, refused: 0, other: 0 };
  let next = first;
  let settled = 0;
  const total = last - first + 1;
  return new Promise((resolve, reject) => {
    const listener = {
      settled(outcome: Outcome): void {
        // A connection to itself (TCP simultaneous open on a free port) is no answer: the daemon retries it.
        if (outcome.kind === 'connected' && outcome.selfConnect !== true) counts.open++;
        else if (outcome.code === 'ECONNREFUSED') counts.refused++;
        else counts.other++;
        if (++settled === total) resolve(counts);
        else start();
      },
    };
    const start = (): void => {
      if (next > last) return;
      const started = handles.connectHandle(address, 4, next++, TIMEOUT_MS, listener);
      if (!started) reject(new Error('no TCP handle in this Node'));
    };
    for (let i = 0; i < IN_FLIGHT && i < total; i++) start();
  });
}

async function main(): Promise<void> {
  const [threadsArg, lastArg, address] = process.argv.slice(2);
  const threads = Number(threadsArg);
  const last = Number(lastArg);
  if (!Number.isInteger(threads) || threads < 1 || !Number.isInteger(last) || last < 1 || address === undefined)
    throw new Error('usage: probe-floor.js THREADS LAST ADDRESS');
  const per = Math.ceil(last / threads);
  const slices = Array.from({ length: threads }, (_, i) => ({
    address,
    first: 1 + i * per,
    last: Math.min(last, (i + 1) * per),
  }));
  // Workers are started (and their code loaded) before the clock starts, as the daemon's would be.
  const workers = slices.map((slice) => new Worker(new URL(import.meta.url), { workerData: slice }));
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve))));
  const started = performance.now();
  const results = await Promise.all(
    workers.map(
      (w) =>
        new Promise<Counts>((resolve, reject) => {
          w.once('message', resolve);
          w.once('error', reject);
          w.postMessage('go');
        }),
    ),
  );
  const ms = performance.now() - started;
  const sum = (k: keyof Counts): number => results.reduce((n, r) => n + r[k], 0);
  console.log(JSON.stringify({ ms, open: sum('open'), refused: sum('refused'), other: sum('other') }));
  await Promise.all(workers.map((w) => w.terminate()));
}

if (isMainThread) {
  await main();
} else {
  const port = parentPort!;
  const slice = workerData as Slice;
  // Loaded before saying ready, so the sweep's time holds no module loading.
  await import(HANDLE_MODULE);
  port.postMessage('ready');
  port.once('message', () => void sweep(slice).then((counts) => port.postMessage(counts)));
}
