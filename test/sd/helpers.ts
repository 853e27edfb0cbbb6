// Shared by the service-discovery tests that run the built daemon.
import { renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { eventually, find, scrape, type Sample } from '../helpers/scrape.js';

/** How long a change may take to show in /metrics: the watch settling, a 1 s check interval, a busy 2-core machine. */
export const CHANGE_MS = 5_000;

/** The start of the daemon configs these tests write: each port checked every second, short timeouts; monitors next. */
export const FAST_CHECKS = `defaults:
  interval: 1s
  timeout: 500ms
  retries: 1
monitors:`;

/** Writes `text` as a tool would: to a hidden temporary name (no pattern matches it), then renamed into place. */
export function writeAtomic(path: string, text: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.tmp`);
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** Scrapes until `ok` holds for a scrape; that scrape, or a failure naming `what` after timeoutMs. */
export async function scrapeUntil(
  url: string,
  ok: (s: Sample[]) => boolean,
  what: string,
  timeoutMs = CHANGE_MS,
): Promise<Sample[]> {
  let last: Sample[] = [];
  try {
    return await eventually(
      async () => {
        last = await scrape(url);
        return ok(last) ? last : undefined;
      },
      timeoutMs,
      what,
    );
  } catch (err) {
    const shown = last
      .filter((s) => s.name.startsWith('portwatch_sd_') || s.name === 'port_state')
      .map((s) => `${s.name}${JSON.stringify(s.labels)} ${s.value}`);
    throw new Error(`${(err as Error).message}; last scrape:\n${shown.join('\n')}`, { cause: err });
  }
}

/** The hosts of a monitor's port_state series, sorted. */
export function hostsOf(samples: Sample[], monitor: string): string[] {
  return [...new Set(find(samples, 'port_state', { monitor }).map((s) => s.labels['host']!))].sort();
}

/** The one value of a metric with these labels; fails when there is not exactly one. */
export function value(samples: Sample[], name: string, labels: Record<string, string>): number {
  const found = find(samples, name, labels);
  if (found.length !== 1) throw new Error(`${found.length} samples of ${name}${JSON.stringify(labels)}`);
  return found[0]!.value;
}
