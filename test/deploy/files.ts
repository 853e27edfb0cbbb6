// Readers for the deploy files, enough to check them without Docker or Kubernetes: a
// Dockerfile parser, the .dockerignore matching rules, YAML documents, tool lookup.
import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { delimiter, join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, parseDocument } from 'yaml';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export function read(path: string): string {
  return readFileSync(join(ROOT, path), 'utf8');
}

export function exists(path: string): boolean {
  return existsSync(join(ROOT, path));
}

/** One YAML document, failing on any error or warning (duplicate keys included). */
export function readYaml<T = unknown>(path: string): T {
  const doc = parseDocument(read(path), { prettyErrors: true, uniqueKeys: true });
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) throw new Error(`${path}: ${problems.map((p) => p.message).join('; ')}`);
  return doc.toJS() as T;
}

/** Every document of a multi-document YAML text. */
export function yamlDocuments<T = unknown>(text: string, name: string): T[] {
  return parseAllDocuments(text, { prettyErrors: true, uniqueKeys: true }).map((doc) => {
    if ('errors' in doc && doc.errors.length > 0)
      throw new Error(`${name}: ${doc.errors.map((e) => e.message).join('; ')}`);
    return doc.toJS() as T;
  });
}

/** Files under `dir` (relative to the repository), recursively, as repository paths. */
export function filesUnder(dir: string): string[] {
  const abs = join(ROOT, dir);
  if (statSync(abs).isFile()) return [dir];
  return readdirSync(abs, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

export function findBinary(name: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter).filter(Boolean)) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------
// Dockerfile

export interface Instruction {
  /** Upper case: FROM, COPY, RUN, ... */
  keyword: string;
  /** The text after the keyword, continuation lines joined. */
  args: string;
  line: number;
}

/** Instructions in order; comments, blank lines and the `# syntax=` directive dropped. */
export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const first = lines[i]!;
    if (/^\s*(#|$)/.test(first)) continue;
    const start = i;
    let joined = first;
    while (/\\\s*$/.test(joined) && i + 1 < lines.length) {
      i += 1;
      if (/^\s*#/.test(lines[i]!)) continue; // comments inside a continued instruction are dropped
      joined = joined.replace(/\\\s*$/, ' ') + lines[i]!.trim();
    }
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(joined);
    if (!m) throw new Error(`Dockerfile:${start + 1}: cannot parse "${joined}"`);
    out.push({ keyword: m[1]!.toUpperCase(), args: m[2]!.trim(), line: start + 1 });
  }
  return out;
}

/** The exec (JSON array) form of CMD, ENTRYPOINT, HEALTHCHECK ... CMD; undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  const value = JSON.parse(args) as unknown;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
    throw new Error(`not a JSON array of strings: ${args}`);
  return value;
}

/** `--name=value` options at the start of args, and the rest. */
export function splitOptions(args: string): { options: Record<string, string>; rest: string } {
  const options: Record<string, string> = {};
  let rest = args;
  for (;;) {
    const m = /^--([a-z-]+)=(\S+)\s*/.exec(rest);
    if (!m) return { options, rest };
    options[m[1]!] = m[2]!;
    rest = rest.slice(m[0].length);
  }
}

/** Replaces ${NAME} and $NAME with the build arguments' defaults. */
export function expandArgs(value: string, args: ReadonlyMap<string, string>): string {
  return value.replace(
    /\$\{(\w+)\}|\$(\w+)/g,
    (whole, a: string | undefined, b: string | undefined) => args.get((a ?? b)!) ?? whole,
  );
}

// ---------------------------------------------------------------------------------------
// .dockerignore, with the rules of Docker's patternmatcher: patterns are Go filepath.Match
// patterns plus `**`, a path is left out if the last pattern matching it or one of its
// parent directories is not a `!` exception.

interface IgnorePattern {
  exclusion: boolean;
  regex: RegExp;
}

function patternRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      i += 1;
      if (pattern[i + 1] === '/') {
        i += 1;
        re += '(?:.*/)?';
      } else re += '.*';
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export function parseDockerignore(text: string): IgnorePattern[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const exclusion = l.startsWith('!');
      const p = (exclusion ? l.slice(1) : l).replace(/^\/+/, '').replace(/\/+$/, '');
      return { exclusion, regex: patternRegex(p) };
    });
}

/** Whether `path` (relative to the context, with /) is left out of the build context. */
export function isIgnored(patterns: readonly IgnorePattern[], path: string): boolean {
  const parts = path.split('/');
  let ignored = false;
  for (const p of patterns) {
    let match = p.regex.test(path);
    for (let i = 1; !match && i < parts.length; i++) match = p.regex.test(parts.slice(0, i).join('/'));
    if (match) ignored = !p.exclusion;
  }
  return ignored;
}

/**
 * Why a test needing the program `name` cannot run here, or undefined when it can (for
 * describeOrSkip in test/helpers/skip.ts, which fails instead under PORTWATCH_REQUIRE_TOOLS=1).
 */
export function missingTool(name: string, hint: string): string | undefined {
  if (findBinary(name) !== undefined) return undefined;
  return `${name} not found on PATH (${hint})`;
}

/** What the image built from the Dockerfile runs with: the last stage's USER, WORKDIR and VOLUMEs. */
export interface ImageRuntime {
  user: string;
  workdir: string;
  volumes: string[];
}

export function imageRuntime(instructions: readonly Instruction[]): ImageRuntime {
  const start = instructions.findLastIndex((i) => i.keyword === 'FROM');
  const stage = instructions.slice(start + 1);
  const last = (keyword: string): string | undefined => stage.filter((i) => i.keyword === keyword).at(-1)?.args;
  let workdir = '/';
  for (const i of stage) if (i.keyword === 'WORKDIR') workdir = posix.resolve(workdir, i.args);
  const volumes = stage.filter((i) => i.keyword === 'VOLUME').flatMap((i) => execForm(i.args) ?? i.args.split(/\s+/));
  return { user: last('USER') ?? 'root', workdir, volumes };
}
