import { register as globalRegistry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { SelfMetrics } from '../../src/metrics/self.js';
import { PortStore } from '../../src/state/store.js';
import { MONITORS, samples } from './fixture.js';

function bound(): { self: SelfMetrics; store: PortStore; intervals: Map<string, number> } {
  const self = new SelfMetrics({ version: '1.2.3' });
  const store = new PortStore();
  store.setTargets(MONITORS);
  const intervals = new Map(MONITORS.map((m) => [m.name, m.intervalMs]));
  self.bind({ store, intervalsMs: () => intervals, inFlight: () => 7 });
  return { self, store, intervals };
}

describe('SelfMetrics', () => {
  it('exports build info and zeroed probe counters from the start', async () => {
    const text = await new SelfMetrics({ version: '1.2.3' }).registry.metrics();
    expect(text).toContain(`portwatch_build_info{version="1.2.3",node_version="${process.version}"} 1\n`);
    expect(samples(text, 'portwatch_probes_total')).toEqual([
      'portwatch_probes_total{result="open"} 0',
      'portwatch_probes_total{result="closed"} 0',
      'portwatch_probes_total{result="filtered"} 0',
      'portwatch_probes_total{result="open|filtered"} 0',
      'portwatch_probes_total{result="error"} 0',
    ]);
    expect(samples(text, 'portwatch_probe_backoffs_total')).toEqual(['portwatch_probe_backoffs_total 0']);
    expect(samples(text, 'portwatch_probes_in_flight')).toEqual(['portwatch_probes_in_flight 0']);
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
  });

  it('counts probes and backoffs', async () => {
    const { self } = bound();
    self.countProbe('open');
    self.countProbe('open');
    self.countProbe('filtered');
    self.countBackoff();
    const text = await self.registry.metrics();
    expect(text).toContain('portwatch_probes_total{result="open"} 2\n');
    expect(text).toContain('portwatch_probes_total{result="filtered"} 1\n');
    expect(text).toContain('portwatch_probes_total{result="closed"} 0\n');
    expect(text).toContain('portwatch_probe_backoffs_total 1\n');
  });

  it('reads targets, intervals and probes in flight at scrape time, forgetting removed monitors', async () => {
    const { self, store, intervals } = bound();
    let text = await self.registry.metrics();
    expect(samples(text, 'portwatch_targets')).toEqual([
      'portwatch_targets{monitor="web"} 4',
      'portwatch_targets{monitor="db"} 1',
      'portwatch_targets{monitor="quiet"} 1',
    ]);
    expect(text).toContain('portwatch_monitor_interval_seconds{monitor="web"} 30\n');
    expect(text).toContain('portwatch_probes_in_flight 7\n');

    store.setTargets(MONITORS.filter((m) => m.name !== 'db'));
    intervals.delete('db');
    text = await self.registry.metrics();
    expect(text).not.toContain('monitor="db"');
  });

  it('keeps the time of the last successful reload when one fails', async () => {
    const { self } = bound();
    self.setConfigReload(true, 1_700_000_000_000);
    self.setConfigReload(false, 1_700_000_100_000);
    const text = await self.registry.metrics();
    expect(text).toContain('portwatch_config_last_reload_successful 0\n');
    expect(text).toContain('portwatch_config_last_reload_success_timestamp_seconds 1700000000\n');
  });

  it('says whether the state was last saved, keeping the time of the last good write when one fails', async () => {
    const { self } = bound();
    let text = await self.registry.metrics();
    expect(text).toContain('portwatch_storage_last_write_successful 1\n');
    expect(text).toContain('portwatch_storage_last_write_success_timestamp_seconds 0\n');
    self.setStorageWrite(true, 1_700_000_000_000);
    self.setStorageWrite(false, 1_700_000_005_000);
    text = await self.registry.metrics();
    expect(text).toContain('portwatch_storage_last_write_successful 0\n');
    expect(text).toContain('portwatch_storage_last_write_success_timestamp_seconds 1700000000\n');
  });

  it('leaves the global registry alone, so several instances can coexist', () => {
    bound();
    bound();
    expect(globalRegistry.getMetricsAsArray()).toEqual([]);
  });
});
