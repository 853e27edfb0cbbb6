#!/usr/bin/env node
import { runCheckConfig } from './cli/check-config.js';
import { runDaemon } from './cli/run-daemon.js';
import { runProbeCommand } from './cli/probe-command.js';

/** Sub-commands by name, like blackbox_exporter's prober map; anything else is the daemon's flags. */
const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  'check-config': runCheckConfig,
  probe: (args) => runProbeCommand(args),
};

const [first, ...rest] = process.argv.slice(2);
const command = first === undefined ? undefined : COMMANDS[first];
const code = command ? await command(rest) : await runDaemon(process.argv.slice(2));
// Exit explicitly: a stopped daemon must not linger on a stray handle.
process.exit(code);
