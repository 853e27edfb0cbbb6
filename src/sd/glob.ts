// The files a file_sd_configs pattern matches (config/file-patterns.ts checks its syntax).
import { readdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileNameRegExp } from '../config/file-patterns.js';

export interface FilePattern {
  /** The directory the pattern lists, absolute once the config file's directory is known. */
  readonly dir: string;
  /** The pattern as written, for messages. */
  readonly pattern: string;
  readonly matches: (fileName: string) => boolean;
}

/** A pattern already known to be good (patternProblem), its directory resolved against `baseDir`. */
export function filePattern(pattern: string, baseDir: string): FilePattern {
  const re = fileNameRegExp(basename(pattern))!;
  return { dir: resolve(baseDir, dirname(pattern)), pattern, matches: (name) => re.test(name) };
}

/** The files a pattern matches now, sorted; none when its directory cannot be listed. */
export async function listMatches(p: FilePattern): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(p.dir);
  } catch {
    return [];
  }
  return names
    .filter(p.matches)
    .sort()
    .map((name) => join(p.dir, name));
}
