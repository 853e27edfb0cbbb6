import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { children, peakRssMb, which } from './proc.js';
import { CLOSED, judge, OPEN, type Truth, type Verdicts } from './targets.js';

const BIN = 'prometheus-blackbox-exporter';
const ADDR = '127.1.0.2:9115';

export interface Blackbox {
  peakRssMb(): number;
  stop(): Promise<void>;
}

/** Debian's blackbox_exporter, a plain tcp_connect module (timeout 3s, portwatch's default); undefined if absent. */
export async function startBlackbox(tmp: string): Promise<Blackbox | undefined> {
  if (!which(BIN)) return undefined;
  const config = join(tmp, 'blackbox.yml');
  writeFileSync(config, 'modules:\n  tcp_connect:\n    prober: tcp\n    timeout: 3s\n');
  const proc = spawn(BIN, [`--config.file=${config}`, `--web.listen-address=${ADDR}`, '--log.level=warn'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.add(proc);
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  for (let i = 0; i < 100; i++) {
    if (proc.exitCode !== null) throw new Error(`${BIN} exited: ${stderr}`);
    if (await healthy()) break;
    if (i === 99) throw new Error(`${BIN} not healthy within 10 s: ${stderr}`);
    await sleep(100);
  }
  return {
    peakRssMb: () => peakRssMb(proc.pid) ?? NaN,
    async stop() {
      if (proc.exitCode !== null) return;
      const exited = once(proc, 'exit');
      proc.kill('SIGTERM');
      await exited;
      children.delete(proc);
    },
  };
}

function get(path: string, agent?: http.Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`http://${ADDR}${path}`, { agent, timeout: 20_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('blackbox request timed out')));
    req.on('error', reject);
  });
}

async function healthy(): Promise<boolean> {
  try {
    return (await get('/-/healthy')).status === 200;
  } catch {
    return false;
  }
}

/** Every target once through /probe, `inFlight` requests at a time on kept-alive connections. */
export async function blackboxRound(
  _bb: Blackbox,
  truth: Truth,
  inFlight: number,
): Promise<{ ms: number; verdicts: Verdicts }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: inFlight });
  const keys = [...truth.keys()];
  const seen = new Map<string, number>();
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < keys.length) {
      const key = keys[next++]!;
      const { body } = await get(`/probe?module=tcp_connect&target=${encodeURIComponent(key)}`, agent);
      const success = /^probe_success (\d)/m.exec(body)?.[1];
      if (success !== undefined) seen.set(key, success === '1' ? OPEN : CLOSED);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const ms = performance.now() - started;
  agent.destroy();
  return { ms, verdicts: judge(truth, seen) };
}
