// Target groups from the text of a file or an HTTP answer, with every problem at its line
// and column: JSON as Go's encoding/json reads it, YAML as Go's YAML reader does.
import { extname } from 'node:path';
import { readYaml, type YamlSource } from '../config/document.js';
import type { Checked, ConfigProblem } from '../config/errors.js';
import { formatPath, problemAt } from '../config/positions.js';
import { notUtf8 } from '../config/load.js';
import { decodeText, type ReadLimit } from '../config/read-file.js';
import type { Shape } from '../config/scalars.js';
import { INLINE_MAX_BYTES, runOnWorker, WorkerFailure, workerEntry } from '../config/worker.js';
import { lineCols } from '../config/line-cols.js';
import { jsonOffsets, jsonSyntaxError } from './json-text.js';
import { readTargetGroups, type Dialect, type DiscoveredHost, type Finding } from './target-groups.js';

/** The hosts of usable target groups, and the targets left out of them. */
export interface TargetGroupsRead {
  hosts: DiscoveredHost[];
  /** Targets left out (at most MAX_FINDINGS of them, placed), and how many there were. */
  dropped: ConfigProblem[];
  droppedCount: number;
}

export type GroupsResult = Checked<TargetGroupsRead>;

/** Where Go's reader puts strings in target groups. */
const GROUPS_SHAPE: Shape = { items: { fields: { targets: { items: 'text' }, labels: { items: 'text' } } } };

const EMPTY_JSON = 'the text is empty; a JSON file of target groups holds at least "[]"';

/** How a file_sd file is read: by its extension, as Prometheus does (patterns allow only these). */
export function dialectOf(fileName: string): Dialect {
  return extname(fileName).toLowerCase() === '.json' ? 'json' : 'yaml';
}

/** The largest service-discovery file or answer portwatch reads: a few million targets. */
export const SD_LIMIT: ReadLimit = { maxBytes: 32 * 1024 * 1024, what: 'service-discovery files and answers' };

/**
 * The target groups in the bytes of a file or an answer: YAML must be UTF-8 (as Go's reader
 * wants it), JSON's bad bytes are U+FFFD. A large text is decoded and parsed on a worker
 * thread, so that the event loop goes on meanwhile.
 */
export async function parseGroupsBytes(bytes: Uint8Array, dialect: Dialect): Promise<GroupsResult> {
  if (bytes.length <= INLINE_MAX_BYTES) return groupsOutcome(bytes, dialect);
  let result: GroupsResult;
  try {
    result = await runOnWorker<GroupsResult>(
      workerEntry('./parse-worker.js', import.meta.url),
      { bytes, dialect },
      bytes,
    );
  } catch (err) {
    if (!(err instanceof WorkerFailure)) throw err;
    return { ok: false, problems: [{ line: 0, col: 0, path: '', message: `cannot parse: ${err.message}` }] };
  }
  // A group's labels are one object shared by its hosts, across the thread too; frozen again here.
  if (result.ok) for (const h of result.value.hosts) Object.freeze(h.labels);
  return result;
}

/** parseGroups on bytes. */
export function groupsOutcome(bytes: Uint8Array, dialect: Dialect): GroupsResult {
  const decoded = decodeText(bytes, dialect === 'yaml');
  if (!decoded.ok) return { ok: false, problems: [notUtf8(bytes, decoded.offset)] };
  return parseGroups(decoded.text, dialect);
}

export function parseGroups(text: string, dialect: Dialect): GroupsResult {
  return dialect === 'json' ? parseJson(text) : parseYaml(text);
}

function parseJson(text: string): GroupsResult {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // A half-written file is refused, and its last good hosts are kept.
    const error = jsonSyntaxError(text) ?? { offset: 0, message: 'not JSON' };
    const empty = /^\s*$/.test(text);
    const message = empty ? EMPTY_JSON : `invalid JSON: ${error.message}`;
    const [at] = lineCols(text, [empty ? 0 : error.offset]);
    return { ok: false, problems: [{ ...at!, path: '', message }] };
  }
  const read = readTargetGroups(data, 'json');
  const place = (findings: Finding[]): ConfigProblem[] => {
    if (findings.length === 0) return [];
    const offsets = jsonOffsets(text, findings);
    const at = lineCols(text, offsets);
    return inOrder(findings.map((f, i) => ({ ...at[i]!, path: formatPath(f.path), message: f.message })));
  };
  if (read.refused.length > 0) return { ok: false, problems: place(read.refused) };
  return { ok: true, value: { hosts: read.hosts, dropped: place(read.dropped), droppedCount: read.droppedCount } };
}

function parseYaml(text: string): GroupsResult {
  const read = readYaml(text, { shape: GROUPS_SHAPE });
  // An empty file (or one of comments only) is no groups, as in Prometheus.
  if (!read.ok && 'empty' in read) return { ok: true, value: { hosts: [], dropped: [], droppedCount: 0 } };
  if (!read.ok) return read;
  const groups = readTargetGroups(read.value.data, 'yaml');
  const place = placeYaml(read.value);
  if (groups.refused.length > 0) return { ok: false, problems: inOrder(groups.refused.map(place)) };
  const dropped = inOrder(groups.dropped.map(place));
  return { ok: true, value: { hosts: groups.hosts, dropped, droppedCount: groups.droppedCount } };
}

function placeYaml(source: YamlSource): (f: Finding) => ConfigProblem {
  return (f) => problemAt(source, f.path, f.message, f.atKey);
}

/** Problems in the order they appear in the text. */
function inOrder(problems: ConfigProblem[]): ConfigProblem[] {
  return problems.sort((a, b) => a.line - b.line || a.col - b.col);
}
