import { parseArgs } from 'node:util';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from '../log/logger.js';
import { DEFAULT_CONFIG_FILE } from '../version.js';

/** Not in the Prometheus exporters' default port allocations we could check (see README). */
export const DEFAULT_LISTEN_ADDRESS = ':9798';

export interface DaemonFlags {
  configFile: string;
  listenAddress: string;
  logLevel: LogLevel;
  logFormat: LogFormat;
  /** undefined: derived from the file-descriptor limit. */
  probeConcurrency: number | undefined;
  probeConcurrencyPerAddress: number;
  shutdownGraceMs: number;
}

export class UsageError extends Error {}

export const DAEMON_USAGE = `usage: portwatch [flags]
       portwatch check-config FILE
       portwatch probe [--timeout 3s] [--json] HOST:PORTS...

flags:
  --config.file=FILE                 config file (default: the embedded config/portwatch.yaml)
  --web.listen-address=ADDR          where to serve /metrics (default ${DEFAULT_LISTEN_ADDRESS})
  --log.level=LEVEL                  ${LOG_LEVELS.join('|')} (default info)
  --log.format=FORMAT                ${LOG_FORMATS.join('|')} (default json)
  --probe.concurrency=N              connect attempts in flight at most (default: from the fd limit, <= 1024)
  --probe.concurrency-per-address=N  connect attempts in flight per address (default 64)
  --version                          print the version and exit
  --help                             print this and exit
`;

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--${flag}: "${value}" is not one of ${allowed.join(', ')}`);
}

function positiveInt(flag: string, value: string, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > max) throw new UsageError(`--${flag}: "${value}" is not a whole number from 1 to ${max}`);
  return n;
}

export type DaemonArgs = { kind: 'run'; flags: DaemonFlags } | { kind: 'help' } | { kind: 'version' };

export function parseDaemonArgs(argv: readonly string[]): DaemonArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        'config.file': { type: 'string' },
        'web.listen-address': { type: 'string' },
        'log.level': { type: 'string' },
        'log.format': { type: 'string' },
        'probe.concurrency': { type: 'string' },
        'probe.concurrency-per-address': { type: 'string' },
        version: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  const concurrency = values['probe.concurrency'];
  return {
    kind: 'run',
    flags: {
      configFile: values['config.file'] ?? DEFAULT_CONFIG_FILE,
      listenAddress: values['web.listen-address'] ?? DEFAULT_LISTEN_ADDRESS,
      logLevel: oneOf('log.level', values['log.level'] ?? 'info', LOG_LEVELS),
      logFormat: oneOf('log.format', values['log.format'] ?? 'json', LOG_FORMATS),
      probeConcurrency: concurrency === undefined ? undefined : positiveInt('probe.concurrency', concurrency, 65_536),
      probeConcurrencyPerAddress: positiveInt('probe.concurrency-per-address', values['probe.concurrency-per-address'] ?? '64', 65_536),
      shutdownGraceMs: 10_000,
    },
  };
}
