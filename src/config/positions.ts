// Zod issues to problems at the line and column of the YAML node they are about.
import type { z } from 'zod';
import { describeValue } from './describe.js';
import type { YamlSource } from './document.js';
import type { Placed } from './yaml-tree.js';
import type { ConfigProblem } from './errors.js';
import { unknownKeyMessage } from './suggest.js';

type Path = readonly PropertyKey[];

/** Issues must have been made with `reportInput: true`, so that a missing key can be told from a wrong value. */
export function problemsFromIssues(issues: readonly z.core.$ZodIssue[], source: YamlSource): ConfigProblem[] {
  return issues.flatMap((issue): ConfigProblem[] => {
    if (issue.code === 'unrecognized_keys') {
      // One problem per key, at the key itself.
      return issue.keys.map((key) => {
        const path = [...issue.path, key];
        return problem(
          source,
          path,
          keyAt(source, issue.path, key),
          unknownKeyMessage(key, allowedKeys(issue.message)),
        );
      });
    }
    if (issue.code === 'invalid_type' && issue.input === undefined) {
      // At the mapping that lacks the key.
      const key = String(issue.path.at(-1) ?? '');
      return [problem(source, issue.path, undefined, `missing required key ${JSON.stringify(key)}`)];
    }
    if (issue.code === 'custom' && (issue.params as { at?: string } | undefined)?.at === 'key') {
      // A bad label name: at the name, not at its value.
      const key = String(issue.path.at(-1) ?? '');
      return [problem(source, issue.path, keyAt(source, issue.path.slice(0, -1), key), issue.message)];
    }
    const message =
      issue.code === 'invalid_type'
        ? `expected ${noun(issue.expected)}, got ${describeValue(issue.input)}`
        : issue.message;
    return [problem(source, issue.path, undefined, message)];
  });
}

/** `monitors[0].expect_open[3]`. */
export function formatPath(path: Path): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(String(part))) out += out === '' ? String(part) : `.${String(part)}`;
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out;
}

/**
 * A problem at the node at `path` (or its nearest ancestor that exists); `atKey`: at the key
 * of the last step instead.
 */
export function problemAt(source: YamlSource, path: Path, message: string, atKey = false): ConfigProblem {
  const key = atKey && path.length > 0 ? keyAt(source, path.slice(0, -1), String(path.at(-1))) : undefined;
  return problem(source, path, key, message);
}

function problem(source: YamlSource, path: Path, offset: number | undefined, message: string): ConfigProblem {
  return { ...source.lines.linePos(offset ?? nearest(source, path).at), path: formatPath(path), message };
}

/** Where the value at `path` was written, or else its nearest ancestor that exists. */
function nearest(source: YamlSource, path: Path): Placed {
  let node = source.root;
  for (const step of path) {
    const next = childOf(node, step);
    if (next === undefined) return node;
    node = next;
  }
  return node;
}

function keyAt(source: YamlSource, mapPath: Path, key: string): number | undefined {
  let node: Placed | undefined = source.root;
  for (const step of mapPath) node = node === undefined ? undefined : childOf(node, step);
  return node?.entries?.get(key)?.key;
}

function childOf(node: Placed, step: PropertyKey): Placed | undefined {
  if (node.items) return typeof step === 'number' ? node.items[step] : undefined;
  return node.entries?.get(String(step))?.value;
}

/** The keys an unknown-key issue lists: its message is "allowed: a, b, c" (schema.ts). */
function allowedKeys(message: string): string[] {
  return message.startsWith('allowed: ') ? message.slice('allowed: '.length).split(', ') : [];
}

function noun(expected: string): string {
  return expected === 'object' ? 'a mapping' : expected === 'array' ? 'a list' : expected;
}
