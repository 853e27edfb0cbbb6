// Static labels a monitor adds to its port series, so that Alertmanager can route by them.
import { describeValue, quote } from './describe.js';

/** A legacy Prometheus label name, as portwatch's own labels are; names starting with "__" included. */
export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
export const LABEL_NAME_MAX = 128;
export const LABEL_VALUE_MAX = 1024;
export const LABELS_MAX = 32;

/** Labels portwatch itself writes on port series; a user label of the same name would be a duplicate. */
export const BUILT_IN_LABELS = ['monitor', 'host', 'ip', 'port', 'protocol', 'expected', 'state', 'reason'] as const;
/** Labels Prometheus sets on every scraped series: a target label of the same name is renamed exported_<name>. */
const SCRAPE_LABELS = ['job', 'instance'] as const;

/** A problem with one label: at its name (`at: 'key'`) or at its value. */
export interface LabelProblem {
  name: string;
  at: 'key' | 'value';
  message: string;
}

/** Why `name` cannot be a label name, or undefined when it can. */
export function labelNameProblem(name: string): string | undefined {
  const q = quote(name);
  if (name === '') return 'label name is empty';
  if (name.length > LABEL_NAME_MAX) return `label name ${q} is longer than ${LABEL_NAME_MAX} characters`;
  if (!LABEL_NAME.test(name))
    return `label name ${q} may only contain letters, digits and "_", and must not start with a digit`;
  if (name.startsWith('__')) return `label name ${q} starts with "__", which Prometheus reserves for its own use`;
  if ((BUILT_IN_LABELS as readonly string[]).includes(name)) {
    return `label name ${q} is a label portwatch sets itself (${BUILT_IN_LABELS.join(', ')})`;
  }
  if ((SCRAPE_LABELS as readonly string[]).includes(name)) {
    return (
      `label name ${q} is set by Prometheus on every scrape, ` +
      `which would rename this one to "exported_${name}"; choose another name`
    );
  }
  return undefined;
}

/** Why `value` cannot be the value of label `name`, or undefined when it can. */
export function labelValueProblem(name: string, value: unknown): string | undefined {
  if (typeof value !== 'string') return `label ${quote(name)} must have a string value, got ${describeValue(value)}`;
  if (value === '') return `label ${quote(name)} has an empty value, which Prometheus treats as no label; leave it out`;
  if (value.length > LABEL_VALUE_MAX)
    return `label ${quote(name)} has a value longer than ${LABEL_VALUE_MAX} characters`;
  return undefined;
}

/** Every problem of a `labels` mapping (already known to be a mapping). */
export function labelProblems(labels: Record<string, unknown>): LabelProblem[] {
  const problems: LabelProblem[] = [];
  const names = Object.keys(labels);
  if (names.length > LABELS_MAX) {
    problems.push({ name: names[LABELS_MAX]!, at: 'key', message: `more than ${LABELS_MAX} labels` });
  }
  // Past the limit, one problem says it all: thousands of labels cost no more than 32.
  for (const name of names.slice(0, LABELS_MAX)) {
    const nameProblem = labelNameProblem(name);
    if (nameProblem !== undefined) {
      problems.push({ name, at: 'key', message: nameProblem });
      continue;
    }
    const valueProblem = labelValueProblem(name, labels[name]);
    if (valueProblem !== undefined) problems.push({ name, at: 'value', message: valueProblem });
  }
  return problems;
}

/** `defaults` overridden by `own`, names sorted: the order labels are written in. */
export function mergeLabels(
  defaults: Readonly<Record<string, string>> | undefined,
  own: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  const merged = { ...defaults, ...own };
  return Object.fromEntries(
    Object.keys(merged)
      .sort()
      .map((k) => [k, merged[k]!]),
  );
}
