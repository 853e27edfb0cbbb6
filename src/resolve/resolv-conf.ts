import { isIPv6 } from 'node:net';

// /etc/resolv.conf read as glibc reads it (resolv/res_init.c and resolv.conf(5)), so a name
// is searched and asked exactly as getaddrinfo would on the same machine or in the same pod.

export interface Nameserver {
  address: string;
  port: number;
}

export interface ResolvConf {
  /** In file order, at most MAX_NAMESERVERS; 127.0.0.1 when the file names none. */
  nameservers: readonly Nameserver[];
  /** Domains tried in turn; "" stands for the root (a name asked as it is). */
  search: readonly string[];
  /** A name with at least this many dots is asked as it is before the search list. */
  ndots: number;
  /** Seconds to wait for the first server (glibc's retrans). */
  timeoutSec: number;
  /** Rounds over all servers (glibc's retry). */
  attempts: number;
  rotate: boolean;
  noTldQuery: boolean;
  edns0: boolean;
  useVc: boolean;
  /** No AAAA queries at all (glibc 2.36's `options no-aaaa`). */
  noAaaa: boolean;
}

export interface ResolvInputs {
  /** The file's text; undefined when it cannot be read (glibc then uses its defaults). */
  text: string | undefined;
  /** The LOCALDOMAIN and RES_OPTIONS environment variables, as the process has them. */
  localDomain?: string | undefined;
  resOptions?: string | undefined;
  /** gethostname(): the default search domain is what follows its first dot. */
  hostname: string;
}

/** glibc's MAXNS: further nameserver lines are ignored. */
export const MAX_NAMESERVERS = 3;
const MAX_NDOTS = 15;
const MAX_TIMEOUT = 30;
const MAX_ATTEMPTS = 5;
const DNS_PORT = 53;

export function parseResolvConf(inputs: ResolvInputs): ResolvConf {
  const conf: ResolvConf = {
    nameservers: [],
    search: [],
    ndots: 1,
    timeoutSec: 5,
    attempts: 2,
    rotate: false,
    noTldQuery: false,
    edns0: false,
    useVc: false,
    noAaaa: false,
  };
  const fromEnv = inputs.localDomain !== undefined;
  if (fromEnv) conf.search = localDomainList(inputs.localDomain!);
  const servers: Nameserver[] = [];
  for (const line of (inputs.text ?? '').split('\n')) {
    if (line.startsWith(';') || line.startsWith('#')) continue;
    const value = keywordValue(line, 'domain');
    if (value !== undefined && !fromEnv && value !== '') conf.search = [value.split(/[ \t]/)[0]!];
    const search = keywordValue(line, 'search');
    if (search !== undefined && !fromEnv && search !== '') conf.search = search.split(/[ \t]+/).filter((d) => d !== '');
    const server = keywordValue(line, 'nameserver');
    const parsed = server === undefined ? undefined : parseNameserver(server);
    if (parsed !== undefined) servers.push(parsed);
    const options = keywordValue(line, 'options');
    if (options !== undefined) setOptions(conf, options);
  }
  conf.nameservers =
    servers.length > 0 ? servers.slice(0, MAX_NAMESERVERS) : [{ address: '127.0.0.1', port: DNS_PORT }];
  if (conf.search.length === 0) {
    const dot = inputs.hostname.indexOf('.');
    if (dot >= 0) conf.search = [inputs.hostname.slice(dot + 1)];
  }
  if (inputs.resOptions !== undefined) setOptions(conf, inputs.resOptions);
  return conf;
}

/** The rest of `line` after `keyword` and the blanks after it; undefined when the line is no such keyword. */
function keywordValue(line: string, keyword: string): string | undefined {
  const next = line[keyword.length];
  if (!line.startsWith(keyword) || (next !== ' ' && next !== '\t')) return undefined;
  return line.slice(keyword.length).replace(/^[ \t]+/, '');
}

/** LOCALDOMAIN: blank-separated domains; like glibc, its first entry is taken even when empty. */
function localDomainList(value: string): string[] {
  const [first = '', ...rest] = value.split('\n')[0]!.split(/[ \t]/);
  return [first, ...rest.filter((d) => d !== '')];
}

function parseNameserver(value: string): Nameserver | undefined {
  const token = value.split(/[ \t]/)[0]!;
  const v4 = inetAton(token);
  if (v4 !== undefined) return { address: v4, port: DNS_PORT };
  const [address = '', scope] = token.split('%');
  if (!isIPv6(address)) return undefined;
  return { address: scope === undefined ? address : `${address}%${scope}`, port: DNS_PORT };
}

/**
 * inet_aton(3), which glibc uses for IPv4 nameservers: one to four parts, each decimal,
 * octal (leading 0) or hex (0x), the last filling the remaining bytes ("127.1" is 127.0.0.1).
 */
export function inetAton(text: string): string | undefined {
  const parts = text.split('.');
  if (parts.length > 4) return undefined;
  const values: number[] = [];
  for (const part of parts) {
    const m = /^(?:0[xX]([0-9a-fA-F]*)|(0[0-7]*)|([1-9][0-9]*))$/.exec(part);
    if (m === null) return undefined;
    values.push(m[1] !== undefined ? parseInt(m[1] || '0', 16) : m[2] !== undefined ? parseInt(m[2], 8) : Number(m[3]));
  }
  const last = values.pop()!;
  if (values.some((v) => v > 255) || last >= 256 ** (4 - values.length)) return undefined;
  const bytes = [...values];
  for (let i = 3 - values.length; i >= 0; i--) bytes.push(Math.floor(last / 256 ** i) % 256);
  return bytes.join('.');
}

/** res_setoptions: each blank-separated word is matched by its prefix, as glibc does. */
function setOptions(conf: ResolvConf, text: string): void {
  for (const word of text.split(/[ \t]+/)) {
    if (word.startsWith('ndots:')) conf.ndots = bounded(word.slice(6), MAX_NDOTS);
    else if (word.startsWith('timeout:')) conf.timeoutSec = bounded(word.slice(8), MAX_TIMEOUT);
    else if (word.startsWith('attempts:')) conf.attempts = bounded(word.slice(9), MAX_ATTEMPTS);
    else if (word.startsWith('rotate')) conf.rotate = true;
    else if (word.startsWith('edns0')) conf.edns0 = true;
    else if (word.startsWith('no_tld_query') || word.startsWith('no-tld-query')) conf.noTldQuery = true;
    else if (word.startsWith('use-vc')) conf.useVc = true;
    else if (word.startsWith('no-aaaa')) conf.noAaaa = true;
  }
}

/** atoi(3), capped as glibc caps each option. */
function bounded(text: string, max: number): number {
  const n = parseInt(text, 10);
  return Number.isNaN(n) || n < 0 ? 0 : Math.min(n, max);
}
