// file_sd: target groups in JSON or YAML files, re-read when their directory changes and
// every refresh interval. A file that cannot be read or parsed keeps its last good hosts.
import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import type { Logger } from 'pino';
import { formatProblem, type ConfigProblem } from '../config/errors.js';
import { cannotRead, readRegularFile } from '../config/read-file.js';
import type { FileSdConfig } from '../config/types.js';
import { filePattern, listMatches, type FilePattern } from './glob.js';
import { dialectOf, parseGroupsBytes, SD_LIMIT } from './parse-groups.js';
import { problem, serialized, type SdSource, type SourceStatus, droppedMessage } from './source.js';
import type { DiscoveredHost } from './target-groups.js';

/** Changes come in bursts (an editor writes, renames, touches): read once they settle. */
const SETTLE_MS = 100;

interface FileState {
  hosts: readonly DiscoveredHost[];
  /** Hash of the text last read, good or bad: the same text is not parsed again. */
  digest: string;
  ok: boolean;
  failures: number;
  lastSuccessMs: number | undefined;
}

export class FileSd implements SdSource {
  readonly #patterns: FilePattern[];
  readonly #intervalMs: number;
  readonly #log: Logger;
  readonly #onChange: () => void;
  readonly #files = new Map<string, FileState>();
  readonly #watchers = new Map<string, FSWatcher>();
  #timer: NodeJS.Timeout | undefined;
  #settle: NodeJS.Timeout | undefined;
  #started = false;
  readonly refresh: () => Promise<void>;

  constructor(config: FileSdConfig, opts: { log: Logger; onChange: () => void }) {
    this.#patterns = config.files.map((f) => filePattern(f, config.baseDir));
    this.#intervalMs = config.refreshIntervalMs;
    this.#log = opts.log;
    this.#onChange = opts.onChange;
    this.refresh = serialized(() => this.#read());
  }

  start(): void {
    this.#started = true;
    this.#watch();
    this.#arm();
  }

  stop(): void {
    this.#started = false;
    clearTimeout(this.#timer);
    clearTimeout(this.#settle);
    for (const w of this.#watchers.values()) w.close();
    this.#watchers.clear();
  }

  hosts(): readonly DiscoveredHost[] {
    const all: DiscoveredHost[] = [];
    for (const f of this.#files.values()) for (const h of f.hosts) all.push(h);
    return all;
  }

  statuses(): SourceStatus[] {
    return [...this.#files].map(([source, f]) => ({
      mechanism: 'file',
      source,
      hosts: f.hosts.length,
      ok: f.ok,
      failures: f.failures,
      lastSuccessMs: f.lastSuccessMs,
    }));
  }

  async #read(): Promise<void> {
    const lists = await Promise.all(this.#patterns.map(listMatches));
    const paths = [...new Set(lists.flat())].sort();
    let changed = false;
    for (const path of this.#files.keys()) {
      if (paths.includes(path)) continue;
      // A file removed takes its hosts with it, as in Prometheus.
      changed ||= this.#files.get(path)!.hosts.length > 0;
      this.#files.delete(path);
    }
    const next = new Map<string, FileState>();
    for (const path of paths) {
      const before = this.#files.get(path);
      const state = await this.#readFile(path, before);
      next.set(path, state);
      changed ||= state.hosts !== before?.hosts;
    }
    // Sorted by path, so hosts() keeps one order whatever order the files were found in.
    this.#files.clear();
    for (const [path, state] of next) this.#files.set(path, state);
    if (this.#started) this.#watch();
    if (changed) this.#onChange();
  }

  async #readFile(path: string, before: FileState | undefined): Promise<FileState> {
    const now = Date.now();
    let bytes: Buffer;
    try {
      bytes = await readRegularFile(path, SD_LIMIT);
    } catch (err) {
      // Gone between listing and reading: the next read of the directory settles it.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && before) return before;
      return this.#failed(path, before, '', [cannotRead(err)]);
    }
    const digest = createHash('sha1').update(bytes).digest('hex');
    if (before && before.digest === digest) return before.ok ? { ...before, lastSuccessMs: now } : before;
    const parsed = await parseGroupsBytes(bytes, dialectOf(path));
    if (!parsed.ok) return this.#failed(path, before, digest, parsed.problems);
    const read = parsed.value;
    if (read.droppedCount > 0) {
      const err = problem(droppedMessage(path, read.dropped, read.droppedCount));
      this.#log.error(
        { file: path, dropped: read.droppedCount, err },
        'service discovery targets left out: portwatch cannot check them',
      );
    }
    return { hosts: read.hosts, digest, ok: true, failures: before?.failures ?? 0, lastSuccessMs: now };
  }

  #failed(path: string, before: FileState | undefined, digest: string, problems: ConfigProblem[]): FileState {
    const message = problems.map((p) => formatProblem(path, p)).join('\n');
    this.#log.error(
      { file: path, err: problem(message) },
      'service discovery file is invalid, keeping its last good targets',
    );
    return {
      hosts: before?.hosts ?? [],
      digest,
      ok: false,
      failures: (before?.failures ?? 0) + 1,
      lastSuccessMs: before?.lastSuccessMs,
    };
  }

  /** Watches the directory of every pattern; one that cannot be watched yet (missing) is tried at the next read. */
  #watch(): void {
    for (const p of this.#patterns) {
      if (this.#watchers.has(p.dir)) continue;
      try {
        // Any change in the directory, not only to matching names: a Kubernetes ConfigMap
        // update swaps a hidden "..data" link, so the files change without an event of their own.
        const w = watch(p.dir, { persistent: false }, () => this.#soon());
        w.on('error', () => {
          w.close();
          this.#watchers.delete(p.dir);
          this.#soon();
        });
        this.#watchers.set(p.dir, w);
      } catch {
        // The directory does not exist (yet): the refresh interval finds it.
      }
    }
  }

  #soon(): void {
    if (!this.#started) return;
    clearTimeout(this.#settle);
    this.#settle = setTimeout(() => void this.refresh(), SETTLE_MS).unref();
  }

  #arm(): void {
    this.#timer = setTimeout(() => {
      void this.refresh().finally(() => {
        if (this.#started) this.#arm();
      });
    }, this.#intervalMs).unref();
  }
}
