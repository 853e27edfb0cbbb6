import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PORTWATCH_HOST, PortwatchProcess } from './portwatch.js';
import { mark, runsOf, type BenchOptions } from './round.js';
import { median, row, type Row, type ScenarioOutcome } from './result.js';
import { BREADTH_CLOSED, BREADTH_OPEN, breadthHosts } from './scenarios.js';
import { openListeners, portRanges } from './targets.js';

/** The longest answer of /-/healthy, asked again as soon as answered, while `during` runs. */
async function longestAnswerWhile(port: number, during: () => Promise<void>): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let longest = 0;
  let running = true;
  const ask = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const started = performance.now();
      const req = http.get({ host: PORTWATCH_HOST, port, path: '/-/healthy', agent, timeout: 30_000 }, (res) => {
        res.resume();
        res.on('end', () => ((longest = Math.max(longest, performance.now() - started)), resolve()));
      });
      req.on('timeout', () => req.destroy(new Error('/-/healthy timed out')));
      req.on('error', reject);
    });
  const polling = (async () => {
    for (let i = 0; running && i < 1_000_000; i++) await ask();
  })();
  try {
    await during();
    // The change's tail (rescheduling, the first checks of a new host) after its log line.
    await new Promise((r) => setTimeout(r, 300));
  } finally {
    running = false;
    await polling;
    agent.destroy();
  }
  return longest;
}

function writeSdFile(file: string, hosts: readonly string[]): void {
  writeFileSync(file, JSON.stringify([{ targets: hosts, labels: {} }]));
}

function writeChangeConfig(file: string, sdFile: string, interval: string): void {
  const monitor = {
    name: 'change',
    file_sd_configs: [{ files: [sdFile], refresh_interval: '1h' }],
    expect_open: portRanges(BREADTH_OPEN),
    expect_closed: portRanges(BREADTH_CLOSED),
  };
  writeFileSync(file, JSON.stringify({ defaults: { interval }, monitors: [monitor] }));
}

/** 8. At 100k targets: one service-discovery host replaced, and a whole reload, with the loop's longest stall. */
export async function changeStalls(o: BenchOptions): Promise<ScenarioOutcome> {
  const size = o.smoke ? 2000 : 100_000;
  const hosts = breadthHosts(size);
  const config = join(o.tmp, 'change.yaml');
  const sdFile = join(o.tmp, 'change-hosts.json');
  writeSdFile(sdFile, hosts);
  writeChangeConfig(config, sdFile, '1h');
  const close = await openListeners(BREADTH_OPEN.map((port) => ({ host: '0.0.0.0', port })));
  const daemon = new PortwatchProcess(config);
  const oneHost: number[] = [];
  const reload: number[] = [];
  const quiet: number[] = [];
  try {
    await daemon.started();
    await daemon.waitFor('first round complete', 120_000);
    const runs = runsOf(o, 5);
    for (let i = 0; i < runs; i++) {
      quiet.push(await longestAnswerWhile(daemon.port, () => new Promise((r) => setTimeout(r, 500))));
      const sdChanges = daemon.count('service discovery changed the targets');
      const replaced = [...hosts.slice(0, -1), i % 2 === 0 ? '127.11.0.1' : hosts.at(-1)!];
      oneHost.push(
        await longestAnswerWhile(daemon.port, async () => {
          writeSdFile(sdFile, replaced);
          await daemon.waitFor('service discovery changed the targets', 30_000, sdChanges + 1);
        }),
      );
      const reloads = daemon.count('config reloaded');
      reload.push(
        await longestAnswerWhile(daemon.port, async () => {
          writeChangeConfig(config, sdFile, i % 2 === 0 ? '2h' : '1h');
          daemon.signal('SIGHUP');
          await daemon.waitFor('config reloaded', 30_000, reloads + 1);
        }),
      );
    }
  } finally {
    await daemon.stop();
    await close();
  }
  return { rows: rowsOf(size, hosts.length, quiet, oneHost, reload), extra: {}, failures: [] };
}

function rowsOf(size: number, hostCount: number, quiet: number[], oneHost: number[], reload: number[]): Row[] {
  const scenario = `8. changes at ${size} targets (${hostCount} hosts from file_sd x 100 ports)`;
  const worst = (xs: number[]): number => Math.max(...xs);
  const quietNote = `/-/healthy answered in at most ${worst(quiet).toFixed(1)} ms with nothing changing`;
  const oneMet = worst(oneHost) < 10;
  const reloadMet = worst(reload) < 50;
  return [
    row({
      scenario,
      tool: 'portwatch: one host replaced in the file_sd file',
      runs: oneHost.length,
      medianMs: median(oneHost),
      timesMs: oneHost,
      goal: `longest /-/healthy answer <10 ms (${worst(oneHost).toFixed(1)} ms): ${mark(oneMet)}`,
      met: oneMet,
      notes: [quietNote],
    }),
    row({
      scenario,
      tool: 'portwatch: whole reload (SIGHUP, every target rescheduled)',
      runs: reload.length,
      medianMs: median(reload),
      timesMs: reload,
      goal: `longest /-/healthy answer <50 ms (${worst(reload).toFixed(1)} ms): ${mark(reloadMet)}`,
      met: reloadMet,
    }),
  ];
}
