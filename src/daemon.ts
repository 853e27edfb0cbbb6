import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { Checker } from './check/checker.js';
import type { Target } from './state/target.js';
import { logChanges } from './check/log-changes.js';
import { MAX_TARGETS } from './config/checks.js';
import { ConfigError } from './config/errors.js';
import { loadConfigFile } from './config/load.js';
import type { Config } from './config/types.js';
import { startHttpServer, type HttpServer } from './http/server.js';
import { SelfMetrics } from './metrics/self.js';
import { ProbeCapacity } from './probe/capacity.js';
import { tcpProbePath } from './probe/tcp.js';
import { detectRoutable, type Routable } from './resolve/families.js';
import { Resolver } from './resolve/resolve.js';
import { addSteps, removeSteps, rescheduleSteps } from './schedule/job-steps.js';
import { Scheduler, type Job } from './schedule/scheduler.js';
import { SlicedWork } from './schedule/sliced-work.js';
import { selectShard, type Shard } from './shard/assign.js';
import { PortStore, type StateChange, type TargetChanges } from './state/store.js';
import { isViolation, type PortState } from './types.js';
import { VERSION } from './version.js';
import { recheck, type CheckFilter, type CheckOutcome } from './api/recheck.js';
import { WebServing } from './web/serving.js';
import { DiscoverySweeps } from './discover/sweeps.js';
import { withDiscoveredHosts } from './sd/merge.js';
import { ServiceDiscovery, type SavedHttpSd, type SavedReads } from './sd/service-discovery.js';
import { loadState, type LoadedState } from './storage/load.js';
import { lastGoodReads, restoreInto, snapshotOf } from './storage/snapshot.js';
import { StateWriter } from './storage/writer.js';
import type { LogFormat, LogLevel } from './log/logger.js';

/** What the daemon runs with, from the command line (src/cli/flags.ts). */
export interface DaemonFlags {
  configFile: string;
  listenAddress: string;
  /** TLS and basic auth (exporter-toolkit format); undefined: plain HTTP, no auth. */
  webConfigFile: string | undefined;
  /** Connections that carried an authorized request, kept open at once; untrusted ones have a room of their own. */
  webMaxConnections: number;
  logLevel: LogLevel;
  logFormat: LogFormat;
  /** undefined: derived from the file-descriptor limit. */
  probeConcurrency: number | undefined;
  probeConcurrencyPerAddress: number;
  /** The part of the targets this process checks; { index: 0, count: 1 } when not sharded. */
  shard: Shard;
  /** The directory of the state file kept across restarts. */
  storagePath: string;
}

/** Wires config, probing, scheduling, state, metrics and HTTP; owns reload and shutdown. */
export class Daemon {
  readonly #flags: DaemonFlags;
  readonly #log: Logger;
  readonly #store = new PortStore();
  readonly #self: SelfMetrics;
  readonly #capacity: ProbeCapacity;
  readonly #scheduler: Scheduler;
  /** The scheduler's share of each change of the targets, a slice per turn of the event loop. */
  readonly #scheduling = new SlicedWork();
  readonly #checker: Checker;
  /** Discovery sweeps: their own scheduler, so they never hold up a check's slot or its first round. */
  readonly #sweeps: DiscoverySweeps;
  /** Hosts from file_sd and http_sd, added to the config's at each apply. */
  readonly #sd: ServiceDiscovery;
  /** The config file's config, running: service discovery adds to it. */
  #config: Config | undefined;
  #intervals = new Map<string, number>();
  /** The hosts checked now, per monitor: what a service-discovery read is compared with. */
  #hosts: HostSets = new Map();
  #http: HttpServer | undefined;
  #web: WebServing | undefined;
  #reloading: Promise<void> = Promise.resolve();
  #ready = false;
  #stopping = false;
  /** Address families this machine can route, found at start and at each reload (ip_family auto). */
  #routable: Routable = detectRoutable();
  /** http_sd reads saved by the last run, offered to endpoints while start-up creates them. */
  #savedReads: SavedReads | undefined;
  /** Saves the state from the end of start-up on. */
  #writer: StateWriter | undefined;
  /** The http_sd reads as they were when stopping began: service discovery forgets them when it stops. */
  #httpAtStop: SavedHttpSd[] | undefined;

  constructor(flags: DaemonFlags, log: Logger) {
    this.#flags = flags;
    this.#log = log;
    this.#self = new SelfMetrics({ version: VERSION, shard: flags.shard, probePath: tcpProbePath });
    this.#capacity = new ProbeCapacity({
      concurrency: flags.probeConcurrency,
      perAddress: flags.probeConcurrencyPerAddress,
      onStart: () => this.#scheduler.poke(),
      onBackoff: () => this.#self.countBackoff(),
      onResult: (result) => this.#self.countProbe(result.state),
    });
    const capacity = this.#capacity;
    const resolver = new Resolver();
    this.#checker = new Checker({
      store: this.#store,
      resolve: (host, want) => resolver.resolve(host, want),
      routable: () => this.#routable,
      attempt: (ip, protocol, port, timeoutMs) => capacity.probe(protocol, ip, port, timeoutMs),
    });
    this.#scheduler = new Scheduler({
      run: (id) => this.#runCheck(id),
      maxInFlight: capacity.maxChecksInFlight,
      admit: (inFlight) => capacity.admitsCheck(inFlight),
      onError: (id, err) => {
        if (!this.#stopping) this.#log.error({ err, target: id }, 'check failed unexpectedly');
      },
    });
    this.#sweeps = new DiscoverySweeps({
      state: this.#store.discovery,
      log,
      capacity,
      resolve: (host, want) => resolver.resolve(host, want),
      routable: () => this.#routable,
    });
    this.#sd = new ServiceDiscovery({
      log,
      onChange: () => this.#discovered(),
      saved: (monitor, url) => this.#savedReads?.(monitor, url),
    });
    this.#bindSelfMetrics();
  }

  /** portwatch's own metrics read these at each scrape. */
  #bindSelfMetrics(): void {
    this.#self.bind({
      sd: () => this.#sd.statuses(),
      store: this.#store,
      intervalsMs: () => this.#intervals,
      inFlight: () => this.#capacity.inFlight,
      socketLimit: () => this.#capacity.socketLimit,
    });
  }

  /** Loads the config (a bad one is fatal here), starts serving and checking. */
  async start(): Promise<void> {
    const config = await loadConfigFile(this.#flags.configFile);
    const saved = await loadState(this.#flags.storagePath, this.#log);
    this.#savedReads = saved && lastGoodReads(saved);
    this.#web = await WebServing.load(this.#flags.webConfigFile, {
      limits: { maxConnections: this.#flags.webMaxConnections },
      logger: this.#log,
    });
    this.#http = await startHttpServer(this.#flags.listenAddress, {
      store: this.#store,
      self: this.#self,
      reload: () => this.reload(),
      ready: () => this.#ready,
      info: {
        version: VERSION,
        configFile: this.#flags.configFile,
        startedAt: Date.now(),
        listenAddress: this.#flags.listenAddress,
        sd: () => this.#sd.statuses(),
      },
      logger: this.#log,
      web: this.#web,
      checkNow: (filter) => this.checkNow(filter),
    });
    await this.#sd.set(config);
    this.#savedReads = undefined;
    this.#apply(config, saved);
    // Every job is there before the first round is counted, and before anything is served as ready.
    this.#scheduling.drain();
    this.#self.setConfigReload(true, Date.now());
    this.#startWriter();
    this.#ready = true;
    this.#log.info(
      {
        version: VERSION,
        configFile: this.#flags.configFile,
        listen: this.#http.host.includes(':')
          ? `[${this.#http.host}]:${this.#http.port}`
          : `${this.#http.host}:${this.#http.port}`,
        scheme: this.#web.scheme,
        monitors: config.monitors.length,
        targets: this.#store.targets().size,
        concurrency: this.#capacity.concurrency,
        probePath: tcpProbePath,
        shard: this.#flags.shard,
      },
      'portwatch started',
    );
    const roundStarted = performance.now();
    void this.#scheduler.firstRoundDone().then(() => this.#logRoundSummary((performance.now() - roundStarted) / 1000));
  }

  /** Reloads the config file; a bad one keeps the running config and rejects with its error. */
  reload(): Promise<void> {
    // Reloads from SIGHUP and HTTP may race; run them one after another.
    const next = this.#reloading.then(() => this.#reloadNow());
    this.#reloading = next.catch(() => undefined);
    return next;
  }

  /** Re-checks configured targets now, as the scheduler would (POST /api/v1/check); never anything not configured. */
  checkNow(filter: CheckFilter): Promise<CheckOutcome> {
    const check = async (target: Target) => {
      const changes = await this.#checker.check(target);
      logChanges(this.#log, changes);
      return changes;
    };
    return recheck(
      { targets: this.#store.targets().values(), check, records: (id) => this.#store.recordsOf(id) },
      filter,
    );
  }

  async stop(): Promise<void> {
    this.#ready = false;
    this.#stopping = true;
    this.#scheduling.stop();
    const stopped = this.#scheduler.stop(this.#capacity.shutdownGraceMs);
    // Checks waiting for a probe slot end now; only attempts under way get the grace period.
    const stopping = new Error('portwatch is stopping');
    const sweepsStopped = this.#sweeps.stop(this.#capacity.shutdownGraceMs, stopping);
    this.#httpAtStop = this.#sd.savedHttp();
    this.#sd.stop();
    this.#capacity.close(stopping);
    await Promise.all([stopped, sweepsStopped]);
    // After the last checks recorded their results; only a daemon that started (and restored) writes.
    await this.#writer?.close();
    await this.#http?.close();
  }

  #startWriter(): void {
    const sources = { store: this.#store, httpSd: () => this.#httpAtStop ?? this.#sd.savedHttp() };
    this.#writer = new StateWriter({
      dir: this.#flags.storagePath,
      log: this.#log,
      snapshot: (now) => snapshotOf(sources, now),
      revision: () => this.#store.revision,
      onWrite: (ok, at) => this.#self.setStorageWrite(ok, at),
    });
    this.#writer.start();
  }

  async #reloadNow(): Promise<void> {
    let config: Config;
    let web;
    try {
      config = await loadConfigFile(this.#flags.configFile);
      web = await this.#web?.prepare();
    } catch (err) {
      this.#self.setConfigReload(false, Date.now());
      this.#logReloadFailure(err);
      throw err;
    }
    await this.#sd.set(config);
    this.#apply(config);
    if (web) this.#web?.apply(web);
    this.#self.setConfigReload(true, Date.now());
    this.#log.info(
      { configFile: this.#flags.configFile, monitors: config.monitors.length, targets: this.#store.targets().size },
      'config reloaded',
    );
  }

  /** A bad file is the operator's to fix, said in one line; anything else is a bug and keeps its stack. */
  #logReloadFailure(err: unknown): void {
    const configFile = this.#flags.configFile;
    if (!(err instanceof ConfigError)) {
      this.#log.error({ err, configFile }, 'config reload failed, keeping the running config');
      return;
    }
    const msg = 'config reload failed, keeping the running config; fix the file and reload again';
    this.#log.error({ configFile, problems: err.message }, msg);
    this.#log.debug({ err }, 'config reload failure');
  }

  /** A service-discovery source was read: check what it found with the running config. */
  #discovered(): void {
    if (this.#config === undefined || this.#stopping) return;
    const before = this.#hosts;
    this.#applyTargets(this.#config);
    const { added, removed } = hostChanges(before, this.#hosts);
    // A source that failed, or read what it had, changes nothing and is not news.
    if (added + removed === 0) this.#log.debug('service discovery read, no target changed');
    else {
      const targets = this.#store.targets().size;
      this.#log.info({ targets, hostsAdded: added, hostsRemoved: removed }, 'service discovery changed the targets');
    }
  }

  /** Runs `config` from now on (at start, with the state saved by the last run, and at each good reload). */
  #apply(config: Config, saved?: LoadedState): void {
    this.#config = config;
    this.#routable = detectRoutable();
    // Said once, since ip_family auto then leaves a family's addresses unchecked.
    if (!this.#routable.ipv4 || !this.#routable.ipv6)
      this.#log.info(
        { routable: this.#routable },
        'no route for an address family; ip_family auto checks only the others',
      );
    this.#applyTargets(config, saved);
  }

  /**
   * Checks this shard's part of `config` and of the hosts service discovery found: every monitor,
   * only the hosts of this shard.
   */
  #applyTargets(config: Config, saved?: LoadedState): void {
    const merged = withDiscoveredHosts(config, (monitor) => this.#sd.hostsOf(monitor));
    for (const [monitor, dropped] of merged.dropped) {
      this.#log.error(
        { monitor, dropped, maxTargets: MAX_TARGETS },
        'service discovery found more hosts than portwatch checks; the last ones are left out',
      );
    }
    const mine = selectShard(merged.config, this.#flags.shard);
    const changes = this.#store.setTargets(mine.monitors);
    if (saved) this.#restore(saved);
    this.#hosts = new Map(mine.monitors.map((m) => [m.name, new Set(m.hosts)]));
    this.#intervals = new Map(mine.monitors.map((m) => [m.name, m.intervalMs]));
    this.#schedule(changes);
    this.#sweeps.set(mine.monitors);
  }

  /**
   * Brings the scheduler to the store's targets, in slices: jobs are removed and added in
   * the order the changes came; a monitor's new interval is passed to each of its jobs, and
   * a later change of the same monitor's interval supersedes what is left of that pass.
   */
  #schedule(changes: TargetChanges): void {
    const scheduler = this.#scheduler;
    if (changes.removed.length > 0) this.#scheduling.enqueue(removeSteps(scheduler, changes.removed));
    if (changes.added.length > 0) this.#scheduling.enqueue(addSteps(scheduler, changes.added, checkJob));
    for (const monitor of changes.rescheduled) {
      this.#scheduling.enqueue(rescheduleSteps(scheduler, this.#store.targetsOf(monitor), checkJob), monitor);
    }
  }

  /** Before any check or sweep: the stored states are then the baselines of the first ones. */
  #restore(saved: LoadedState): void {
    const counts = restoreInto(this.#store, saved);
    const writtenAt = new Date(saved.writtenAt).toISOString();
    const { targets, discovery } = counts;
    const httpSd = saved.httpSd.length;
    const dir = resolve(this.#flags.storagePath);
    this.#log.info({ dir, writtenAt, targets, discoveryHosts: discovery, httpSd }, 'restored saved state');
  }

  #runCheck(id: string): Promise<void> | undefined {
    const target = this.#store.get(id);
    if (!target) return undefined; // removed by a reload since it was scheduled
    return this.#checker.check(target).then(this.#logChanges);
  }

  readonly #logChanges = (changes: StateChange[]): void => logChanges(this.#log, changes);

  #logRoundSummary(durationSeconds: number): void {
    const states: Record<PortState, number> = { open: 0, closed: 0, filtered: 0, 'open|filtered': 0, error: 0 };
    let violations = 0;
    // One pass over every record: at 100k targets each pass is a stall of its own.
    this.#store.forEachRecord((r) => {
      states[r.state] += 1;
      if (isViolation(r.target.expected, r.state)) violations += 1;
    });
    this.#log.info(
      { ...states, violations, targets: this.#store.targets().size, durationSeconds },
      'first round complete',
    );
  }
}

type HostSets = ReadonlyMap<string, ReadonlySet<string>>;

/** Hosts per monitor in `after` and not in `before`, and the other way round. */
function hostChanges(before: HostSets, after: HostSets): { added: number; removed: number } {
  const count = (from: HostSets, to: HostSets): number => {
    let n = 0;
    for (const [monitor, hosts] of from) {
      const other = to.get(monitor);
      for (const h of hosts) if (other?.has(h) !== true) n++;
    }
    return n;
  };
  return { added: count(after, before), removed: count(before, after) };
}

/** A target as the scheduler's job: its id and its monitor's interval now. */
function checkJob(t: Target): Job {
  return { id: t.id, intervalMs: t.settings.intervalMs };
}
