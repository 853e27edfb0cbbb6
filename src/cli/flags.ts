import { hostname as osHostname } from 'node:os';
import type { DaemonFlags } from '../daemon.js';
import { LOG_FORMATS, LOG_LEVELS } from '../log/logger.js';
import { MAX_SHARDS, type Shard } from '../shard/assign.js';
import { chooseShard } from '../shard/ordinal.js';
import { DEFAULT_MAX_CONNECTIONS } from '../web/limits.js';
import { DEFAULT_CONFIG_FILE } from '../version.js';
import { parseCommandLine, UsageError } from './args.js';
import { DEFAULT_PER_ADDRESS } from '../probe/capacity.js';
import { DAEMON_NODE_FLAGS } from './node-flags.js';

/** Not in the Prometheus exporters' default port allocations we could check (see README). */
export const DEFAULT_LISTEN_ADDRESS = ':9798';
/** Relative to the working directory, as Prometheus' and Alertmanager's data directories are. */
export const DEFAULT_STORAGE_PATH = 'data/';
/** The largest count a flag takes: connections, connect attempts. */
const MAX_COUNT = 65_536;

export const DAEMON_USAGE = `usage: portwatch [flags]
       portwatch check-config [--web.config.file=FILE] [FILE...]
       portwatch probe [--timeout 3s] [--json] HOST:PORTS...

flags:
  --config.file=FILE                 config file (default: the embedded config/portwatch.yaml)
  --web.listen-address=ADDR          where to serve /metrics (default ${DEFAULT_LISTEN_ADDRESS})
  --web.config.file=FILE             TLS and basic auth, in the exporter-toolkit format (default: none)
  --web.max-connections=N            connections kept open at once that carried an authorized request
                                     (default ${DEFAULT_MAX_CONNECTIONS}; untrusted ones have a room of their own)
  --log.level=LEVEL                  ${LOG_LEVELS.join('|')} (default info)
  --log.format=FORMAT                ${LOG_FORMATS.join('|')} (default json)
  --probe.concurrency=N              connect attempts in flight at most (default: from the fd limit, <= 4096)
  --probe.concurrency-per-address=N  connect attempts in flight per address (default ${DEFAULT_PER_ADDRESS})
  --shard.count=N                    split the hosts into N shards, one portwatch each (default 1)
  --shard.index=I                    the shard this process checks, 0 to N-1 (default: the
                                     StatefulSet pod ordinal at the end of the host name)
  --storage.path=DIR                 where the state kept across restarts is written (default ${DEFAULT_STORAGE_PATH})
  --version                          print the version and exit
  --help                             print this and exit

The image starts the daemon with \`node ${DAEMON_NODE_FLAGS.join(' ')}\`: V8's young generation
capped, whatever the host's memory. Started otherwise, NODE_OPTIONS="${DAEMON_NODE_FLAGS.join(' ')}"
does the same (README, Performance).
`;

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--${flag}: "${value}" is not one of ${allowed.join(', ')}`);
}

function wholeNumber(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max)
    throw new UsageError(`--${flag}: "${value}" is not a whole number from ${min} to ${max}`);
  return n;
}

function positiveInt(flag: string, value: string, max: number): number {
  return wholeNumber(flag, value, 1, max);
}

/** The host name a StatefulSet pod gets: its pod name. Containers set HOSTNAME to it. */
function defaultHostname(): string {
  return process.env['HOSTNAME'] || osHostname();
}

export type DaemonArgs = { kind: 'run'; flags: DaemonFlags } | { kind: 'help' } | { kind: 'version' };

const DAEMON_FLAGS = {
  'config.file': { type: 'string' },
  'web.listen-address': { type: 'string' },
  'web.config.file': { type: 'string' },
  'web.max-connections': { type: 'string' },
  'log.level': { type: 'string' },
  'log.format': { type: 'string' },
  'probe.concurrency': { type: 'string' },
  'probe.concurrency-per-address': { type: 'string' },
  'shard.count': { type: 'string' },
  'shard.index': { type: 'string' },
  'storage.path': { type: 'string' },
  version: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type DaemonValues = ReturnType<typeof parseCommandLine<typeof DAEMON_FLAGS>>['values'];

/** `hostname` is read only when --shard.count > 1 and --shard.index is not given. */
export function parseDaemonArgs(argv: readonly string[], hostname: () => string = defaultHostname): DaemonArgs {
  const { values } = parseCommandLine(argv, DAEMON_FLAGS);
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  return { kind: 'run', flags: daemonFlags(values, hostname) };
}

function daemonFlags(values: DaemonValues, hostname: () => string): DaemonFlags {
  const shard = shardOf(values, hostname);
  const storagePath = values['storage.path'] ?? DEFAULT_STORAGE_PATH;
  if (storagePath === '') throw new UsageError('--storage.path: give a directory (the default is data/)');
  const concurrency = values['probe.concurrency'];
  const perAddress = values['probe.concurrency-per-address'] ?? String(DEFAULT_PER_ADDRESS);
  return {
    configFile: values['config.file'] ?? DEFAULT_CONFIG_FILE,
    listenAddress: values['web.listen-address'] ?? DEFAULT_LISTEN_ADDRESS,
    webConfigFile: values['web.config.file'],
    webMaxConnections: positiveInt(
      'web.max-connections',
      values['web.max-connections'] ?? String(DEFAULT_MAX_CONNECTIONS),
      MAX_COUNT,
    ),
    logLevel: oneOf('log.level', values['log.level'] ?? 'info', LOG_LEVELS),
    logFormat: oneOf('log.format', values['log.format'] ?? 'json', LOG_FORMATS),
    probeConcurrency: concurrency === undefined ? undefined : positiveInt('probe.concurrency', concurrency, MAX_COUNT),
    probeConcurrencyPerAddress: positiveInt('probe.concurrency-per-address', perAddress, MAX_COUNT),
    shard,
    storagePath,
  };
}

function shardOf(values: DaemonValues, hostname: () => string): Shard {
  const index = values['shard.index'];
  const choice = chooseShard(
    positiveInt('shard.count', values['shard.count'] ?? '1', MAX_SHARDS),
    index === undefined ? undefined : wholeNumber('shard.index', index, 0, MAX_SHARDS - 1),
    hostname,
  );
  if ('problem' in choice) throw new UsageError(choice.problem);
  return choice.shard;
}
