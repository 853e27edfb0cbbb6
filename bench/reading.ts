/**
 * How long reading files holds up the daemon's event loop (issue 17): reloads of configs and
 * reads of file_sd files of several sizes, each the event loop's longest stall meanwhile
 * (nodejs_eventloop_lag_max_seconds, reset by each scrape) and the main thread's CPU time.
 * Loopback only; no root needed. The daemon checks one closed port once an hour, so
 * nothing else runs on its loop.
 *
 *   npm run bench:build && node dist-bench/reading.js [--runs N]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { threadTimes, threadTimesBetween } from './proc.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

interface Case {
  name: string;
  /** What the file holds; `reload`: the config itself, else a file_sd file. */
  kind: 'reload' | 'file_sd';
  text: (round: number) => string;
}

const head = 'defaults:\n  interval: 1h\nmonitors:\n  - name: web\n    expect_closed: [1]\n';
const sdPart = '    file_sd_configs: [{files: [targets/*.json, targets/*.yml], refresh_interval: 1h}]\n';
const hostsConfig = (n: number) => (round: number) =>
  `${head}${sdPart}    labels: {round: "${round}"}\n    hosts:\n      - 127.0.0.1\n` +
  lines(n, (i) => `      - ${loopback(1, i)}`);
const keysConfig = (n: number) => (round: number) =>
  `${head}${sdPart}    hosts: [127.0.0.1]\n    labels:\n` + lines(n, (i) => `      k${i}: v${round}`);
const sdJson = (n: number) => (round: number) =>
  JSON.stringify(
    Array.from({ length: n }, (_, i) => ({
      targets: [`${loopback(2, i)}:9100`],
      labels: { team: `t${i % 50}`, round: String(round) },
    })),
  );
const sdLabels = (n: number) => (round: number) =>
  `- targets: [127.3.0.1]\n  labels:\n${Array.from({ length: n }, (_, i) => `    k${i}: v${round}\n`).join('')}`;

/** `n` lines made by `line`, each ended. */
function lines(n: number, line: (i: number) => string): string {
  return Array.from({ length: n }, (_, i) => `${line(i)}\n`).join('');
}

/** Hosts are loopback addresses: whatever gets checked stays on this machine, and nothing is looked up. */
function loopback(block: number, i: number): string {
  return `127.${block}.${(i >> 8) & 255}.${i & 255}`;
}

const CASES: Case[] = [
  { name: 'config, 1 host (0.2 KiB)', kind: 'reload', text: hostsConfig(0) },
  { name: 'config, 500 hosts (13 KiB)', kind: 'reload', text: hostsConfig(500) },
  { name: 'config, 5,000 hosts (130 KiB)', kind: 'reload', text: hostsConfig(5_000) },
  { name: 'config, 30,000 labels, refused (0.5 MiB)', kind: 'reload', text: keysConfig(30_000) },
  { name: 'file_sd JSON, 1,000 targets (70 KiB)', kind: 'file_sd', text: sdJson(1_000) },
  { name: 'file_sd JSON, 10,000 targets (0.7 MiB)', kind: 'file_sd', text: sdJson(10_000) },
  { name: 'file_sd YAML, one group of 30,000 labels (0.5 MiB)', kind: 'file_sd', text: sdLabels(30_000) },
];

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
  const runs = Number(values.runs);
  const dir = mkdtempSync(join(tmpdir(), 'portwatch-bench-reading-'));
  mkdirSync(join(dir, 'targets'));
  const config = join(dir, 'portwatch.yaml');
  writeFileSync(config, hostsConfig(0)(0));
  const daemon = spawn(process.execPath, [CLI, `--config.file=${config}`, '--web.listen-address=127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: daemon.stdout });
  const port = await new Promise<number>((resolve) =>
    lines.on(
      'line',
      (l) => /"listen":"[^"]*:(\d+)"/.test(l) && resolve(Number(/:(\d+)"/.exec(l.slice(l.indexOf('"listen"')))![1])),
    ),
  );
  const base = `http://127.0.0.1:${port}`;
  // Every scrape resets the longest stall: the stall of a read is the longest any scrape saw since it began.
  let stall = 0;
  const sdRefreshes = async (): Promise<number> => {
    const text = await (await fetch(`${base}/metrics`)).text();
    stall = Math.max(stall, lagIn(text));
    return [...text.matchAll(/^portwatch_sd_last_refresh_success_timestamp_seconds\{[^}]*\} (\S+)$/gm)].reduce(
      (n, m) => n + Number(m[1]),
      0,
    );
  };
  process.stdout.write('| read | stall median | stall max | main thread CPU median |\n|---|---:|---:|---:|\n');
  for (const c of CASES) {
    const stalls: number[] = [];
    const cpu: number[] = [];
    for (let round = 1; round <= runs; round++) {
      const file = c.kind === 'reload' ? config : join(dir, 'targets', c.name.includes('YAML') ? 'sd.yml' : 'sd.json');
      const tmp = `${file}.tmp`;
      writeFileSync(tmp, c.text(round));
      await lag(base);
      stall = 0;
      const before = threadTimes(daemon.pid);
      if (c.kind === 'reload') {
        renameSync(tmp, file);
        await fetch(`${base}/-/reload`, { method: 'POST' });
      } else {
        const seen = await sdRefreshes();
        renameSync(tmp, file);
        for (let waited = 0; (await sdRefreshes()) === seen && waited < 30_000; waited += 50)
          await new Promise((r) => setTimeout(r, 50));
      }
      cpu.push(threadTimesBetween(before, threadTimes(daemon.pid))?.mainRunMs ?? Number.NaN);
      stalls.push(Math.max(stall, await lag(base)) * 1000);
      if (c.kind === 'file_sd') rmSync(file);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    process.stdout.write(
      `| ${c.name} | ${median(stalls).toFixed(0)} ms | ${Math.max(...stalls).toFixed(0)} ms ` +
        `| ${median(cpu).toFixed(0)} ms |\n`,
    );
  }
  await failedReloadMemory(config, base, daemon.pid);
  daemon.kill('SIGTERM');
  await once(daemon, 'exit');
  rmSync(dir, { recursive: true, force: true });
}

/** RSS before, just after and 3 s after a reload of a 12 MiB config whose last line is wrong. */
async function failedReloadMemory(config: string, base: string, pid: number | undefined): Promise<void> {
  const rss = (): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
  writeFileSync(config, hostsConfig(0)(0));
  await fetch(`${base}/-/reload`, { method: 'POST' });
  const parts = ['defaults:\n  interval: 1h\nmonitors:\n  - name: big\n    expect_closed: [1]\n    hosts:\n'];
  let size = parts[0]!.length;
  for (let i = 0; size < 12 * 1024 * 1024; i++) {
    const line = `      - ${loopback(4, i % 65536)}\n`;
    parts.push(line);
    size += line.length;
  }
  parts.push('      - 127.0.0.999\n');
  const before = rss();
  writeFileSync(config, parts.join(''));
  await lag(base);
  const status = (await fetch(`${base}/-/reload`, { method: 'POST' })).status;
  const stall = await lag(base);
  const after = rss();
  await new Promise((r) => setTimeout(r, 3000));
  process.stdout.write(
    `\nFailed reload of a 12 MiB config (HTTP ${status}): RSS ${before.toFixed(0)} MB before, ` +
      `${after.toFixed(0)} MB just after, ${rss().toFixed(0)} MB 3 s later; ` +
      `longest event-loop stall ${(stall * 1000).toFixed(0)} ms.\n`,
  );
}

async function lag(base: string): Promise<number> {
  return lagIn(await (await fetch(`${base}/metrics`)).text());
}

function lagIn(metrics: string): number {
  return Number(/^nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(metrics)?.[1]);
}

await main();
