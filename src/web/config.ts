// The web config file (--web.config.file) in exporter-toolkit's format: TLS, basic auth
// users, response headers and a rate limit, each with the meaning exporter-toolkit gives it
// (go-yaml.ts reads values as its Go YAML reader does). Every problem is reported with its
// line and column, all at once. Files it names are read here, relative to its own
// directory, so a missing or broken certificate is a config error at start-up or reload.
import { dirname } from 'node:path';
import { CONFIG_LIMIT } from '../config/load.js';
import { cannotRead, readRegularFile } from '../config/read-file.js';
import { readYaml } from '../config/document.js';
import { ConfigError, formatProblem } from '../config/errors.js';
import { bcryptProblem, comparableHash } from './bcrypt-hash.js';
import { GoYamlReader, type Field } from './go-yaml.js';
import { headerNameProblem, headerValueProblem, headerWireValue } from './headers.js';
import { readTls } from './tls-config.js';
import type { LoadedTls } from './tls.js';

/** exporter-toolkit's rate_limit: one request every interval, `burst` at once, for all clients together. */
export interface RateLimit {
  intervalMs: number;
  burst: number;
}

export interface WebConfig {
  /** undefined: plain HTTP. */
  tls: LoadedTls | undefined;
  /** User name to bcrypt hash (in the form bcryptjs compares as Go would); empty: no authentication. */
  users: ReadonlyMap<string, string>;
  /** Added to every response, as Go writes them. */
  headers: Readonly<Record<string, string>>;
  /** undefined: no limit. */
  rateLimit: RateLimit | undefined;
  /** http_server_config.http2: accepted; portwatch serves HTTP/1.1 either way. */
  http2: boolean;
  /** `file:line:col: path: message` of what is accepted but served otherwise, or has no effect. */
  warnings: readonly string[];
}

export const NO_WEB_CONFIG: WebConfig = {
  tls: undefined,
  users: new Map(),
  headers: {},
  rateLimit: undefined,
  http2: true,
  warnings: [],
};

const TOP_KEYS = ['tls_server_config', 'http_server_config', 'rate_limit', 'basic_auth_users'];
const MAX_BURST = 2 ** 31;

/** The web config in `text`; files it names are read relative to `dir`. Throws ConfigError listing every problem. */
// A bad file rejects the promise, as it does for loadWebConfig, which reads the file first.
// eslint-disable-next-line @typescript-eslint/require-await
export async function parseWebConfig(text: string, fileName: string, dir: string): Promise<WebConfig> {
  const read = readYaml(text);
  // Empty, comments only: plain HTTP without auth, as in exporter-toolkit.
  if (!read.ok && 'empty' in read) return NO_WEB_CONFIG;
  if (!read.ok) throw new ConfigError(fileName, read.problems);
  const reader = new GoYamlReader(read.value.lines);
  const root = reader.struct({ node: read.value.root, path: [] }, TOP_KEYS);
  const field = (key: string): Field => root?.get(key) ?? { node: null, path: [key] };
  const http = readHttp(reader, root?.get('http_server_config'));
  const users = readUsers(reader, field('basic_auth_users'));
  const rateLimit = readRateLimit(reader, field('rate_limit'));
  const tls = root?.has('tls_server_config') ? readTls(reader, field('tls_server_config'), dir, http.http2) : undefined;
  if (reader.problems.length > 0) throw new ConfigError(fileName, reader.problems);
  const warnings = [...reader.warnings]
    .sort((a, b) => a.line - b.line || a.col - b.col)
    .map((w) => formatProblem(fileName, w));
  return { tls, users, headers: http.headers, rateLimit, http2: http.http2, warnings };
}

/** http2 is true unless set, or unless the section is there but empty (Go then zeroes it). */
function readHttp(reader: GoYamlReader, at: Field | undefined): { http2: boolean; headers: Record<string, string> } {
  const headers: Record<string, string> = {};
  if (at === undefined) return { http2: true, headers };
  const fields = reader.struct(at, ['http2', 'headers']);
  if (fields === undefined) return { http2: false, headers };
  const http2Field = fields.get('http2');
  const http2 = http2Field === undefined ? true : (reader.bool(http2Field) ?? true);
  for (const entry of reader.entries(fields.get('headers') ?? { node: null, path: [] }) ?? []) {
    const nameProblem = headerNameProblem(entry.key);
    if (nameProblem !== undefined) {
      reader.fail(entry, nameProblem, true);
      continue;
    }
    const value = reader.string(entry);
    if (value === undefined) continue;
    const valueProblem = headerValueProblem(entry.key, value);
    if (valueProblem === undefined) headers[entry.key] = headerWireValue(value);
    else reader.fail(entry, valueProblem);
  }
  return { http2, headers };
}

function readUsers(reader: GoYamlReader, at: Field): Map<string, string> {
  const users = new Map<string, string>();
  for (const entry of reader.entries(at) ?? []) {
    const hash = reader.string(entry);
    if (hash === undefined) continue;
    const problem = bcryptProblem(hash);
    // Never quote the value: it may be a password written in clear.
    if (problem !== undefined) reader.fail(entry, `the password of ${JSON.stringify(entry.key)} is ${problem}`);
    else users.set(entry.key, comparableHash(hash));
    if (entry.key.includes(':')) {
      const why = 'basic auth ends the user name at the first ":"';
      reader.warn(entry, `user ${JSON.stringify(entry.key)} can never log in: ${why}`);
    }
  }
  return users;
}

/** An interval of 0 (or less: Go then allows everything) is no limit. */
function readRateLimit(reader: GoYamlReader, at: Field): RateLimit | undefined {
  const fields = reader.struct(at, ['interval', 'burst']);
  if (fields === undefined) return undefined;
  const intervalNs = fields.has('interval') ? reader.duration(fields.get('interval')!) : 0n;
  const burst = fields.has('burst') ? reader.int(fields.get('burst')!) : 0n;
  if (intervalNs === undefined || burst === undefined || intervalNs <= 0n) return undefined;
  const clamped = burst > BigInt(MAX_BURST) ? MAX_BURST : burst < -1n ? -1 : Number(burst);
  return { intervalMs: Number(intervalNs) / 1e6, burst: clamped };
}

/** Reads and parses a web config file; a file that cannot be read is a ConfigError too. */
export async function loadWebConfigFile(path: string): Promise<WebConfig> {
  let text: string;
  try {
    // As the config file is read: a FIFO here would hold up every later reload, and SIGTERM.
    text = (await readRegularFile(path, CONFIG_LIMIT)).toString('utf8');
  } catch (err) {
    throw new ConfigError(path, [cannotRead(err)]);
  }
  return parseWebConfig(text, path, dirname(path));
}
