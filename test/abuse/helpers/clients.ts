import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createInterface } from 'node:readline';

// Clients for the abuse tier: a timed request as a scraper or a probe makes it (a new
// connection each time, as kubelet's probes and a first scrape do), and attackers run as
// child processes with their own open-files limit.

export interface Timed {
  status: number;
  ms: number;
  body: string;
  headers: IncomingHttpHeaders;
  error?: string;
}

export interface TimedOptions {
  ca?: string;
  authorization?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
}

/** One request on a new connection; never throws: a failure is status 0 with its error. */
export function timedRequest(url: string, opts: TimedOptions = {}): Promise<Timed> {
  const started = performance.now();
  const headers = {
    ...opts.headers,
    ...(opts.authorization === undefined ? {} : { authorization: opts.authorization }),
  };
  const send = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const done = (r: Omit<Timed, 'ms'>) => resolve({ ...r, ms: performance.now() - started });
    const req = send(
      url,
      { method: opts.method ?? 'GET', headers, agent: false, ...(opts.ca ? { ca: opts.ca } : {}) },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => done({ status: res.statusCode ?? 0, body, headers: res.headers }));
        res.on('error', (err) => done({ status: 0, body, headers: {}, error: String(err) }));
      },
    );
    req.setTimeout(opts.timeoutMs ?? 5_000, () => req.destroy(new Error('timed out')));
    req.on('error', (err) => done({ status: 0, body: '', headers: {}, error: String(err) }));
    req.end(opts.body);
  });
}

export interface Attacker {
  readonly proc: ChildProcess;
  /** The last status line the attacker printed (JSON). */
  last(): Record<string, number>;
  /** Resolves with the first status that satisfies `ok`, or rejects after timeoutMs. */
  until(ok: (s: Record<string, number>) => boolean, timeoutMs: number): Promise<Record<string, number>>;
  stop(): Promise<Record<string, number>>;
}

/**
 * Runs `script` (CommonJS, argv after it: `args`) with `nofile` descriptors; it prints JSON
 * status lines. At the lowest CPU priority: a real attacker's CPU is not the server's, and
 * here both share the test machine's cores.
 */
export function startAttacker(script: string, args: string[], nofile = 8192): Attacker {
  const argv = ['-n', '19', 'prlimit', `--nofile=${nofile}:${nofile}`, process.execPath, '-e', script, '--', ...args];
  const proc = spawn('nice', argv, { stdio: ['pipe', 'pipe', 'pipe'] });
  let last: Record<string, number> = {};
  const waiters = new Set<() => void>();
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  createInterface({ input: proc.stdout }).on('line', (line) => {
    try {
      last = JSON.parse(line) as Record<string, number>;
    } catch {
      return;
    }
    for (const w of waiters) w();
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return {
    proc,
    last: () => last,
    until(ok, timeoutMs) {
      if (ok(last)) return Promise.resolve(last);
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!ok(last)) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(last);
        };
        const timer = setTimeout(
          () => (
            waiters.delete(check),
            reject(new Error(`attacker: no such status in ${timeoutMs} ms; last ${JSON.stringify(last)}; ${stderr}`))
          ),
          timeoutMs,
        );
        waiters.add(check);
      });
    },
    async stop() {
      proc.stdin?.end();
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
      return last;
    },
  };
}

/**
 * Keeps argv[1] connections open to 127.0.0.1:argv[0] that never send a byte, opening a new one
 * whenever the server closes one, for at most argv[2] ms or until stdin ends. Prints
 * {open, connected, opened, closedByServer} every 250 ms and at the end.
 */
export const SILENT_FLOOD = `
const net = require('node:net');
const [port, count, maxMs] = process.argv.slice(1).map(Number);
let connected = 0, opened = 0, closedByServer = 0, stopping = false;
const sockets = new Set();
function one() {
  if (stopping || opened >= 500000) return;
  const s = net.connect({ host: '127.0.0.1', port });
  opened++;
  sockets.add(s);
  let up = false;
  s.on('connect', () => ((up = true), connected++));
  s.on('error', () => {});
  s.on('close', () => {
    sockets.delete(s);
    if (up) connected--;
    if (stopping) return;
    closedByServer++;
    setImmediate(one);
  });
}
for (let i = 0; i < count; i++) one();
const report = () => console.log(JSON.stringify({ open: sockets.size, connected, opened, closedByServer }));
const timer = setInterval(report, 250);
const stop = () => {
  stopping = true;
  clearInterval(timer);
  report();
  for (const s of sockets) s.destroy();
  process.exit(0);
};
setTimeout(stop, maxMs);
process.stdin.on('end', stop);
process.stdin.resume();
`;

/**
 * GET /metrics over HTTPS at 127.0.0.1:argv[0] as user argv[1] with a new wrong password each
 * time, argv[2] requests under way at once, until argv[3] of them were answered 401 (compared
 * and refused) or argv[4] ms passed. Prints {sent, refused, busy, other} every 250 ms and at the end.
 */
export const WRONG_PASSWORD_FLOOD = `
const https = require('node:https');
const [port, user, concurrency, wanted, maxMs] = process.argv.slice(1).map((v, i) => (i === 1 ? v : Number(v)));
const agent = new https.Agent({ keepAlive: true, maxSockets: concurrency, rejectUnauthorized: false });
let sent = 0, refused = 0, busy = 0, other = 0, done = false;
function one() {
  if (done) return;
  const auth = 'Basic ' + Buffer.from(user + ':wrong-' + sent++).toString('base64');
  const options = { host: '127.0.0.1', port, path: '/metrics', agent, headers: { authorization: auth } };
  const req = https.get(options, (res) => {
    res.resume();
    res.on('end', () => {
      if (res.statusCode === 401) refused++; else if (res.statusCode === 429) busy++; else other++;
      if (refused >= wanted) return stop();
      one();
    });
  });
  req.on('error', () => { other++; setTimeout(one, 10); });
}
const report = () => console.log(JSON.stringify({ sent, refused, busy, other }));
const timer = setInterval(report, 250);
function stop() { if (done) return; done = true; clearInterval(timer); report(); agent.destroy(); process.exit(0); }
for (let i = 0; i < concurrency; i++) one();
setTimeout(stop, maxMs);
process.stdin.on('end', stop);
process.stdin.resume();
`;

/**
 * Sends argv[1] (method) argv[2] (path) to 127.0.0.1:argv[0] with a 100 MB body (argv[3]:
 * "length" for a Content-Length, "chunked" for chunks), headers from argv[4] (JSON), on argv[5]
 * connections at once, writing as fast as the socket takes it. Prints, per connection,
 * {status, written, ms, closed}: the bytes handed to the socket (at most one 64 KiB piece more
 * than the kernel took) before the server closed the connection, and the answer's status.
 */
export const BODY_FLOOD = `
const net = require('node:net');
const [port, method, path, mode, headersJson, streams] = process.argv.slice(1);
const TOTAL = 100 * 1000 * 1000;
const chunk = Buffer.alloc(64 * 1024, 0x61);
const crlf = Buffer.from('\\r\\n');
const frame = mode === 'chunked' ? Buffer.concat([Buffer.from(chunk.length.toString(16)), crlf, chunk, crlf]) : chunk;
const extra = Object.entries(JSON.parse(headersJson)).map(([k, v]) => k + ': ' + v + '\\r\\n').join('');
const length = mode === 'chunked' ? 'Transfer-Encoding: chunked\\r\\n' : 'Content-Length: ' + TOTAL + '\\r\\n';
const head = method + ' ' + path + ' HTTP/1.1\\r\\nHost: 127.0.0.1:' + port + '\\r\\n' + length + extra + '\\r\\n';
function one() {
  return new Promise((resolve) => {
    const started = Date.now();
    const s = net.connect({ host: '127.0.0.1', port: Number(port) });
    let written = 0, answer = '', ended = false;
    const finish = (closed) => {
      if (ended) return;
      ended = true;
      s.destroy();
      const status = Number((/^HTTP\\/1\\.1 (\\d{3})/.exec(answer) || [])[1] || 0);
      resolve({ status, written, ms: Date.now() - started, closed });
    };
    s.on('data', (d) => (answer += d.toString('latin1')));
    s.on('error', () => {});
    s.on('close', () => finish(true));
    setTimeout(() => finish(false), 15000);
    s.on('connect', () => {
      s.write(head);
      const pump = () => {
        while (!ended && written < TOTAL) {
          written += frame.length;
          if (!s.write(frame)) return void s.once('drain', pump);
        }
      };
      pump();
    });
  });
}
Promise.all(Array.from({ length: Number(streams) }, one)).then((r) => console.log(JSON.stringify(r)));
`;
