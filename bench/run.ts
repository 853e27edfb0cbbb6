/**
 * `npm run bench`: portwatch side by side with nmap, blackbox_exporter and prom-client
 * (issue 5). Run as root after bench/setup.sh. The process re-executes itself inside a
 * network namespace of its own, where all the traffic stays (scenario 7 adds host
 * namespaces behind a bridge in it); the outer process only creates and deletes them.
 *
 *   node dist-bench/run.js [--smoke] [--runs N] [--only 1,2,3,5,6,7,8]
 *
 * --smoke: every scenario at a tiny size, once; writes no results; fails only when the
 * harness breaks or a verdict is wrong, never on a missed goal.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { assertInsideBenchNamespace, benchSkipReason, createNamespace, deleteNamespace, NS_ENV } from './netns.js';
import { killChildren } from './proc.js';
import { machine, machineLine, refreshReadme, table } from './report.js';
import type { Row, ScenarioOutcome } from './result.js';
import type { BenchOptions } from './round.js';
import { breadthAndScrape, firewalled, fullRange, sameAsBlackbox } from './scenarios.js';
import { udpAmplification } from './udp.js';
import { changeStalls } from './change.js';
import { stateFile } from './storage.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The whole bench, cut off if it hangs. */
const OVERALL_LIMIT_MS = 30 * 60_000;

/** Scenario 3 at one size, as the breadth scenario records it. */
interface SizeCost {
  targets: number;
  medianMs: number;
  rssMb: number;
}
const sizeCostText = (c: SizeCost): string =>
  `${c.targets} targets ${(c.medianMs / 1000).toFixed(2)} s / ${c.rssMb.toFixed(0)} MB`;

async function outer(argv: string[]): Promise<number> {
  const skip = benchSkipReason();
  if (skip !== undefined) {
    process.stderr.write(`bench: cannot run: ${skip}\n`);
    return 2;
  }
  const ns = createNamespace();
  let cleaned = false;
  const cleanup = (): void => {
    if (cleaned) return;
    cleaned = true;
    killChildren();
    deleteNamespace(ns);
  };
  process.once('exit', cleanup);
  try {
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, fileURLToPath(import.meta.url), ...argv], {
      stdio: 'inherit',
      env: { ...process.env, [NS_ENV]: ns },
    });
    const onSignal = (sig: NodeJS.Signals): void => {
      child.kill(sig);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const limit = setTimeout(() => child.kill('SIGKILL'), OVERALL_LIMIT_MS);
    const code = await new Promise<number>((resolve) => child.once('exit', (c, s) => resolve(c ?? (s ? 1 : 0))));
    clearTimeout(limit);
    return code;
  } finally {
    cleanup();
  }
}

async function inner(argv: string[]): Promise<number> {
  assertInsideBenchNamespace();
  const { values } = parseArgs({
    args: argv,
    options: { smoke: { type: 'boolean' }, runs: { type: 'string' }, only: { type: 'string' } },
  });
  const only = new Set((values.only ?? '1,2,3,4,5,6,7,8').split(',').map((s) => s.trim()));
  const tmp = mkdtempSync(join(tmpdir(), 'pwbench-'));
  const o: BenchOptions = {
    smoke: values.smoke === true,
    runs: values.runs === undefined ? undefined : Number(values.runs),
    tmp,
  };
  const stop = (): void => {
    killChildren();
    rmSync(tmp, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  const scenarios: Array<[string, (o: BenchOptions) => Promise<ScenarioOutcome>]> = [];
  if (only.has('1')) scenarios.push(['1', fullRange]);
  if (only.has('2')) scenarios.push(['2', firewalled]);
  // 6 (the landing page) reads the daemon that 3 and 4 leave running.
  if (only.has('3') || only.has('4') || only.has('6')) scenarios.push(['3+4+6', breadthAndScrape]);
  if (only.has('5')) scenarios.push(['5', sameAsBlackbox]);
  if (only.has('6')) scenarios.push(['6', stateFile]);
  if (only.has('7')) scenarios.push(['7', udpAmplification]);
  if (only.has('8')) scenarios.push(['8', changeStalls]);

  const rows: Row[] = [];
  const extra: Record<string, unknown> = {};
  const failures: string[] = [];
  try {
    for (const [name, run] of scenarios) {
      process.stderr.write(`bench: scenario ${name}...\n`);
      const started = Date.now();
      try {
        const out = await run(o);
        rows.push(...out.rows);
        Object.assign(extra, out.extra);
        failures.push(...out.failures);
      } catch (err) {
        failures.push(`scenario ${name} broke: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      }
      process.stderr.write(`bench: scenario ${name} took ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    }
  } finally {
    killChildren();
    rmSync(tmp, { recursive: true, force: true });
  }

  const m = machine();
  const date = new Date().toISOString();
  const text = table(rows);
  process.stdout.write(`\n${text}\n\n${machineLine(m, date)}\n`);
  if (Array.isArray(extra['breadthCost'])) {
    process.stdout.write('\ncost by size (scenario 3):\n');
    for (const c of extra['breadthCost'] as Array<Record<string, number>>)
      process.stdout.write(`  ${JSON.stringify(c)}\n`);
  }
  if (!o.smoke && values.only === undefined && values.runs === undefined) {
    const results = join(ROOT, 'bench', 'results');
    mkdirSync(results, { recursive: true });
    const json = `${JSON.stringify({ date, machine: m, rows, extra, failures }, null, 2)}\n`;
    writeFileSync(join(results, `${date.slice(0, 10)}.json`), json);
    writeFileSync(join(results, 'latest.json'), json);
    const bySize = extra['breadthCost'];
    const costLines = Array.isArray(bySize)
      ? `\n\nScenario 3 by size: ${(bySize as SizeCost[]).map(sizeCostText).join(', ')}.`
      : '';
    refreshReadme(join(ROOT, 'README.md'), `${text}\n\n${machineLine(m, date.slice(0, 10))}${costLines}`);
  }
  for (const f of failures) process.stderr.write(`bench: FAILURE: ${f}\n`);
  return failures.length ? 1 : 0;
}

const argv = process.argv.slice(2);
const main = process.env[NS_ENV] === undefined ? outer : inner;
main(argv).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    killChildren();
    process.exit(1);
  },
);
