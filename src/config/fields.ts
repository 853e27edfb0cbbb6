// The leaf values of a config file, each a zod schema over `unknown` so that every
// message is ours. A bad value is reported as a continuable issue and replaced by a
// placeholder (NaN, '', []), so that the checks across fields still run and the user
// sees every problem at once; a config with any issue is never returned.
import { z } from 'zod';
import { describeValue, quote } from './describe.js';
import { DurationRangeError, parseDuration } from './duration.js';
import { hostProblem } from './hosts.js';
import { labelProblems, LABELS_MAX } from './labels.js';
import { entryKeys, parsePortEntry, PORT_MAX, PORT_MIN } from './ports.js';
import type { PortKey } from './port-keys.js';
import { WELL_KNOWN_PORTS } from './well-known-ports.js';
import { IP_FAMILIES, type IpFamily } from './types.js';

export type ValueCheck<T> = { ok: true; value: T } | { ok: false; message: string };

const NAME = /^[A-Za-z0-9_.-]+$/;
const NAME_MAX = 64;
export const RETRIES_MAX = 10;

export function leaf<T>(check: (v: unknown) => ValueCheck<T>, placeholder: T) {
  return z.unknown().transform((v, ctx): T => {
    const result = check(v);
    if (result.ok) return result.value;
    ctx.addIssue({ code: 'custom', message: result.message, continue: true });
    return placeholder;
  });
}

export const ok = <T>(value: T): ValueCheck<T> => ({ ok: true, value });
export const fail = <T>(message: string): ValueCheck<T> => ({ ok: false, message });

/** A monitor name: it becomes a Prometheus label value. */
export const nameField = leaf((v) => {
  if (v === undefined) return fail('missing required key "name"');
  if (typeof v !== 'string') return fail(`expected a name, got ${describeValue(v)}`);
  if (v === '') return fail('monitor name is empty');
  if (v.length > NAME_MAX) return fail(`monitor name is longer than ${NAME_MAX} characters`);
  if (!NAME.test(v)) return fail(`monitor name ${quote(v)} may only contain letters, digits, "_", "." and "-"`);
  return ok(v);
}, '');

export const hostField = leaf((v) => {
  const problem = hostProblem(v);
  return problem === undefined ? ok(v as string) : fail(problem);
}, '');

/** One entry of a port list, expanded to its port keys (port-keys.ts). */
export const portEntryField = leaf((v) => {
  const entry = parsePortEntry(v);
  return entry.ok ? ok(entryKeys(entry)) : fail(entry.message);
}, [] as PortKey[]);

export const retriesField = leaf((v) => {
  if (typeof v !== 'number') return fail(`expected a whole number 0-${RETRIES_MAX}, got ${describeValue(v)}`);
  if (!Number.isInteger(v)) return fail(`retries ${v} is not a whole number`);
  if (v < 0 || v > RETRIES_MAX) return fail(`retries ${v} is outside 0-${RETRIES_MAX}`);
  return ok(v);
}, Number.NaN);

export const ipFamilyField = leaf((v): ValueCheck<IpFamily> => {
  if (typeof v === 'string' && (IP_FAMILIES as readonly string[]).includes(v)) return ok(v as IpFamily);
  return fail(
    `ip_family must be one of ${IP_FAMILIES.join(', ')}, got ${typeof v === 'string' ? quote(v) : describeValue(v)}`,
  );
}, 'auto');

/** A duration as read: milliseconds, and the text it was written as, for messages. */
export interface Duration {
  ms: number;
  text: string;
  /** False for a default portwatch filled in: messages then say so instead of quoting. */
  written: boolean;
}

/**
 * A duration between `min` and `max` (as they appear in messages); `fallback`, the default
 * when the key is absent. Messages quote the user's own text, never another spelling of it.
 */
export function durationField(key: string, min: string, max: string, fallback?: string) {
  const [minMs, maxMs] = [parseDuration(min), parseDuration(max)];
  const outside = (written: string): ValueCheck<Duration> => fail(`${key} ${quote(written)} is outside ${min}-${max}`);
  const field = leaf(
    (v): ValueCheck<Duration> => {
      if (v === ABSENT && fallback !== undefined)
        return ok({ ms: parseDuration(fallback), text: fallback, written: false });
      if (typeof v !== 'string') return fail(`expected a duration like "30s" or "1h30m", got ${describeValue(v)}`);
      let ms: number;
      try {
        ms = parseDuration(v);
      } catch (err) {
        return err instanceof DurationRangeError ? outside(v) : fail((err as Error).message);
      }
      return ms >= minMs && ms <= maxMs ? ok({ ms, text: v, written: true }) : outside(v);
    },
    { ms: Number.NaN, text: '', written: true },
  );
  return fallback === undefined ? field : field.prefault(ABSENT);
}

/** What a key with a default gets when it is not written, so that messages can tell. */
const ABSENT: unknown = Symbol('absent');

/**
 * A `labels` mapping of label names to string values. Each bad label is its own issue,
 * at its key (a bad name) or its value; params.at tells positions.ts which.
 */
export const labelsField = z.unknown().transform((v, ctx): Record<string, string> => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a mapping of label names to values, got ${describeValue(v)}`,
      continue: true,
    });
    return {};
  }
  const labels = v as Record<string, unknown>;
  for (const p of labelProblems(labels)) {
    ctx.addIssue({ code: 'custom', path: [p.name], params: { at: p.at }, message: p.message, continue: true });
  }
  const strings: [string, string][] = [];
  for (const name of Object.keys(labels).slice(0, LABELS_MAX + 1)) {
    const value = labels[name];
    if (typeof value === 'string') strings.push([name, value]);
  }
  return Object.fromEntries(strings);
});

const shown = (v: unknown): string => (typeof v === 'string' ? quote(v) : describeValue(v));

/**
 * `discover.ports`: `all`, `well-known` (both TCP) or a list of entries as in expect_open,
 * expanded to sorted unique port keys. Each bad entry is its own issue, at its index.
 */
export const discoverPortsField = z.unknown().transform((v, ctx): PortKey[] => {
  const issue = (message: string, path: number[] = []): void =>
    ctx.addIssue({ code: 'custom', path, message, continue: true });
  if (v === 'all') return Array.from({ length: PORT_MAX - PORT_MIN + 1 }, (_, i) => PORT_MIN + i);
  if (v === 'well-known') return [...WELL_KNOWN_PORTS];
  if (v === undefined) {
    issue('missing required key "ports"');
    return [];
  }
  if (!Array.isArray(v)) {
    issue(`expected all, well-known or a list of ports, ranges "A-B" and group names, got ${shown(v)}`);
    return [];
  }
  if (v.length === 0) issue('no ports to discover: give all, well-known or at least one port');
  const ports = new Set<number>();
  v.forEach((item: unknown, i) => {
    const entry = parsePortEntry(item);
    if (entry.ok) for (const p of entryKeys(entry)) ports.add(p);
    else issue(entry.message, [i]);
  });
  return [...ports].sort((a, b) => a - b);
});
