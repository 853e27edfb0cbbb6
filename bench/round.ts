import { join } from 'node:path';
import { logTime, PortwatchProcess, portStates, type Scrape } from './portwatch.js';
import { threadTimesBetween, type ThreadTimes } from './proc.js';
import { judge, writeConfig, type MonitorSpec, type Truth, type Verdicts } from './targets.js';

export interface BenchOptions {
  smoke: boolean;
  /** Overrides every scenario's number of runs. */
  runs: number | undefined;
  tmp: string;
}

export const runsOf = (o: BenchOptions, full: number): number => o.runs ?? (o.smoke ? 1 : full);

export interface PortwatchRun {
  roundMs: number;
  startMs: number;
  rssMb: number;
  verdicts: Verdicts;
  scrape: Scrape;
  daemon: PortwatchProcess;
  /** CPU of the daemon's threads from its start line to its round-complete line, as read when each arrived (late). */
  cpu: ThreadTimes | undefined;
}

/**
 * One daemon from start to its first round: round time from its own log lines (the
 * daemon is long-running; its process start is reported apart), peak RSS when the round
 * completed, verdicts from a scrape. Left running when keep is set.
 */
export async function portwatchRound(
  o: BenchOptions,
  name: string,
  monitors: MonitorSpec[],
  truth: Truth,
  roundLimitMs: number,
  keep = false,
  lagFromStart = false,
): Promise<PortwatchRun> {
  const file = join(o.tmp, `${name}.yaml`);
  writeConfig(file, monitors);
  const daemon = new PortwatchProcess(file);
  try {
    const started = await daemon.started();
    const cpuAtStart = daemon.threadTimes();
    // A scrape collects (and so restarts) prom-client's event-loop histogram: the next one then covers the round alone.
    if (lagFromStart) await daemon.scrape();
    const done = await daemon.waitFor('first round complete', roundLimitMs);
    const cpu = threadTimesBetween(cpuAtStart, daemon.threadTimes());
    const rssMb = daemon.peakRssMb();
    const scrape = await daemon.scrape();
    const verdicts = judge(truth, portStates(scrape.body));
    // The daemon's own measure of its round when it logs one, else the two log lines' times (ms resolution).
    const roundMs =
      typeof done['durationSeconds'] === 'number' ? done['durationSeconds'] * 1000 : logTime(done) - logTime(started);
    return { roundMs, startMs: logTime(started) - daemon.spawnedAt, rssMb, verdicts, scrape, daemon, cpu };
  } finally {
    if (!keep) await daemon.stop();
  }
}

export function truthFor(hosts: readonly string[], states: ReadonlyArray<readonly [readonly number[], number]>): Truth {
  const truth: Truth = new Map();
  for (const h of hosts) for (const [ports, v] of states) for (const p of ports) truth.set(`${h}:${p}`, v);
  return truth;
}

export function mark(ok: boolean): string {
  return ok ? 'met' : 'NOT met';
}
