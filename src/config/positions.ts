// Zod issues to problems at the line and column of the YAML node they are about.
import { isMap, isNode, isScalar, type Node } from 'yaml';
import type { z } from 'zod';
import { describeValue } from './describe.js';
import type { YamlSource } from './document.js';
import type { ConfigProblem } from './errors.js';

type Path = readonly PropertyKey[];

/** Issues must have been made with `reportInput: true`, so that a missing key can be told from a wrong value. */
export function problemsFromIssues(issues: readonly z.core.$ZodIssue[], source: YamlSource): ConfigProblem[] {
  return issues.flatMap((issue): ConfigProblem[] => {
    if (issue.code === 'unrecognized_keys') {
      // One problem per key, at the key itself.
      return issue.keys.map((key) => {
        const path = [...issue.path, key];
        return problem(source, path, keyNode(source, issue.path, key), `unknown key ${JSON.stringify(key)} (${issue.message})`);
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
  for (let n = path.length; n > 0; n--) {
    const node: unknown = source.doc.getIn(path.slice(0, n), true);
    if (isNode(node)) return node;
  }
  return isNode(source.doc.contents) ? source.doc.contents : undefined;
}

function keyNode(source: YamlSource, mapPath: Path, key: string): Node | undefined {
  const map = mapPath.length === 0 ? source.doc.contents : source.doc.getIn(mapPath, true);
  if (!isMap(map)) return undefined;
  const pair = map.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
  return isNode(pair?.key) ? pair.key : undefined;
}

function noun(expected: string): string {
  return expected === 'object' ? 'a mapping' : expected === 'array' ? 'a list' : expected;
}
