// Saves the state while portwatch runs: soon after what is believed changes (spaced by
// the writes' own cost), and once more at shutdown. Never on the probe path: checks only
// count their changes (a revision number), and a timer here compares that count with the
// one last saved.
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { writeAtomically } from './atomic-write.js';
import { encodeState, STATE_FILE, type SavedState } from './format.js';
import { reason } from './reason.js';

/** How often the revision is compared: a change is saved within this (or SPACING) plus a write or two. */
const TICK_MS = 1_000;
/** After a failed write: a full or read-only disk is not retried every second. */
const RETRY_MS = 5_000;
/**
 * A write's duration times this passes before the next one: saving takes about a twentieth
 * of the event loop at most, however many targets there are and however busy the loop is
 * (a first round of 100k changes the revision all the time).
 */
const SPACING = 20;

export interface StateWriterOptions {
  dir: string;
  log: Logger;
  /** What to save, taken when a write begins. */
  snapshot: (nowMs: number) => SavedState;
  /** Counts changes of what is believed: a write is due while it differs from the count last saved. */
  revision: () => number;
  /** After each write, whether it succeeded and when it ended (epoch ms). */
  onWrite: (ok: boolean, atMs: number) => void;
  tickMs?: number;
  retryMs?: number;
}

export class StateWriter {
  readonly #opts: Required<StateWriterOptions>;
  readonly #file: string;
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> | undefined;
  /** The revision the file holds; NaN until the first write, which is always due. */
  #saved = Number.NaN;
  #retryAt = 0;
  /** performance.now() before which no write starts: see SPACING. */
  #spacedUntil = 0;
  #failing = false;
  #closed = false;

  constructor(opts: StateWriterOptions) {
    this.#opts = { tickMs: TICK_MS, retryMs: RETRY_MS, ...opts };
    this.#file = resolve(opts.dir, STATE_FILE);
  }

  /** Begins saving: a first write at once, then one whenever the revision has moved. */
  start(): void {
    this.#arm(0);
  }

  /** Stops the timer, lets a write under way end, and writes the state as it is now. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#writing;
    await this.#write();
  }

  #arm(ms: number): void {
    // Re-armed after each write ends: writes never overlap.
    this.#timer = setTimeout(() => {
      const due =
        this.#opts.revision() !== this.#saved && Date.now() >= this.#retryAt && performance.now() >= this.#spacedUntil;
      void (due ? this.#write() : Promise.resolve()).then(() => {
        if (!this.#closed) this.#arm(this.#opts.tickMs);
      });
    }, ms).unref();
  }

  #write(): Promise<void> {
    const started = performance.now();
    this.#writing = this.#writeNow().finally(() => {
      this.#writing = undefined;
      const ended = performance.now();
      this.#spacedUntil = ended + SPACING * (ended - started);
    });
    return this.#writing;
  }

  async #writeNow(): Promise<void> {
    const { dir, log, snapshot, revision, onWrite } = this.#opts;
    const started = performance.now();
    const at = revision();
    let bytes = 0;
    const counted = function* (): Generator<string> {
      for (const piece of encodeState(snapshot(Date.now()))) yield ((bytes += Buffer.byteLength(piece)), piece);
    };
    try {
      // Whatever fails, the snapshot included, is a failed write: never a crash of the daemon.
      await writeAtomically(dir, STATE_FILE, counted());
    } catch (err) {
      this.#retryAt = Date.now() + this.#opts.retryMs;
      onWrite(false, Date.now());
      // Once per streak of failures: the metric and the alert say it goes on.
      const fields = { file: this.#file, err: reason(err) };
      const fix = 'cannot save the state, checking goes on; make --storage.path a writable directory';
      if (!this.#failing) log.error(fields, fix);
      else log.debug(fields, 'cannot save the state');
      this.#failing = true;
      return;
    }
    this.#saved = at;
    onWrite(true, Date.now());
    if (this.#failing) log.info({ file: this.#file }, 'state saved again');
    this.#failing = false;
    log.debug({ file: this.#file, bytes, durationSeconds: (performance.now() - started) / 1000 }, 'state saved');
  }
}
