// File patterns of file_sd_configs, as Prometheus takes them: a path whose last element
// may hold the wildcards `*`, `?` and `[...]`, ending in .json, .yml or .yaml.
import { basename, dirname } from 'node:path';
import { quote } from './describe.js';

const WILDCARD = /[*?[]/;
const EXTENSION = /\.(json|ya?ml)$/i;

/** Why `pattern` is not a file_sd pattern, or undefined when it is one. */
export function patternProblem(pattern: string): string | undefined {
  const q = quote(pattern);
  if (pattern === '') return 'file pattern is empty';
  if (pattern.includes('\0')) return `${q} contains a NUL character`;
  if (WILDCARD.test(dirname(pattern)))
    return `${q}: wildcards are allowed only in the file name, not in its directories`;
  if (!EXTENSION.test(pattern)) return `${q} must end in .json, .yml or .yaml`;
  if (fileNameRegExp(basename(pattern)) === undefined) return `${q} has a "[" without its closing "]"`;
  return undefined;
}

/**
 * `*` any run of characters, `?` one, `[abc]`, `[a-z]`, `[!a]` or `[^a]` one of a set;
 * undefined for an unclosed `[`.
 */
export function fileNameRegExp(glob: string): RegExp | undefined {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) return undefined;
      let set = glob.slice(i + 1, end);
      const negated = set.startsWith('!') || set.startsWith('^');
      if (negated) set = set.slice(1);
      re += `[${negated ? '^' : ''}${set.replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  // Hidden files only when asked for by name, as a shell would: editors leave ".x.json.swp" and the like.
  return new RegExp(`^(?!\\.)${re}$`.replace('^(?!\\.)\\.', '^\\.'), 's');
}
