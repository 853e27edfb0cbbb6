import { describe, expect, it } from 'vitest';
import { parseCommandLine, UsageError } from '../../src/cli/args.js';

const FLAGS = {
  timeout: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function problem(argv: string[], positionals = false): string {
  try {
    parseCommandLine(argv, FLAGS, { positionals, hints: { timeout: 'a duration, like 3s' } });
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error(`expected a UsageError for ${JSON.stringify(argv)}`);
}

describe('the command-line parser every command shares', () => {
  it('takes --flag value, --flag=value, booleans, a short alias and positionals', () => {
    const parsed = parseCommandLine(['--timeout', '5s', '-h', 'a:1', '--json', 'b:2'], FLAGS, { positionals: true });
    expect(parsed.values).toEqual({ timeout: '5s', help: true, json: true });
    expect(parsed.positionals).toEqual(['a:1', 'b:2']);
    expect(parseCommandLine(['--timeout=500ms'], FLAGS).values).toEqual({ timeout: '500ms' });
  });

  it.each([
    [['--verbose'], 'unknown flag --verbose'],
    [['-x'], 'unknown flag -x'],
    [['--timeout'], '--timeout needs a duration, like 3s'],
    // A value that looks like a flag is taken for a forgotten value, as Node's parser does.
    [['--timeout', '--json'], '--timeout needs a duration, like 3s'],
    [['--json=yes'], '--json takes no value'],
    [['127.0.0.1:22'], 'unexpected argument "127.0.0.1:22": flags start with --'],
  ])('refuses %j: %s', (argv, message) => {
    expect(problem(argv)).toBe(message);
  });

  it('says "a value" for a flag without a hint', () => {
    expect(() => parseCommandLine(['--timeout'], FLAGS)).toThrow(new UsageError('--timeout needs a value'));
  });
});
