// The shipped Grafana dashboard as data, and Grafana's template variable interpolation for
// Prometheus queries, reduced to what the dashboard uses.
import { readFileSync } from 'node:fs';
import { DASHBOARD } from '../alerts/stack.js';

export interface DatasourceRef {
  type?: string;
  uid?: string;
}

export interface Target {
  refId: string;
  expr: string;
  datasource?: DatasourceRef;
  instant?: boolean;
  range?: boolean;
  format?: string;
  legendFormat?: string;
}

export interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: DatasourceRef;
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: Target[];
  panels?: Panel[];
}

export interface Variable {
  type: string;
  name: string;
  query: string | { query: string };
  /** The value a custom variable starts with. */
  current?: { text?: string | string[]; value?: string | string[] };
  options?: { text: string; value: string; selected?: boolean }[];
  datasource?: DatasourceRef;
  multi?: boolean;
  includeAll?: boolean;
  allValue?: string;
}

export interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Variable[] };
  __inputs?: unknown;
}

export const dashboardText = readFileSync(DASHBOARD, 'utf8');
export const dashboard = JSON.parse(dashboardText) as Dashboard;

/** Every panel, rows' nested panels included. */
export function allPanels(d: Dashboard = dashboard): Panel[] {
  return d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

/** Panels that query (everything but rows). */
export function queryPanels(d: Dashboard = dashboard): Panel[] {
  return allPanels(d).filter((p) => p.type !== 'row');
}

export function variableQuery(v: Variable): string {
  return typeof v.query === 'string' ? v.query : v.query.query;
}

/** A custom variable's values as Grafana offers them, without its "All". */
export function customOptions(v: Variable): string[] {
  return (v.options ?? []).map((o) => o.value).filter((value) => value !== '$__all');
}

/** Values chosen for the dashboard's variables: a list (one or more values) or "All". */
export type Selection = Record<string, string[] | 'All'>;

// Grafana escapes regex metacharacters of variable values used in Prometheus queries, with a
// doubled backslash because the value ends up inside a PromQL string literal.
function escapeRegex(value: string): string {
  return value.replace(/[\\^$*+?.()|[\]{}]/g, (c) => `\\\\${c}`);
}

/** The text Grafana puts in place of $name for a variable and selection. */
export function formatVariable(v: Variable, selection: string[] | 'All', options: string[]): string {
  if (selection === 'All') {
    if (v.allValue !== undefined) return v.allValue;
    selection = options;
  }
  if (selection.length === 1) return escapeRegex(selection[0]!);
  return `(${selection.map(escapeRegex).join('|')})`;
}

export interface BuiltIns {
  /** $__rate_interval: max($__interval + scrape interval, 4 * scrape interval). */
  rateInterval: string;
  /** $__range: the time range of the dashboard. */
  range: string;
  /** $__interval: the step of range queries. */
  interval: string;
}

/** Replaces $var, ${var} and [[var]] with the given texts; throws on a variable left over. */
export function interpolate(expr: string, values: Record<string, string>, builtIns: BuiltIns): string {
  const all: Record<string, string> = {
    ...values,
    __rate_interval: builtIns.rateInterval,
    __range: builtIns.range,
    __interval: builtIns.interval,
  };
  const out = expr.replace(
    /\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]/g,
    (whole, a?: string, b?: string, c?: string) => {
      const name = a ?? b ?? c ?? '';
      const v = all[name];
      if (v === undefined) throw new Error(`unknown variable ${whole} in ${expr}`);
      return v;
    },
  );
  return out;
}

/** The metric selector and label of a `label_values(selector, label)` variable query. */
export function parseLabelValues(query: string): { selector: string; label: string } {
  const m = /^label_values\((.*),\s*(\w+)\)$/.exec(query.trim());
  if (!m) throw new Error(`not a label_values() query: ${query}`);
  return { selector: m[1]!, label: m[2]! };
}
