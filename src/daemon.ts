import type { Logger } from 'pino';
import { Checker } from './check/checker.js';
import { logChanges } from './check/log-changes.js';
import { targetsOf, type CheckTarget } from './check/target.js';
import type { DaemonFlags } from './cli/flags.js';
import { loadConfigFile } from './config/load.js';
import type { Config } from './config/types.js';
import { startHttpServer, type HttpServer } from './http/server.js';
import { SelfMetrics } from './metrics/self.js';
import { probeWithBackoff } from './probe/backoff.js';
import { defaultGlobalConcurrency, ProbeLimiter } from './probe/limiter.js';
import { Resolver } from './probe/resolve.js';
import { probeTcp } from './probe/tcp.js';
import { Scheduler } from './schedule/scheduler.js';
import { selectShard } from './shard/assign.js';
import { PortStore } from './state/store.js';
import { VERSION } from './version.js';

/** Wires config, probing, scheduling, state, metrics and HTTP; owns reload and shutdown. */
export class Daemon {
  readonly #flags: DaemonFlags;
  readonly #log: Logger;
  readonly #store = new PortStore();
  readonly #self: SelfMetrics;
  readonly #limiter: ProbeLimiter;
  readonly #concurrency: number;
  readonly #scheduler: Scheduler;
  readonly #checker: Checker;
  #targets = new Map<string, CheckTarget>();
  #intervals = new Map<string, number>();
  #http: HttpServer | undefined;
  #reloading: Promise<void> = Promise.resolve();
  #ready = false;

  constructor(flags: DaemonFlags, log: Logger) {
    this.#flags = flags;
    this.#log = log;
    this.#self = new SelfMetrics({ version: VERSION, shard: flags.shard });
    const concurrency = flags.probeConcurrency ?? defaultGlobalConcurrency();
    this.#concurrency = concurrency;
    this.#limiter = new ProbeLimiter({ global: concurrency, perAddress: flags.probeConcurrencyPerAddress });
    const resolver = new Resolver();
    this.#checker = new Checker({
      store: this.#store,
      resolve: (host) => resolver.resolve(host),
      attempt: async (ip, port, timeoutMs) => {
        const result = await probeWithBackoff(() => this.#limiter.run(ip, () => probeTcp(ip, port, timeoutMs)), {
          onBackoff: () => this.#self.countBackoff(),
        });
        this.#self.countProbe(result.state);
        return result;
      },
    });
    this.#scheduler = new Scheduler({
      run: (id) => this.#runCheck(id),
      // Enough checks in flight to keep the limiter busy, few enough to bound memory.
      maxInFlight: concurrency * 2,
      onError: (id, err) => this.#log.error({ err, target: id }, 'check failed unexpectedly'),
    });
    this.#self.bind({ store: this.#store, intervalsMs: () => this.#intervals, inFlight: () => this.#limiter.inFlight });
  }

  /** Loads the config (a bad one is fatal here), starts serving and checking. */
  async start(): Promise<void> {
    const config = await loadConfigFile(this.#flags.configFile);
    this.#http = await startHttpServer(this.#flags.listenAddress, {
      store: this.#store,
      self: this.#self,
      reload: () => this.reload(),
      ready: () => this.#ready,
      info: { version: VERSION, configFile: this.#flags.configFile, startedAt: Date.now(), listenAddress: this.#flags.listenAddress },
      logger: this.#log,
    });
    this.#apply(config);
    this.#self.setConfigReload(true, Date.now());
    this.#ready = true;
    this.#log.info(
      { version: VERSION, configFile: this.#flags.configFile, listen: `${this.#http.host}:${this.#http.port}`, monitors: config.monitors.length, targets: this.#targets.size, concurrency: this.#concurrency, shard: this.#flags.shard },
      'portwatch started',
    );
    void this.#scheduler.firstRoundDone().then(() => this.#logRoundSummary());
  }

  /** Reloads the config file; a bad one keeps the running config and rejects with its error. */
  reload(): Promise<void> {
    // Reloads from SIGHUP and HTTP may race; run them one after another.
    const next = this.#reloading.then(() => this.#reloadNow());
    this.#reloading = next.catch(() => undefined);
    return next;
  }

  async stop(): Promise<void> {
    this.#ready = false;
    await this.#scheduler.stop(this.#flags.shutdownGraceMs);
    await this.#http?.close();
  }

  async #reloadNow(): Promise<void> {
    let config: Config;
    try {
      config = await loadConfigFile(this.#flags.configFile);
    } catch (err) {
      this.#self.setConfigReload(false, Date.now());
      this.#log.error({ err, configFile: this.#flags.configFile }, 'config reload failed, keeping the running config');
      throw err;
    }
    this.#apply(config);
    this.#self.setConfigReload(true, Date.now());
    this.#log.info({ configFile: this.#flags.configFile, monitors: config.monitors.length, targets: this.#targets.size }, 'config reloaded');
  }

  /** Checks this shard's part of `config`: every monitor, only the hosts of this shard. */
  #apply(config: Config): void {
    const mine = selectShard(config, this.#flags.shard);
    this.#targets = targetsOf(mine);
    this.#intervals = new Map(mine.monitors.map((m) => [m.name, m.intervalMs]));
    this.#store.setTargets(mine.monitors);
    this.#scheduler.set([...this.#targets.values()].map((t) => ({ id: t.id, intervalMs: t.intervalMs })));
  }

  async #runCheck(id: string): Promise<void> {
    const target = this.#targets.get(id);
    if (!target) return; // removed by a reload since it was scheduled
    logChanges(this.#log, await this.#checker.check(target));
  }

  #logRoundSummary(): void {
    const states = { open: 0, closed: 0, filtered: 0, error: 0 };
    for (const r of this.#store.records()) states[r.state] += 1;
    const violations = [...this.#store.violationCounts().values()].reduce((n, c) => n + c.open + c.closed, 0);
    this.#log.info({ ...states, violations }, 'first round complete');
  }
}
