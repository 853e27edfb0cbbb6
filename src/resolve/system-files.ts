import { readFileSync, statSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { isIP } from 'node:net';
import { hostSources, type HostSource } from './nsswitch.js';
import { parseResolvConf, type ResolvConf } from './resolv-conf.js';

/** What the machine (or pod) says about resolving names, as getaddrinfo would read it now. Never changed: replaced. */
export interface SystemView {
  resolv: ResolvConf;
  /** The names /etc/hosts lists, lower case and as written ("db." is not "db", as for glibc). */
  hostsNames: ReadonlySet<string>;
  /** The hosts line of nsswitch.conf. */
  sources: readonly HostSource[];
  hostname: string;
}

export interface SystemFilesOptions {
  /** Where resolv.conf, hosts and nsswitch.conf are: /etc. */
  etc?: string;
  /** How often the files' modification times are looked at; 5 s. */
  recheckMs?: number;
  env?: NodeJS.ProcessEnv;
  hostname?: () => string;
  now?: () => number;
}

interface Watched<T> {
  stamp: string | undefined;
  value: T;
}

/**
 * The three files read once and again whenever their modification time, size or inode
 * changes, looked at no more than once every few seconds: glibc reads them afresh too, so
 * an edited resolv.conf applies without a restart.
 */
export class SystemFiles {
  readonly #etc: string;
  readonly #recheckMs: number;
  readonly #env: NodeJS.ProcessEnv;
  readonly #hostname: () => string;
  readonly #now: () => number;
  #checkedAt = -Infinity;
  #view: SystemView | undefined;
  readonly #resolv: Watched<ResolvConf | undefined> = { stamp: undefined, value: undefined };
  readonly #hosts: Watched<ReadonlySet<string>> = { stamp: undefined, value: new Set() };
  readonly #nsswitch: Watched<readonly HostSource[]> = { stamp: undefined, value: [] };

  constructor(opts: SystemFilesOptions = {}) {
    this.#etc = opts.etc ?? '/etc';
    this.#recheckMs = opts.recheckMs ?? 5000;
    this.#env = opts.env ?? process.env;
    this.#hostname = opts.hostname ?? osHostname;
    this.#now = opts.now ?? Date.now;
  }

  current(): SystemView {
    const now = this.#now();
    if (this.#view !== undefined && now - this.#checkedAt < this.#recheckMs) return this.#view;
    this.#checkedAt = now;
    const hostname = this.#hostname();
    const { LOCALDOMAIN: localDomain, RES_OPTIONS: resOptions } = this.#env;
    // The environment and host name shape resolv.conf's meaning too: a change to either counts as one to the file.
    const context = JSON.stringify([hostname, localDomain, resOptions]);
    const resolv = this.#refresh(this.#resolv, 'resolv.conf', context, (text) =>
      parseResolvConf({ text, localDomain, resOptions, hostname }),
    );
    const hostsNames = this.#refresh(this.#hosts, 'hosts', '', hostsFileNames);
    const sources = this.#refresh(this.#nsswitch, 'nsswitch.conf', '', hostSources);
    const v = this.#view;
    // The same object while nothing changed: a new one tells the resolver its answers may be stale.
    if (
      v !== undefined &&
      v.resolv === resolv &&
      v.hostsNames === hostsNames &&
      v.sources === sources &&
      v.hostname === hostname
    )
      return v;
    this.#view = { resolv: resolv!, hostsNames, sources, hostname };
    return this.#view;
  }

  #refresh<T>(watched: Watched<T>, file: string, context: string, parse: (text: string | undefined) => T): T {
    const path = join(this.#etc, file);
    const stamp = `${stampOf(path)} ${context}`;
    if (stamp !== watched.stamp) {
      watched.stamp = stamp;
      watched.value = parse(readText(path));
    }
    return watched.value;
  }
}

function stampOf(path: string): string {
  try {
    const s = statSync(path);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

/** The file's text; undefined when it cannot be read, which glibc takes as an empty configuration. */
function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The names of the lines whose first word is an address, as glibc's files source matches them. */
export function hostsFileNames(text: string | undefined): ReadonlySet<string> {
  const names = new Set<string>();
  for (const line of (text ?? '').split('\n')) {
    const [address = '', ...aliases] = line.replace(/#.*/, '').trim().split(/\s+/);
    if (isIP(address.split('%')[0]!) === 0) continue;
    for (const a of aliases) names.add(a.toLowerCase());
  }
  return names;
}
