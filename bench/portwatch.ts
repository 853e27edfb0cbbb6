import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { children, peakRssMb, threadTimes, type ThreadTimes } from './proc.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
/** The daemon runs as the image and npm start run it, with the same Node.js flags. */
const { DAEMON_NODE_FLAGS } = (await import(new URL('../dist/cli/node-flags.js', import.meta.url).href)) as {
  DAEMON_NODE_FLAGS: readonly string[];
};
/** portwatch serves on an address of its own, apart from every address the scenarios scan. */
export const PORTWATCH_HOST = '127.1.0.1';

export interface LogLine {
  msg: string;
  /** ISO time, ms resolution. */
  time: string;
  [key: string]: unknown;
}

export interface Scrape {
  ms: number;
  status: number;
  encoding: string | undefined;
  /** The decoded body. */
  body: string;
  bytes: number;
}

/** The real daemon, started inside the bench namespace, with its log lines. */
export class PortwatchProcess {
  readonly #proc: ChildProcess;
  readonly #logs: LogLine[] = [];
  readonly #waiters = new Set<() => void>();
  readonly spawnedAt = Date.now();
  #stderr = '';
  port = 0;

  constructor(configFile: string, extraFlags: readonly string[] = []) {
    // A state directory of its own beside the config (the bench's temporary directory): every run starts fresh.
    const storage = `--storage.path=${mkdtempSync(join(dirname(configFile), 'state-'))}`;
    const flags = [`--config.file=${configFile}`, `--web.listen-address=${PORTWATCH_HOST}:0`, storage, ...extraFlags];
    this.#proc = spawn(process.execPath, [...DAEMON_NODE_FLAGS, CLI, ...flags], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(this.#proc);
    this.#proc.stderr?.on('data', (d: Buffer) => (this.#stderr += d.toString()));
    createInterface({ input: this.#proc.stdout! }).on('line', (text) => {
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        return;
      }
      this.#logs.push(line);
      for (const w of this.#waiters) w();
    });
    this.#proc.once('exit', () => {
      for (const w of this.#waiters) w();
    });
  }

  get pid(): number | undefined {
    return this.#proc.pid;
  }

  /** The nth (first by default) log line with this message, waiting at most timeoutMs for it. */
  async waitFor(msg: string, timeoutMs: number, nth = 1): Promise<LogLine> {
    const found = (): LogLine | undefined => this.#logs.filter((l) => l.msg === msg)[nth - 1];
    const seen = found();
    if (seen) return seen;
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const line = found();
        if (line) return done(() => resolve(line));
        if (this.#proc.exitCode !== null || this.#proc.signalCode !== null)
          done(() => reject(new Error(`portwatch exited before "${msg}": ${this.#stderr}${this.#tail()}`)));
      };
      const done = (then: () => void): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        then();
      };
      const timer = setTimeout(
        () => done(() => reject(new Error(`no "${msg}" from portwatch within ${timeoutMs} ms${this.#tail()}`))),
        timeoutMs,
      );
      this.#waiters.add(check);
    });
  }

  async started(timeoutMs = 30_000): Promise<LogLine> {
    const line = await this.waitFor('portwatch started', timeoutMs);
    this.port = Number(String(line['listen']).split(':').pop());
    return line;
  }

  peakRssMb(): number {
    return peakRssMb(this.#proc.pid) ?? NaN;
  }

  threadTimes(): ThreadTimes | undefined {
    return threadTimes(this.#proc.pid);
  }

  scrape(opts: { gzip?: boolean; timeoutMs?: number } = {}): Promise<Scrape> {
    return scrape(`http://${PORTWATCH_HOST}:${this.port}/metrics`, opts);
  }

  /** A scrape counted as it streams: see scrapeCounted. */
  scrapeCounted(): Promise<CountedScrape> {
    return scrapeCounted(`http://${PORTWATCH_HOST}:${this.port}/metrics`);
  }

  /** Any other page of the daemon, timed like a scrape. */
  get(path: string): Promise<Scrape> {
    return scrape(`http://${PORTWATCH_HOST}:${this.port}${path}`);
  }

  /** How many log lines with this message came so far. */
  count(msg: string): number {
    return this.#logs.filter((l) => l.msg === msg).length;
  }

  /** Sends a signal to the daemon (SIGHUP: reload). */
  signal(sig: NodeJS.Signals): void {
    this.#proc.kill(sig);
  }

  async stop(): Promise<void> {
    if (this.#proc.exitCode !== null || this.#proc.signalCode !== null) return;
    const exited = once(this.#proc, 'exit');
    this.#proc.kill('SIGTERM');
    const timer = setTimeout(() => this.#proc.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
    children.delete(this.#proc);
  }

  #tail(): string {
    return `; last logs: ${this.#logs
      .slice(-3)
      .map((l) => JSON.stringify(l))
      .join(' ')}`;
  }
}

const agent = new http.Agent({ keepAlive: false });

/** A log line's time in epoch ms. */
export function logTime(line: LogLine): number {
  return Date.parse(line.time);
}

export function scrape(url: string, opts: { gzip?: boolean; timeoutMs?: number } = {}): Promise<Scrape> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.get(
      url,
      { agent, headers: opts.gzip ? { 'accept-encoding': 'gzip' } : {}, timeout: opts.timeoutMs ?? 60_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const ms = performance.now() - started;
          const raw = Buffer.concat(chunks);
          const encoding = res.headers['content-encoding'];
          const body = (encoding === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
          resolve({ ms, status: res.statusCode ?? 0, encoding, body, bytes: raw.length });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`scrape of ${url} timed out`)));
    req.on('error', reject);
  });
}

export interface CountedScrape {
  ms: number;
  status: number;
  /** port_state samples in the body. */
  series: number;
  /** The body's last TAIL_BYTES, where portwatch's own metrics are. */
  tail: string;
  bytes: number;
}

const SERIES_START = Buffer.from('\nport_state{');
const TAIL_BYTES = 1 << 16;

/**
 * A scrape whose port_state samples are counted as the body streams in and of which only the
 * tail is kept: ten of them at once then take the bench little CPU, which on 2 cores would
 * otherwise be taken from the daemon whose event loop is being measured.
 */
export function scrapeCounted(url: string): Promise<CountedScrape> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, timeout: 60_000 }, (res) => {
      let series = 0;
      let bytes = 0;
      let tail = Buffer.alloc(0);
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        // The tail's end joined to the chunk, so a sample split between two chunks is counted once.
        const carry = tail.subarray(Math.max(0, tail.length - SERIES_START.length + 1));
        const seen = Buffer.concat([carry, chunk]);
        for (let at = seen.indexOf(SERIES_START); at !== -1; at = seen.indexOf(SERIES_START, at + 1)) series++;
        tail = Buffer.concat([tail, chunk]).subarray(-TAIL_BYTES);
      });
      res.on('error', reject);
      res.on('end', () => {
        const ms = performance.now() - started;
        resolve({ ms, status: res.statusCode ?? 0, series, tail: tail.toString('utf8'), bytes });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`scrape of ${url} timed out`)));
    req.on('error', reject);
  });
}

/** `ip:port` (TCP) or `ip:port/udp` to the port_state value, from an exposition. */
export function portStates(body: string): Map<string, number> {
  const states = new Map<string, number>();
  const labels = 'monitor="[^"]*",host="[^"]*",ip="([^"]*)",port="(\\d+)",(?:protocol="(\\w+)",)?expected="\\w+"';
  const re = new RegExp(`^port_state\\{${labels}\\} (-?\\d+)$`, 'gm');
  for (let m = re.exec(body); m !== null; m = re.exec(body)) {
    const udp = m[3] === 'udp' ? '/udp' : '';
    states.set(`${m[1]}:${m[2]}${udp}`, Number(m[4]));
  }
  return states;
}

/** A sample's value by exact series text, e.g. `nodejs_eventloop_lag_p99_seconds`. */
export function sampleValue(body: string, series: string): number | undefined {
  const at = body.lastIndexOf(`\n${series} `);
  if (at < 0) return undefined;
  const end = body.indexOf('\n', at + 1);
  return Number(body.slice(at + series.length + 2, end < 0 ? undefined : end));
}
