import { runCheckConfig } from './check-config.js';
import type { Hangups } from './hangups.js';
import { runDaemon } from './run-daemon.js';
import { runProbeCommand } from './probe-command.js';

/** Sub-commands by name, like blackbox_exporter's prober map; anything else is the daemon's flags. */
const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  'check-config': runCheckConfig,
  probe: (args) => runProbeCommand(args),
};

/** Runs the command `argv` names; resolves with the exit code. */
export async function runCommand(argv: string[], hangups: Hangups): Promise<number> {
  const [first, ...rest] = argv;
  const command = first === undefined ? undefined : COMMANDS[first];
  if (command === undefined) return runDaemon(argv, hangups);
  // A terminal that hangs up ends a one-off command, as it would any program.
  hangups.release();
  return command(rest);
}
