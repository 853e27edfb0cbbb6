import { ConfigError } from '../config/errors.js';
import { Daemon } from '../daemon.js';
import { createLogger } from '../log/logger.js';
import { VERSION } from '../version.js';
import { UsageError } from './args.js';
import { DAEMON_USAGE, parseDaemonArgs } from './flags.js';
import type { Hangups } from './hangups.js';
import { listenFailure } from './listen-failure.js';
import { openFilesLimit } from '../open-files.js';
import { isOutOfFiles } from './module-loading.js';

/** No-op hangups, for callers that took no SIGHUP over: the daemon takes it from its start. */
const SIGHUP_FROM_NOW: Hangups = {
  take: (handler) => void process.on('SIGHUP', handler),
  release: () => undefined,
};

/** Runs until SIGTERM or SIGINT; resolves with the exit code. A SIGHUP during start-up reloads once started. */
export async function runDaemon(argv: string[], hangups: Hangups = SIGHUP_FROM_NOW): Promise<number> {
  let args;
  try {
    args = parseDaemonArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`portwatch: ${err.message}\n\n${DAEMON_USAGE}`);
    return 2;
  }
  if (args.kind === 'help') {
    process.stdout.write(DAEMON_USAGE);
    return 0;
  }
  if (args.kind === 'version') {
    process.stdout.write(`portwatch ${VERSION} (node ${process.version})\n`);
    return 0;
  }
  const log = createLogger(args.flags.logLevel, args.flags.logFormat);
  const daemon = new Daemon(args.flags, log);
  try {
    await daemon.start();
  } catch (err) {
    // A bad config or listen address at start-up is fatal and is said plainly, not as a stack.
    const listen = listenFailure(err, args.flags.listenAddress);
    if (err instanceof ConfigError)
      log.error({ configFile: args.flags.configFile, problems: err.message }, 'invalid config, not starting');
    else if (isOutOfFiles(err)) {
      const code = (err as NodeJS.ErrnoException).code;
      const msg = 'could not start: too many open files; raise the open-files limit (ulimit -n)';
      log.error({ openFilesLimit: openFilesLimit(), code }, msg);
    } else if (listen !== undefined) {
      log.error({ listen: args.flags.listenAddress }, listen);
      log.debug({ err }, 'could not start');
    } else log.error({ err }, 'could not start');
    await daemon.stop().catch(() => undefined);
    return 1;
  }
  hangups.take(() => {
    daemon.reload().catch(() => undefined); // the daemon has logged why
  });
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  log.info({ signal }, 'shutting down');
  await daemon.stop();
  log.info('stopped');
  return 0;
}
