import { dirname, resolve } from 'node:path';
import { readYaml } from './document.js';
import { ConfigError, type Checked, type ConfigProblem } from './errors.js';
import { lineCols } from './line-cols.js';
import { problemsFromIssues } from './positions.js';
import { cannotRead, decodeText, readRegularFile, type ReadLimit } from './read-file.js';
import { CONFIG_SHAPE, configSchema } from './schema.js';
import type { Config } from './types.js';
import { INLINE_MAX_BYTES, runOnWorker, WorkerFailure, workerEntry } from './worker.js';

/** The largest config file portwatch reads: far more than a million targets' worth of hosts and blocks. */
export const CONFIG_LIMIT: ReadLimit = { maxBytes: 16 * 1024 * 1024, what: 'config files' };

/** What a parse on a worker thread answers. */
export type ConfigOutcome = Checked<Config>;

/** The config in `text`; `fileName` is used as given in messages. Throws ConfigError listing every problem. */
export function parseConfig(text: string, fileName: string): Config {
  const read = readYaml(text, { shape: CONFIG_SHAPE });
  if (!read.ok) throw new ConfigError(fileName, read.problems);
  const result = configSchema.safeParse(read.value.data, { reportInput: true });
  if (!result.success) throw new ConfigError(fileName, problemsFromIssues(result.error.issues, read.value));
  return withBaseDir(result.data, dirname(resolve(fileName)));
}

/**
 * The config in `bytes`, which must be UTF-8 (Go's YAML reader wants it so). A large file is
 * decoded and parsed on a worker thread, so that the event loop goes on meanwhile.
 */
export async function parseConfigBytes(bytes: Uint8Array, fileName: string, opts: LoadOptions = {}): Promise<Config> {
  if (opts.offThread !== false && bytes.length > INLINE_MAX_BYTES) return parseOnWorker(bytes, fileName);
  const outcome = configOutcome(bytes, fileName);
  if (!outcome.ok) throw new ConfigError(fileName, outcome.problems);
  return outcome.value;
}

/** parseConfig on bytes, its problems as data (a worker posts them so). */
export function configOutcome(bytes: Uint8Array, fileName: string): ConfigOutcome {
  const decoded = decodeText(bytes, true);
  if (!decoded.ok) return { ok: false, problems: [notUtf8(bytes, decoded.offset)] };
  try {
    return { ok: true, value: parseConfig(decoded.text, fileName) };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return { ok: false, problems: [...err.problems] };
  }
}

async function parseOnWorker(bytes: Uint8Array, fileName: string): Promise<Config> {
  let outcome: ConfigOutcome;
  try {
    outcome = await runOnWorker<ConfigOutcome>(
      workerEntry('./config-worker.js', import.meta.url),
      { bytes, fileName },
      bytes,
    );
  } catch (err) {
    if (!(err instanceof WorkerFailure)) throw err;
    throw new ConfigError(fileName, [{ line: 0, col: 0, path: '', message: `cannot parse: ${err.message}` }]);
  }
  if (!outcome.ok) throw new ConfigError(fileName, outcome.problems);
  return outcome.value;
}

/** file_sd patterns are read relative to the config file, as Prometheus reads them. */
function withBaseDir(config: Config, baseDir: string): Config {
  for (const m of config.monitors) for (const f of m.fileSd ?? []) f.baseDir = baseDir;
  return config;
}

export interface LoadOptions {
  /** False where nothing else runs meanwhile (check-config): a worker would only add its start-up. */
  offThread?: boolean;
}

/**
 * Reads and parses a config file. A file that cannot be read (missing, not a regular file,
 * too large, not UTF-8) is a ConfigError too: `<path>: cannot read: <reason>`.
 */
export async function loadConfigFile(path: string, opts: LoadOptions = {}): Promise<Config> {
  let bytes: Buffer;
  try {
    bytes = await readRegularFile(path, CONFIG_LIMIT);
  } catch (err) {
    throw new ConfigError(path, [cannotRead(err)]);
  }
  return parseConfigBytes(bytes, path, opts);
}

/** Text that is not UTF-8, at the first character that is not: YAML files must be UTF-8, as Go's reader wants them. */
export function notUtf8(bytes: Uint8Array, offset: number): ConfigProblem {
  const [at] = lineCols(new TextDecoder().decode(bytes), [offset]);
  return { ...at!, path: '', message: 'the file is not UTF-8 text; save it as UTF-8' };
}
