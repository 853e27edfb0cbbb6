/**
 * portwatch's metrics about itself, kept by prom-client on a registry of our own so that
 * nothing else loaded in the process (or another SelfMetrics in tests) can add to it.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { UNSHARDED, type Shard } from '../shard/assign.js';
import type { PortStore } from '../state/store.js';
import type { PortState } from '../types.js';
import {
  BUILD_INFO,
  CONFIG_LAST_RELOAD_SUCCESS_TIMESTAMP,
  CONFIG_LAST_RELOAD_SUCCESSFUL,
  MONITOR_INTERVAL,
  PROBE_BACKOFFS,
  PROBES,
  PROBES_IN_FLIGHT,
  PROBE_SOCKET_LIMIT,
  SD_HOSTS,
  SD_LABELS,
  SD_LAST_REFRESH_SUCCESS_TIMESTAMP,
  SD_LAST_REFRESH_SUCCESSFUL,
  SD_REFRESH_FAILURES,
  SHARDS,
  SHARD_INDEX,
  STORAGE_LAST_WRITE_SUCCESS_TIMESTAMP,
  STORAGE_LAST_WRITE_SUCCESSFUL,
  TARGETS,
} from './names.js';
import type { MonitorSourceStatus } from '../sd/service-discovery.js';

const PROBE_RESULTS: readonly PortState[] = ['open', 'closed', 'filtered', 'open|filtered', 'error'];

/** What the scrape-time gauges read; supplied once the daemon has built them. */
export interface SelfMetricsSource {
  store: PortStore;
  intervalsMs: () => ReadonlyMap<string, number>;
  inFlight: () => number;
  /** Absent: no socket limit to report (tests that bind only a store). */
  socketLimit?: () => number;
  /** Service-discovery files and endpoints; absent: none. */
  sd?: () => readonly MonitorSourceStatus[];
}

type SdLabel = (typeof SD_LABELS)[number];
type Registers = Registry[];
/** The daemon's sources once bound; undefined before (a scrape then reads nothing). */
type Source = () => SelfMetricsSource | undefined;

export class SelfMetrics {
  readonly registry = new Registry();
  /**
   * Probes counted since the last scrape, per result, added to the counter when it is
   * collected: a labelled inc() hashes its labels, and a round makes far more probes than scrapes.
   */
  readonly #probesSince: Record<PortState, number> = { open: 0, closed: 0, filtered: 0, 'open|filtered': 0, error: 0 };
  readonly #backoffs: Counter;
  readonly #reloadOk: Gauge;
  readonly #reloadAt: Gauge;
  readonly #storageOk: Gauge;
  readonly #storageAt: Gauge;
  #src: SelfMetricsSource | undefined;

  constructor(opts: { version: string; shard?: Shard; probePath?: string }) {
    const registers = [this.registry];
    const source: Source = () => this.#src;
    registerBuildInfo(registers, opts.version, opts.probePath);
    registerShard(registers, opts.shard ?? UNSHARDED);
    registerTargetGauges(registers, source);
    registerProbeGauges(registers, source);
    registerSdFamilies(registers, source);
    registerProbes(registers, this.#probesSince);
    this.#backoffs = new Counter({ ...PROBE_BACKOFFS, registers });
    this.#reloadOk = new Gauge({ ...CONFIG_LAST_RELOAD_SUCCESSFUL, registers });
    this.#reloadAt = new Gauge({ ...CONFIG_LAST_RELOAD_SUCCESS_TIMESTAMP, registers });
    this.#storageOk = new Gauge({ ...STORAGE_LAST_WRITE_SUCCESSFUL, registers });
    // Nothing has failed before the first write, which follows start-up at once.
    this.#storageOk.set(1);
    this.#storageAt = new Gauge({ ...STORAGE_LAST_WRITE_SUCCESS_TIMESTAMP, registers });
    registerProcessMetrics(this.registry);
  }

  bind(src: SelfMetricsSource): void {
    this.#src = src;
  }

  countProbe(state: PortState): void {
    this.#probesSince[state] += 1;
  }

  countBackoff(): void {
    this.#backoffs.inc();
  }

  /** A failed reload keeps the time of the last good one, as Prometheus and blackbox_exporter do. */
  setConfigReload(ok: boolean, atMs: number): void {
    this.#reloadOk.set(ok ? 1 : 0);
    if (ok) this.#reloadAt.set(atMs / 1000);
  }

  /** A failed write keeps the time of the last good one, as reloads do. */
  setStorageWrite(ok: boolean, atMs: number): void {
    this.#storageOk.set(ok ? 1 : 0);
    if (ok) this.#storageAt.set(atMs / 1000);
  }
}

function registerBuildInfo(registers: Registers, version: string, probePath: string | undefined): void {
  const info = new Gauge({ ...BUILD_INFO, labelNames: ['version', 'node_version', 'probe_path'], registers });
  const build = { version, node_version: process.version };
  info.set(probePath === undefined ? build : { ...build, probe_path: probePath }, 1);
}

/**
 * Fixed for the life of the process; exported unsharded too, so that rules can count
 * the shards reporting against portwatch_shards whatever the deployment.
 */
function registerShard(registers: Registers, shard: Shard): void {
  new Gauge({ ...SHARD_INDEX, registers }).set(shard.index);
  new Gauge({ ...SHARDS, registers }).set(shard.count);
}

/** Per monitor, read at scrape time and reset first: monitors removed by a reload must lose their series. */
function registerTargetGauges(registers: Registers, source: Source): void {
  // prom-client calls collect with the gauge as `this`.
  new Gauge({
    ...MONITOR_INTERVAL,
    labelNames: ['monitor'],
    registers,
    collect(this: Gauge<'monitor'>) {
      this.reset();
      for (const [monitor, ms] of source()?.intervalsMs() ?? []) this.set({ monitor }, ms / 1000);
    },
  });
  new Gauge({
    ...TARGETS,
    labelNames: ['monitor'],
    registers,
    collect(this: Gauge<'monitor'>) {
      this.reset();
      for (const [monitor, n] of source()?.store.targetCounts() ?? []) this.set({ monitor }, n);
    },
  });
}

function registerProbeGauges(registers: Registers, source: Source): void {
  new Gauge({
    ...PROBES_IN_FLIGHT,
    registers,
    collect(this: Gauge) {
      this.set(source()?.inFlight() ?? 0);
    },
  });
  new Gauge({
    ...PROBE_SOCKET_LIMIT,
    registers,
    collect(this: Gauge) {
      const limit = source()?.socketLimit;
      if (limit) this.set(limit());
    },
  });
}

/**
 * One family per fact about each service-discovery source, read from the sources at scrape
 * time and reset first, so that files gone and sources no longer configured lose their series.
 */
function registerSdFamilies(registers: Registers, source: Source): void {
  const family = (
    make: typeof Gauge | typeof Counter,
    name: { name: string; help: string },
    value: (s: MonitorSourceStatus) => number | undefined,
  ): void => {
    new make({
      ...name,
      labelNames: SD_LABELS,
      registers,
      collect(this: Gauge<SdLabel> | Counter<SdLabel>) {
        this.reset();
        for (const s of source()?.sd?.() ?? []) {
          const v = value(s);
          const labels = { monitor: s.monitor, sd: s.mechanism, source: s.source };
          if (v === undefined) continue;
          if (this instanceof Counter) this.inc(labels, v);
          else this.set(labels, v);
        }
      },
    });
  };
  family(Gauge, SD_HOSTS, (s) => s.hosts);
  family(Gauge, SD_LAST_REFRESH_SUCCESSFUL, (s) => (s.ok ? 1 : 0));
  family(Gauge, SD_LAST_REFRESH_SUCCESS_TIMESTAMP, (s) =>
    s.lastSuccessMs === undefined ? undefined : s.lastSuccessMs / 1000,
  );
  family(Counter, SD_REFRESH_FAILURES, (s) => s.failures);
}

/** The probes counter, fed at collect time from the counts kept since the last scrape. */
function registerProbes(registers: Registers, since: Record<PortState, number>): void {
  const probes = new Counter({
    ...PROBES,
    labelNames: ['result'],
    registers,
    collect(this: Counter<'result'>) {
      for (const result of PROBE_RESULTS) {
        if (since[result] === 0) continue;
        this.inc({ result }, since[result]);
        since[result] = 0;
      }
    },
  });
  // Present from the start, so rate() and absent-based alerts work before the first of each.
  for (const result of PROBE_RESULTS) probes.inc({ result }, 0);
}

/** Node.js process metrics, without the ones promtool rejects. */
function registerProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  // Gauges named like counters; the per-type nodejs_active_{handles,requests,resources} gauges carry the same numbers.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
    registry.removeSingleMetric(name);
  }
}
