// The dashboard's queries as Grafana sends them: variables resolved in order against a real
// Prometheus (each may use the ones before), then every panel query interpolated and run.
import { expect } from 'vitest';
import type { PromSeries, RunningPrometheus } from '../alerts/stack.js';
import {
  customOptions,
  dashboard,
  formatVariable,
  interpolate,
  parseLabelValues,
  queryPanels,
  variableQuery,
  type BuiltIns,
  type Panel,
  type Selection,
  type Target,
} from './dashboard.js';

export interface Resolved {
  values: Record<string, string>;
  options: Record<string, string[]>;
}

/** A query variable's values from Prometheus; a custom variable's from its options. */
export async function resolveVariables(
  prometheus: RunningPrometheus,
  selection: Selection,
  builtIns: BuiltIns,
): Promise<Resolved> {
  const values: Record<string, string> = { datasource: 'Prometheus' };
  const options: Record<string, string[]> = {};
  for (const v of dashboard.templating.list) {
    if (v.type === 'custom') {
      const found = customOptions(v);
      options[v.name] = found;
      const current = v.current?.value;
      const chosen = selection[v.name] ?? (v.includeAll ? 'All' : [typeof current === 'string' ? current : '']);
      values[v.name] = formatVariable(v, chosen, found);
      continue;
    }
    if (v.type !== 'query') continue;
    const { selector, label } = parseLabelValues(variableQuery(v));
    const series = await prometheus.query(`group by (${label}) (${interpolate(selector, values, builtIns)})`);
    const found = [...new Set(series.map((s) => s.metric[label]).filter((x): x is string => x !== undefined))].sort();
    expect(found.length, `variable ${v.name}: ${variableQuery(v)}`).toBeGreaterThan(0);
    options[v.name] = found;
    // A variable without "All" shows its first value; otherwise use the selection.
    const chosen = selection[v.name] ?? (v.includeAll ? 'All' : [found[0]!]);
    values[v.name] = formatVariable(v, chosen, found);
  }
  return { values, options };
}

export interface PanelResult {
  panel: Panel;
  target: Target;
  expr: string;
  series: PromSeries[];
  /** Samples in all: one per series for an instant query. */
  points: number;
  /** How long Prometheus took to answer. */
  ms: number;
}

/** Every query of every panel, instant ones at `end`, range ones over [end - range, end] at `step`. */
export async function runPanels(
  prometheus: RunningPrometheus,
  values: Record<string, string>,
  builtIns: BuiltIns,
  window: { end: number; range: number; step: number },
): Promise<PanelResult[]> {
  const results: PanelResult[] = [];
  for (const panel of queryPanels()) {
    for (const target of panel.targets ?? []) {
      const expr = interpolate(target.expr, values, builtIns);
      const started = performance.now();
      const series = target.instant
        ? await prometheus.query(expr, window.end)
        : await prometheus.queryRange(expr, window.end - window.range, window.end, window.step);
      const points = series.reduce((n, s) => n + (s.values?.length ?? (s.value ? 1 : 0)), 0);
      results.push({ panel, target, expr, series, points, ms: performance.now() - started });
    }
  }
  return results;
}

/** The first query of the panel with this title. */
export function panelExpr(title: string): string {
  const panel = queryPanels().find((p) => p.title === title);
  if (panel?.targets?.[0] === undefined) throw new Error(`no panel "${title}" with a query`);
  return panel.targets[0].expr;
}

export const label = (r: PanelResult): string => `panel ${r.panel.id} "${r.panel.title}" ${r.target.refId}`;
