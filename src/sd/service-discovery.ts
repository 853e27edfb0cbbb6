// Every monitor's service-discovery sources: started and stopped as reloads add and remove
// them, a source whose settings did not change kept with what it found.
import type { Logger } from 'pino';
import type { Config, FileSdConfig, HttpSdConfig } from '../config/types.js';
import { FileSd } from './file-sd.js';
import { HttpSd, type LastGoodRead } from './http-sd.js';
import type { SdSource, SourceStatus } from './source.js';
import type { DiscoveredHost } from './target-groups.js';

/** Sources change in bursts (several files at once): one re-apply for all. */
const SETTLE_MS = 50;
/**
 * How long start and reload wait for the first read of new sources. Files answer at once;
 * an endpoint slower than this is applied when it answers, rather than hold up a reload.
 */
const FIRST_READ_WAIT_MS = 5_000;

export interface MonitorSourceStatus extends SourceStatus {
  readonly monitor: string;
}

/** An http_sd endpoint's last good read, by monitor and URL without credentials. */
export interface SavedHttpSd extends LastGoodRead {
  readonly monitor: string;
  readonly url: string;
}

/** The saved last good read of an endpoint, by monitor and URL without credentials. */
export type SavedReads = (monitor: string, url: string) => LastGoodRead | undefined;

type Spec = { mechanism: 'file'; config: FileSdConfig } | { mechanism: 'http'; config: HttpSdConfig };

export class ServiceDiscovery {
  readonly #log: Logger;
  readonly #onChange: () => void;
  /** By monitor, its sources in config order, keyed by what they read. */
  #monitors = new Map<string, Map<string, SdSource>>();
  #settle: NodeJS.Timeout | undefined;
  #quiet = false;
  /** Reads saved by an earlier run, for endpoints created while it returns some (at start). */
  readonly #saved: SavedReads | undefined;

  constructor(opts: { log: Logger; onChange: () => void; saved?: SavedReads }) {
    this.#log = opts.log;
    this.#onChange = opts.onChange;
    this.#saved = opts.saved;
  }

  /**
   * Make the sources those of `config`. New ones are read once before this resolves (up to
   * FIRST_READ_WAIT_MS; a later answer is applied through onChange), so the caller applies
   * their hosts at once; sources no longer configured stop.
   */
  async set(config: Config): Promise<void> {
    const next = new Map<string, Map<string, SdSource>>();
    const fresh: SdSource[] = [];
    for (const m of config.monitors) {
      const before = this.#monitors.get(m.name);
      const sources = new Map<string, SdSource>();
      const specs: Spec[] = [
        ...(m.fileSd ?? []).map((c): Spec => ({ mechanism: 'file', config: c })),
        ...(m.httpSd ?? []).map((c): Spec => ({ mechanism: 'http', config: c })),
      ];
      for (const spec of specs) {
        const key = JSON.stringify(spec);
        if (sources.has(key)) continue;
        let source = before?.get(key);
        if (source === undefined) {
          source = this.#create(m.name, spec);
          fresh.push(source);
        }
        sources.set(key, source);
      }
      if (sources.size > 0) next.set(m.name, sources);
    }
    // The caller applies once these are read: their changes need no re-apply of their own.
    this.#quiet = true;
    let timer: NodeJS.Timeout | undefined;
    try {
      const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, FIRST_READ_WAIT_MS)));
      await Promise.race([Promise.all(fresh.map((s) => s.refresh())), waited]);
    } finally {
      clearTimeout(timer);
      this.#quiet = false;
    }
    const kept = new Set([...next.values()].flatMap((s) => [...s.values()]));
    for (const sources of this.#monitors.values()) for (const s of sources.values()) if (!kept.has(s)) s.stop();
    for (const s of fresh) s.start();
    this.#monitors = next;
  }

  /** The hosts found for a monitor, its sources in config order. */
  hostsOf(monitor: string): DiscoveredHost[] {
    const all: DiscoveredHost[] = [];
    for (const s of this.#monitors.get(monitor)?.values() ?? []) for (const h of s.hosts()) all.push(h);
    return all;
  }

  statuses(): MonitorSourceStatus[] {
    const out: MonitorSourceStatus[] = [];
    for (const [monitor, sources] of this.#monitors)
      for (const s of sources.values()) for (const st of s.statuses()) out.push({ monitor, ...st });
    return out;
  }

  /** Every http_sd endpoint's last good read, for endpoints that had one. */
  savedHttp(): SavedHttpSd[] {
    const out: SavedHttpSd[] = [];
    for (const [monitor, sources] of this.#monitors) {
      for (const s of sources.values()) {
        if (!(s instanceof HttpSd)) continue;
        const read = s.lastGood();
        if (read !== undefined) out.push({ monitor, url: s.url, ...read });
      }
    }
    return out;
  }

  stop(): void {
    clearTimeout(this.#settle);
    for (const sources of this.#monitors.values()) for (const s of sources.values()) s.stop();
    this.#monitors = new Map();
  }

  #create(monitor: string, spec: Spec): SdSource {
    const opts = { log: this.#log.child({ monitor }), onChange: () => this.#changed() };
    if (spec.mechanism === 'file') return new FileSd(spec.config, opts);
    return new HttpSd(spec.config, { ...opts, lastGood: this.#saved && ((url) => this.#saved?.(monitor, url)) });
  }

  #changed(): void {
    if (this.#quiet) return;
    clearTimeout(this.#settle);
    this.#settle = setTimeout(() => this.#onChange(), SETTLE_MS).unref();
  }
}
