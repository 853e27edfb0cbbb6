import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/args.js';
import { DAEMON_USAGE, parseDaemonArgs } from '../../src/cli/flags.js';

const parsed = (argv: string[]) => {
  const args = parseDaemonArgs(argv, () => 'portwatch-0');
  if (args.kind !== 'run') throw new Error(`expected a run, got ${args.kind}`);
  return args.flags;
};

describe('--storage.path', () => {
  it('defaults to data/ in the working directory, as Prometheus and Alertmanager do', () => {
    expect(parsed([]).storagePath).toBe('data/');
    expect(DAEMON_USAGE).toContain('--storage.path=DIR');
  });

  it('takes a directory, relative or absolute', () => {
    expect(parsed(['--storage.path=/var/lib/portwatch']).storagePath).toBe('/var/lib/portwatch');
    expect(parsed(['--storage.path', 'state']).storagePath).toBe('state');
  });

  it('refuses an empty one', () => {
    expect(() => parseDaemonArgs(['--storage.path='])).toThrow(UsageError);
    const message = '--storage.path: give a directory (the default is data/)';
    expect(() => parseDaemonArgs(['--storage.path='])).toThrow(message);
  });
});
