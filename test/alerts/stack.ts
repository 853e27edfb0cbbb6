// The real monitoring stack around portwatch, for the alert and dashboard suites: Debian's
// prometheus, prometheus-alertmanager, promtool and amtool as child processes on loopback
// ports, each with its own temporary directory. Every wait is bounded; stop() kills what
// start*() spawned, by its own child process, and removes its directory.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../helpers/ports.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const RULES_FILE = join(ROOT, 'deploy/prometheus/portwatch.rules.yml');
export const RULE_TESTS_DIR = join(ROOT, 'deploy/prometheus/tests');
export const ALERTMANAGER_CONFIG = join(ROOT, 'deploy/alertmanager/alertmanager.yml');
export const PROMETHEUS_EXAMPLE = join(ROOT, 'deploy/prometheus/prometheus.example.yml');
export const RUNBOOK = join(ROOT, 'docs/runbook.md');
export const DASHBOARD = join(ROOT, 'grafana/dashboards/portwatch.json');

/** The first of `names` found on PATH, or undefined. */
export function findBinary(...names: string[]): string | undefined {
  const dirs = (process.env['PATH'] ?? '').split(delimiter).filter(Boolean);
  for (const name of names) {
    for (const dir of dirs) {
      const file = join(dir, name);
      try {
        accessSync(file, constants.X_OK);
        return file;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

export const BIN = {
  promtool: findBinary('promtool'),
  prometheus: findBinary('prometheus'),
  // Debian names the binary prometheus-alertmanager; upstream tarballs call it alertmanager.
  alertmanager: findBinary('prometheus-alertmanager', 'alertmanager'),
  amtool: findBinary('amtool'),
};

/** Why a test needing `names` cannot run here, or undefined (for describeOrSkip in test/helpers/skip.ts). */
export function missing(...names: (keyof typeof BIN)[]): string | undefined {
  const absent = names.filter((n) => BIN[n] === undefined);
  if (absent.length === 0) return undefined;
  const packages = 'Debian packages prometheus and prometheus-alertmanager; .ci/run installs them';
  return `${absent.join(', ')} not found on PATH (${packages})`;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (killed after timeoutMs), never throwing on a non-zero exit. */
export function run(file: string, args: string[], timeoutMs = 30_000): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: ROOT, timeout: timeoutMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

const errorText = (err: unknown): string => (err instanceof Error ? String(err) : JSON.stringify(err));

/** Polls `fn` every 200 ms until it returns something other than undefined; fails after timeoutMs. */
export async function waitFor<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}` +
          (lastError ? `; last error: ${errorText(lastError)}` : ''),
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

/** A child process whose output is kept for error messages. */
export class Child {
  private output = '';
  private readonly exited: Promise<unknown>;

  constructor(
    readonly name: string,
    readonly proc: ChildProcess,
    private readonly dir: { remove(): void },
  ) {
    const keep = (d: Buffer) => {
      this.output = (this.output + d.toString()).slice(-20_000);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    this.exited = once(proc, 'exit');
  }

  get log(): string {
    return this.output;
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** SIGTERM, SIGKILL after 5 s, then removes the temporary directory. */
  async stop(): Promise<void> {
    if (this.running) {
      this.proc.kill('SIGTERM');
      const timer = setTimeout(() => this.proc.kill('SIGKILL'), 5_000);
      await this.exited;
      clearTimeout(timer);
    }
    this.dir.remove();
  }
}

async function startChild(
  name: string,
  file: string,
  args: string[],
  dir: { path: string; remove(): void },
  readyUrl: string,
): Promise<Child> {
  const child = new Child(name, spawn(file, args, { cwd: dir.path, stdio: ['ignore', 'pipe', 'pipe'] }), dir);
  try {
    await waitFor(`${name} to be ready at ${readyUrl}`, 20_000, async () => {
      if (!child.running) throw new Error(`${name} exited: ${child.log}`);
      const res = await fetch(readyUrl, { signal: AbortSignal.timeout(1_000) });
      return res.ok ? true : undefined;
    });
  } catch (err) {
    await child.stop();
    throw new Error(`${String(err)}\n${name} output:\n${child.log}`, { cause: err });
  }
  return child;
}

export interface PrometheusOptions {
  /** host:port of portwatch's /metrics. */
  portwatch: string;
  /** Rule files to load (absolute paths). */
  ruleFiles?: string[];
  /** host:port of an Alertmanager to send alerts to. */
  alertmanager?: string;
  /** Scrape interval and timeout (default 1s): longer for large targets. */
  scrapeInterval?: string;
}

export interface RunningPrometheus {
  child: Child;
  url: string;
  /** An instant query; the result vector or matrix. */
  query(expr: string, time?: number): Promise<PromSeries[]>;
  queryRange(expr: string, start: number, end: number, step: number): Promise<PromSeries[]>;
  stop(): Promise<void>;
}

export interface PromSeries {
  metric: Record<string, string>;
  value?: [number, string];
  values?: [number, string][];
}

interface PromResponse {
  status: string;
  error?: string;
  data: { resultType: string; result: PromSeries[] };
}

/** Prometheus scraping portwatch every second (or as asked), evaluating rules every second. */
export async function startPrometheus(opts: PrometheusOptions): Promise<RunningPrometheus> {
  const dir = tempDir('portwatch-prometheus-');
  const port = await freePort();
  const scrape = opts.scrapeInterval ?? '1s';
  const config = {
    global: { scrape_interval: scrape, scrape_timeout: scrape, evaluation_interval: '1s' },
    rule_files: opts.ruleFiles ?? [],
    ...(opts.alertmanager
      ? { alerting: { alertmanagers: [{ static_configs: [{ targets: [opts.alertmanager] }] }] } }
      : {}),
    scrape_configs: [{ job_name: 'portwatch', static_configs: [{ targets: [opts.portwatch] }] }],
  };
  const configFile = join(dir.path, 'prometheus.yml');
  writeFileSync(configFile, JSON.stringify(config, null, 2)); // JSON is YAML
  const url = `http://127.0.0.1:${port}`;
  const child = await startChild(
    'prometheus',
    BIN.prometheus!,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir.path, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    dir,
    `${url}/-/ready`,
  );
  const api = async (path: string, params: Record<string, string>): Promise<PromSeries[]> => {
    const res = await fetch(`${url}${path}`, {
      method: 'POST',
      body: new URLSearchParams(params),
      // Queries over 10k series on a busy machine may take seconds; Grafana waits 30 s.
      signal: AbortSignal.timeout(30_000),
    });
    const body = (await res.json()) as PromResponse;
    if (body.status !== 'success') throw new Error(`query ${params['query']} failed: ${body.error}`);
    return body.data.result;
  };
  return {
    child,
    url,
    query: (expr, time) => api('/api/v1/query', { query: expr, ...(time === undefined ? {} : { time: String(time) }) }),
    queryRange: (expr, start, end, step) =>
      api('/api/v1/query_range', { query: expr, start: String(start), end: String(end), step: String(step) }),
    stop: () => child.stop(),
  };
}

export interface RunningAlertmanager {
  child: Child;
  url: string;
  address: string;
  stop(): Promise<void>;
}

/** Alertmanager with the given config text, clustering off, on a free loopback port. */
export async function startAlertmanager(configText: string): Promise<RunningAlertmanager> {
  const dir = tempDir('portwatch-alertmanager-');
  const port = await freePort();
  const configFile = join(dir.path, 'alertmanager.yml');
  writeFileSync(configFile, configText);
  const url = `http://127.0.0.1:${port}`;
  const child = await startChild(
    'alertmanager',
    BIN.alertmanager!,
    [
      `--config.file=${configFile}`,
      `--storage.path=${join(dir.path, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=', // empty: no gossip, no cluster port
      '--log.level=warn',
    ],
    dir,
    `${url}/-/ready`,
  );
  return { child, url, address: `127.0.0.1:${port}`, stop: () => child.stop() };
}

/** One notification as Alertmanager's webhook receiver posts it (version 4). */
export interface WebhookMessage {
  receiver: string;
  status: 'firing' | 'resolved';
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  alerts: {
    status: 'firing' | 'resolved';
    labels: Record<string, string>;
    annotations: Record<string, string>;
    startsAt: string;
    endsAt: string;
  }[];
  /** The request path: the test points every receiver at /<receiver name>. */
  path: string;
}

export interface Webhook {
  port: number;
  messages: WebhookMessage[];
  /** The first message (already received or to come) that matches, or a rejection after timeoutMs. */
  waitFor(what: string, timeoutMs: number, match: (m: WebhookMessage) => boolean): Promise<WebhookMessage>;
  close(): Promise<void>;
}

/** An HTTP server on loopback that records every JSON body posted to it. */
export async function startWebhook(): Promise<Webhook> {
  const messages: WebhookMessage[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      try {
        messages.push({ ...(JSON.parse(body) as Omit<WebhookMessage, 'path'>), path: req.url ?? '' });
      } catch {
        // not a notification; ignore
      }
      res.writeHead(200).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    port,
    messages,
    waitFor: (what, timeoutMs, match) =>
      waitFor(what, timeoutMs, () => Promise.resolve(messages.find(match))).catch((err: unknown) => {
        throw new Error(
          `${String(err)}\nnotifications received:\n${messages.map((m) => JSON.stringify(m)).join('\n')}`,
        );
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
