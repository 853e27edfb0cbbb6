// Zod issues to problems at the line and column of the YAML node they are about.
import { isAlias, isMap, isNode, isScalar, isSeq, type Node, type Pair, type YAMLMap } from 'yaml';
import type { z } from 'zod';
import { describeValue } from './describe.js';
import type { YamlSource } from './document.js';
import type { ConfigProblem } from './errors.js';
import { didYouMean } from './suggest.js';

type Path = readonly PropertyKey[];

/** Issues must have been made with `reportInput: true`, so that a missing key can be told from a wrong value. */
export function problemsFromIssues(issues: readonly z.core.$ZodIssue[], source: YamlSource): ConfigProblem[] {
  return issues.flatMap((issue): ConfigProblem[] => {
    if (issue.code === 'unrecognized_keys') {
      // One problem per key, at the key itself.
      return issue.keys.map((key) => {
        const path = [...issue.path, key];
        const hint = didYouMean(key, allowedKeys(issue.message));
        return problem(source, path, keyNode(source, issue.path, key), `unknown key ${JSON.stringify(key)}${hint} (${issue.message})`);
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
      return [problem(source, issue.path, keyNode(source, issue.path.slice(0, -1), key), issue.message)];
    }
    const message = issue.code === 'invalid_type' ? `expected ${noun(issue.expected)}, got ${describeValue(issue.input)}` : issue.message;
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

/** A problem at the node at `path` (or its nearest ancestor that exists); `atKey`: at the key of the last step instead. */
export function problemAt(source: YamlSource, path: Path, message: string, atKey = false): ConfigProblem {
  const node = atKey && path.length > 0 ? keyNode(source, path.slice(0, -1), String(path.at(-1))) : undefined;
  return problem(source, path, node, message);
}

function problem(source: YamlSource, path: Path, node: Node | undefined, message: string): ConfigProblem {
  const offset = (node ?? nearestNode(source, path))?.range?.[0] ?? 0;
  return { ...source.lines.linePos(offset), path: formatPath(path), message };
}

/** The node at `path`, or else that of its nearest ancestor that exists. */
function nearestNode(source: YamlSource, path: Path): Node | undefined {
  let node: Node | undefined = isNode(source.doc.contents) ? source.doc.contents : undefined;
  for (const step of path) {
    const next = node === undefined ? undefined : childOf(source, node, step);
    if (next === undefined) return node;
    node = next;
  }
  return node;
}

function keyNode(source: YamlSource, mapPath: Path, key: string): Node | undefined {
  const map = mapPath.length === 0 ? source.doc.contents : nodeAt(source, mapPath);
  const pair = isMap(map) ? pairOf(map, key) : undefined;
  return isNode(pair?.key) ? pair.key : undefined;
}

function nodeAt(source: YamlSource, path: Path): Node | undefined {
  let node: Node | undefined = isNode(source.doc.contents) ? source.doc.contents : undefined;
  for (const step of path) node = node === undefined ? undefined : childOf(source, node, step);
  return node;
}

/** A list's item or a mapping's value, through aliases. */
function childOf(source: YamlSource, node: Node, step: PropertyKey): Node | undefined {
  const at = isAlias(node) ? node.resolve(source.doc) : node;
  if (isSeq(at)) {
    const item: unknown = typeof step === 'number' ? at.items[step] : undefined;
    return isNode(item) ? item : undefined;
  }
  if (!isMap(at)) return undefined;
  const value: unknown = pairOf(at, String(step))?.value;
  return isNode(value) ? value : undefined;
}

/** Pairs of each mapping by key text, indexed once: a file with thousands of problems in one mapping stays linear. */
const pairIndex = new WeakMap<YAMLMap, Map<string, Pair>>();

function pairOf(map: YAMLMap, key: string): Pair | undefined {
  let index = pairIndex.get(map);
  if (index === undefined) {
    index = new Map();
    for (const pair of map.items) {
      const text = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (text !== undefined && !index.has(text)) index.set(text, pair);
    }
    pairIndex.set(map, index);
  }
  return index.get(key);
}

/** The keys an unknown-key issue lists: its message is "allowed: a, b, c" (schema.ts). */
function allowedKeys(message: string): string[] {
  return message.startsWith('allowed: ') ? message.slice('allowed: '.length).split(', ') : [];
}

function noun(expected: string): string {
  return expected === 'object' ? 'a mapping' : expected === 'array' ? 'a list' : expected;
}
