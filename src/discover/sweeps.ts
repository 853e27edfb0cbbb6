import type { Logger } from 'pino';
import type { Resolution } from '../check/checker.js';
import type { MonitorConfig } from '../config/types.js';
import type { ProbeCapacity } from '../probe/capacity.js';
import type { Routable } from '../resolve/families.js';
import type { Want } from '../resolve/resolve.js';
import { Scheduler } from '../schedule/scheduler.js';
import type { DiscoveryState } from '../state/discovery.js';
import type { ProbeResult, Protocol } from '../types.js';
import { SweepGate } from './polite.js';
import { sweepHost } from './sweep.js';

/** Sweep attempts get at most this share of the global concurrency (at least 1). */
export const SWEEP_SHARE = 1 / 8;
/** Sweep attempts started per second to one address, at most. */
export const SWEEP_RATE_PER_ADDRESS = 500;
/** Scheduler job ids of sweeps: a prefix, then monitor and host, NUL-separated like target ids. */
const SWEEP_PREFIX = 'discover\u0000';

export interface DiscoverySweepsDeps {
  state: DiscoveryState;
  log: Logger;
  /** The capacity the checks use: sweep attempts go through it too, behind the gate and behind checks. */
  capacity: ProbeCapacity;
  resolve: (host: string, want: Want) => Promise<Resolution>;
  routable: () => Routable;
}

/**
 * Runs the discovery sweeps of every (monitor, host) with `discover:`, each on its own
 * schedule (a scheduler of their own, phase-spread like checks), politely (SweepGate),
 * and records what they find in the DiscoveryState.
 */
export class DiscoverySweeps {
  readonly #deps: DiscoverySweepsDeps;
  readonly #scheduler: Scheduler;
  readonly #gate: SweepGate;
  readonly #workers: number;
  #sweeps = new Map<string, { monitor: MonitorConfig; host: string }>();
  #stopping = false;

  constructor(deps: DiscoverySweepsDeps) {
    this.#deps = deps;
    this.#workers = Math.max(1, Math.floor(deps.capacity.concurrency * SWEEP_SHARE));
    this.#gate = new SweepGate({
      concurrency: this.#workers,
      perAddressRate: SWEEP_RATE_PER_ADDRESS,
      checksWaiting: () => deps.capacity.foregroundWaiting,
    });
    this.#scheduler = new Scheduler({
      run: (id) => this.#run(id),
      // Sweeps beyond these wait for their turn here, holding no memory; the gate caps their attempts anyway.
      maxInFlight: 16,
      onError: (id, err) => {
        if (!this.#stopping)
          deps.log.error({ err, sweep: id.slice(SWEEP_PREFIX.length) }, 'discovery sweep failed unexpectedly');
      },
    });
  }

  /** Sweeps exactly the hosts of these monitors that have discovery; kept ones keep their schedule. */
  set(monitors: readonly MonitorConfig[]): void {
    this.#sweeps = new Map();
    for (const monitor of monitors) {
      if (monitor.discover === undefined || monitor.discover.ports.length === 0) continue;
      for (const host of monitor.hosts)
        this.#sweeps.set([SWEEP_PREFIX + monitor.name, host].join('\u0000'), { monitor, host });
    }
    this.#scheduler.set([...this.#sweeps].map(([id, s]) => ({ id, intervalMs: s.monitor.discover!.intervalMs })));
  }

  /** Starts no more attempts (those waiting are rejected); waits up to graceMs for sweeps under way. */
  stop(graceMs: number, reason: Error): Promise<void> {
    this.#stopping = true;
    const stopped = this.#scheduler.stop(graceMs);
    this.#gate.close(reason);
    return stopped;
  }

  async #run(id: string): Promise<void> {
    const sweep = this.#sweeps.get(id);
    if (!sweep) return; // removed by a reload since it was scheduled
    const { monitor, host } = sweep;
    const { state, log } = this.#deps;
    const result = await sweepHost(monitor, host, {
      resolve: this.#deps.resolve,
      routable: this.#deps.routable,
      seenOpen: (ip, port) => state.seenOpen(monitor.name, host, ip, port),
      workers: this.#workers,
      attempt: (ip, protocol, port, timeoutMs) => this.#attempt(ip, protocol, port, timeoutMs),
    });
    if (result.addresses === undefined) {
      log.debug({ monitor: monitor.name, host }, 'discovery sweep skipped: host did not resolve');
      return;
    }
    const changes = state.recordSweep(monitor.name, host, result.addresses, Date.now(), result.durationSeconds);
    for (const c of changes) {
      const fields = { monitor: c.monitor, host: c.host, ip: c.ip, port: c.port, protocol: c.protocol };
      if (c.unexpected) log.warn(fields, 'unexpected open port');
      else log.info(fields, 'unexpected open port no longer open');
    }
    const open = result.addresses.reduce((n, a) => n + a.open.length, 0);
    const unexpected = state.unexpected().filter((u) => u.monitor === monitor.name && u.host === host).length;
    log.debug(
      {
        monitor: monitor.name,
        host,
        ports: monitor.discover?.ports.length,
        open,
        unexpected,
        durationSeconds: result.durationSeconds,
      },
      'discovery sweep complete',
    );
  }

  /** A sweep attempt: through the gate (share, rate, checks first), then the capacity like any check. */
  #attempt(ip: string, protocol: Protocol, port: number, timeoutMs: number): Promise<ProbeResult> {
    const { capacity } = this.#deps;
    return this.#gate.run(ip, () => capacity.probe(protocol, ip, port, timeoutMs, { background: true }));
  }
}
