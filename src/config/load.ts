import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { readYaml } from './document.js';
import { ConfigError, type ConfigProblem } from './errors.js';
import { problemsFromIssues } from './positions.js';
import { configSchema } from './schema.js';
import type { Config } from './types.js';

/** The config in `text`; `fileName` is used as given in messages. Throws ConfigError listing every problem. */
export function parseConfig(text: string, fileName: string): Config {
  const read = readYaml(text);
  if (!read.ok) throw new ConfigError(fileName, read.problems);
  const result = configSchema.safeParse(read.source.data, { reportInput: true });
  if (!result.success) throw new ConfigError(fileName, problemsFromIssues(result.error.issues, read.source));
  return withBaseDir(result.data, dirname(resolve(fileName)));
}

/** file_sd patterns are read relative to the config file, as Prometheus reads them. */
function withBaseDir(config: Config, baseDir: string): Config {
  for (const m of config.monitors) for (const f of m.fileSd ?? []) f.baseDir = baseDir;
  return config;
}

/** Reads and parses a config file. A file that cannot be read is a ConfigError too: `<path>: cannot read: <reason>`. */
export async function loadConfigFile(path: string): Promise<Config> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(path, [cannotRead(err)]);
  }
  return parseConfig(text, path);
}

/** A file that cannot be read, as a problem of the file as a whole. */
export function cannotRead(err: unknown): ConfigProblem {
  return { line: 0, col: 0, path: '', message: `cannot read: ${readFailure(err)}` };
}

/** "ENOENT: no such file or directory", without the path Node appends. */
function readFailure(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/, \w+ '.*'$/s, '');
}
