// What every service-discovery mechanism offers the daemon.
import { formatProblem, type ConfigProblem } from '../config/errors.js';
import type { DiscoveredHost } from './target-groups.js';

export type Mechanism = 'file' | 'http';

/** How one file or endpoint fared at its last read. */
export interface SourceStatus {
  readonly mechanism: Mechanism;
  /** The file path, or the URL without credentials. */
  readonly source: string;
  /** Hosts taken from it now: those of its last good read. */
  readonly hosts: number;
  /** Whether the last read succeeded. */
  readonly ok: boolean;
  readonly failures: number;
  /** Epoch ms of the last good read; undefined before the first. */
  readonly lastSuccessMs: number | undefined;
}

export interface SdSource {
  /** Reads now (one read at a time; a call during one runs another after it). */
  refresh(): Promise<void>;
  /** Re-reads on changes and every refresh interval from now on. */
  start(): void;
  stop(): void;
  /** The hosts of the last good read of every file or of the endpoint, in order. */
  hosts(): readonly DiscoveredHost[];
  statuses(): SourceStatus[];
}

/**
 * Runs `read` one at a time: a call while one runs asks for one more run after it, which
 * serves every call made meanwhile.
 */
export function serialized(read: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  let again: Promise<void> | undefined;
  const run = (): Promise<void> => {
    if (running === undefined) {
      running = read().finally(() => {
        running = undefined;
      });
      return running;
    }
    again ??= running.then(() => {
      again = undefined;
      return run();
    });
    return again;
  };
  return run;
}

/** An error to log under `err` that has only its message: where it happened is in the message, no stack to show. */
export function problem(message: string): Error {
  const err = new Error(message);
  delete err.stack;
  return err;
}

/** The targets of a file or answer that were left out, one line each (`where` names it), and how many more. */
export function droppedMessage(where: string, dropped: readonly ConfigProblem[], count: number): string {
  const lines = dropped.map((p) => formatProblem(where, p));
  if (count > dropped.length) lines.push(`${where}: and ${count - dropped.length} more targets`);
  return lines.join('\n');
}
