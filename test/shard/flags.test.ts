import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/args.js';
import { DAEMON_USAGE, parseDaemonArgs } from '../../src/cli/flags.js';
import type { DaemonFlags } from '../../src/daemon.js';
import { statefulSetOrdinal } from '../../src/shard/ordinal.js';

function flags(
  argv: string[],
  hostname = (): string => expect.unreachable('the host name must not be read'),
): DaemonFlags {
  const args = parseDaemonArgs(argv, hostname);
  if (args.kind !== 'run') throw new Error(`expected a run, got ${args.kind}`);
  return args.flags;
}

function problem(argv: string[], hostname = (): string => 'portwatch-0'): string {
  try {
    parseDaemonArgs(argv, hostname);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('--shard.count and --shard.index', () => {
  it('default to one shard, without looking at the host name', () => {
    expect(flags([]).shard).toEqual({ index: 0, count: 1 });
    expect(flags(['--shard.count=1']).shard).toEqual({ index: 0, count: 1 });
  });

  it('take an explicit index', () => {
    expect(flags(['--shard.count=3', '--shard.index=2']).shard).toEqual({ index: 2, count: 3 });
    expect(flags(['--shard.count', '16', '--shard.index', '0']).shard).toEqual({ index: 0, count: 16 });
  });

  it('take the index from the StatefulSet pod ordinal in the host name', () => {
    expect(flags(['--shard.count=3'], () => 'portwatch-2').shard).toEqual({ index: 2, count: 3 });
    expect(flags(['--shard.count=3'], () => 'portwatch-0').shard).toEqual({ index: 0, count: 3 });
    expect(flags(['--shard.count=12'], () => 'port-watch-eu-11').shard).toEqual({ index: 11, count: 12 });
  });

  it('refuse what cannot be a shard', () => {
    expect(problem(['--shard.count=0'])).toBe('--shard.count: "0" is not a whole number from 1 to 65536');
    expect(problem(['--shard.count=two'])).toBe('--shard.count: "two" is not a whole number from 1 to 65536');
    expect(problem(['--shard.count=3', '--shard.index=-1'])).toMatch(/^--shard.index: /);
    expect(problem(['--shard.count=3', '--shard.index=3'])).toBe(
      '--shard.index: 3 is not below --shard.count (3); shards are numbered from 0',
    );
    expect(problem(['--shard.index=1'])).toBe(
      '--shard.index: 1 is not below --shard.count (1); shards are numbered from 0',
    );
  });

  it('refuse to guess an index the host name does not give', () => {
    expect(problem(['--shard.count=3'], () => 'build-box')).toBe(
      '--shard.count is 3 but --shard.index is not set, and the host name "build-box" ' +
        'does not end in a StatefulSet ordinal (-0, -1, ...) to take it from; set --shard.index',
    );
    expect(problem(['--shard.count=3'], () => 'portwatch-3')).toBe(
      '--shard.index defaults to 3, the StatefulSet ordinal of "portwatch-3", ' +
        'which is not below --shard.count (3); run as many replicas as shards',
    );
  });

  it('are listed in the usage text', () => {
    expect(DAEMON_USAGE).toContain('--shard.count=N');
    expect(DAEMON_USAGE).toContain('--shard.index=I');
  });
});

describe('statefulSetOrdinal', () => {
  it.each([
    ['portwatch-0', 0],
    ['portwatch-17', 17],
    ['portwatch-1.portwatch.monitoring.svc.cluster.local', 1],
    ['portwatch', undefined],
    ['portwatch-', undefined],
    ['portwatch-01', undefined],
    ['portwatch-1a', undefined],
    ['', undefined],
  ])('%j -> %j', (hostname, ordinal) => {
    expect(statefulSetOrdinal(hostname)).toBe(ordinal);
  });
});
