import { performance } from 'node:perf_hooks';
import { Gauge, Registry } from 'prom-client';
import { median } from './result.js';

/**
 * The anchor of scenario 4: prom-client's own registry holding the same six port
 * families for `size` targets as portwatch exports, serialized in this process.
 */
export async function promClientAnchor(
  size: number,
  runs: number,
): Promise<{ medianMs: number | undefined; timesMs: number[]; rssMb: number }> {
  const registry = new Registry();
  const labelNames = ['monitor', 'host', 'ip', 'port', 'expected'] as const;
  const registers = [registry];
  const gauge = (name: string, extra: readonly string[] = []): Gauge<string> =>
    new Gauge({ name, help: `${name} help`, labelNames: [...labelNames, ...extra], registers });
  const state = gauge('port_state');
  const info = gauge('port_state_info', ['state', 'reason']);
  const violation = gauge('port_violation');
  const changed = gauge('port_state_change_timestamp_seconds');
  const checked = gauge('port_last_probe_timestamp_seconds');
  const duration = gauge('port_probe_duration_seconds');
  const now = Date.now() / 1000;
  for (let i = 0; i < size; i++) {
    const host = `127.10.${Math.floor(i / 25_000)}.${Math.floor(i / 100) % 250}`;
    const labels = { monitor: 'breadth', host, ip: host, port: String(1001 + (i % 100)), expected: 'closed' };
    state.set(labels, 0);
    info.set({ ...labels, state: 'closed', reason: 'conn-refused' }, 1);
    violation.set(labels, 0);
    changed.set(labels, now);
    checked.set(labels, now);
    duration.set(labels, 0.000123);
  }
  const timesMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await registry.metrics();
    timesMs.push(performance.now() - t0);
  }
  const rssMb = process.memoryUsage().rss / 1024 / 1024;
  registry.clear();
  return { medianMs: median(timesMs), timesMs, rssMb };
}
