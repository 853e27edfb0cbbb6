// The `hosts:` line of /etc/nsswitch.conf (nsswitch.conf(5)): which sources getaddrinfo asks,
// in order, and the [STATUS=ACTION] criteria that end the walk early.

export type NssStatus = 'success' | 'notfound' | 'unavail' | 'tryagain';
export type NssAction = 'return' | 'continue';

export interface HostSource {
  /** files, dns, myhostname, mdns4_minimal, resolve, ... */
  name: string;
  /** What to do after this source ends with a status: return is the default for success only. */
  actions: Readonly<Record<NssStatus, NssAction>>;
}

const STATUSES: readonly NssStatus[] = ['success', 'notfound', 'unavail', 'tryagain'];
/** What glibc 2.36 asks when nsswitch.conf has no hosts line (getent ahosts shows it). */
export const DEFAULT_HOSTS_LINE = 'files dns';

/** The sources of the hosts line of `text`, or of glibc's default line when there is none. */
export function hostSources(text: string | undefined): HostSource[] {
  let line: string | undefined;
  for (const raw of (text ?? '').split('\n')) {
    // The last hosts line counts, as glibc reads the file.
    const m = /^[ \t]*hosts[ \t]*:(.*)$/i.exec(raw.replace(/#.*/, ''));
    if (m !== null) line = m[1]!;
  }
  return parseSources(line ?? DEFAULT_HOSTS_LINE);
}

function parseSources(line: string): HostSource[] {
  const sources: HostSource[] = [];
  for (const token of line.match(/\[[^\]]*\]?|[^ \t[]+/g) ?? []) {
    if (!token.startsWith('[')) {
      sources.push({ name: token.toLowerCase(), actions: defaultActions() });
      continue;
    }
    const last = sources.at(-1);
    if (last === undefined) continue;
    const actions = { ...last.actions };
    for (const criterion of token
      .replace(/^\[|\]$/g, '')
      .trim()
      .split(/[ \t]+/))
      applyCriterion(actions, criterion);
    sources[sources.length - 1] = { name: last.name, actions };
  }
  return sources;
}

function defaultActions(): Record<NssStatus, NssAction> {
  return { success: 'return', notfound: 'continue', unavail: 'continue', tryagain: 'continue' };
}

/** STATUS=ACTION or !STATUS=ACTION (every other status), without case; merge counts as continue. */
function applyCriterion(actions: Record<NssStatus, NssAction>, criterion: string): void {
  const m = /^(!?)([a-z]+)=([a-z]+)$/i.exec(criterion);
  if (m === null) return;
  const status = m[2]!.toLowerCase() as NssStatus;
  if (!STATUSES.includes(status)) return;
  const action: NssAction = m[3]!.toLowerCase() === 'return' ? 'return' : 'continue';
  for (const s of m[1] === '!' ? STATUSES.filter((x) => x !== status) : [status]) actions[s] = action;
}

const MYHOSTNAME_NAMES = new Set([
  'localhost',
  'localhost.localdomain',
  '_gateway',
  '_outbound',
  '_localdnsstub',
  '_localdnsproxy',
]);

/**
 * Whether a source other than files and dns may answer `name` on its own: nss-myhostname
 * answers the host's own name and the localhost names, nss-mdns names under .local. Other
 * sources (resolve, ldap, ...) are not known to answer any name before DNS does.
 */
export function sourceClaims(source: string, name: string, hostname: string): boolean {
  const bare = (name.endsWith('.') ? name.slice(0, -1) : name).toLowerCase();
  if (source === 'myhostname') {
    if (bare === hostname.toLowerCase() || MYHOSTNAME_NAMES.has(bare)) return true;
    return bare.endsWith('.localhost') || bare.endsWith('.localhost.localdomain');
  }
  if (source.startsWith('mdns')) return bare === 'local' || bare.endsWith('.local');
  return false;
}
