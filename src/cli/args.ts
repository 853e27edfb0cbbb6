import { parseArgs, type ParseArgsConfig } from 'node:util';

type FlagOptions = NonNullable<ParseArgsConfig['options']>;

/** A command line the command cannot run: said in one line, with the usage, and exit status 2. */
export class UsageError extends Error {}

/** What a flag's value is, for the message when it is missing: `a duration, like 3s`. */
export type ValueHints<O> = Partial<Record<keyof O & string, string>>;

/**
 * Parses `argv` strictly (unknown flags and values where none belong are errors) with Node's own
 * parser: `--flag value` and `--flag=value` alike. Its errors become UsageErrors worded as ours.
 */
export function parseCommandLine<const O extends FlagOptions>(
  argv: readonly string[],
  options: O,
  { positionals = false, hints = {} }: { positionals?: boolean; hints?: ValueHints<O> } = {},
) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: positionals });
  } catch (err) {
    throw usageErrorOf(err, hints);
  }
}

function usageErrorOf(err: unknown, hints: Readonly<Record<string, string | undefined>>): unknown {
  const { code, message } = err as { code?: string; message: string };
  // Node names the argument first, in quotes: '--timeout <value>', '--verbose', 'foo'.
  const quoted = /'([^']*)'/.exec(message)?.[1] ?? '';
  const flag = quoted.split(' ')[0] ?? quoted;
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return new UsageError(`unknown flag ${flag}`);
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return new UsageError(`unexpected argument ${JSON.stringify(quoted)}: flags start with --`);
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (message.includes('does not take an argument')) return new UsageError(`${flag} takes no value`);
      return new UsageError(`${flag} needs ${hints[flag.replace(/^-+/, '')] ?? 'a value'}`);
    default:
      return err;
  }
}
