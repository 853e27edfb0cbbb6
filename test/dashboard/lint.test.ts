// The dashboard must work on first import into Grafana 10.0+, with any Prometheus data source:
// valid JSON, unique panel ids, every query bound to the data source variable, no data
// source uid of ours, no variable used that is not defined, a layout without overlaps.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from '../alerts/stack.js';
import {
  allPanels,
  customOptions,
  dashboard,
  dashboardText,
  interpolate,
  queryPanels,
  variableQuery,
} from './dashboard.js';

const DS_REF = { type: 'prometheus', uid: '${datasource}' };
// Core panel types of Grafana 10; a plugin panel would not render on a fresh install.
const CORE_PANELS = new Set([
  'row',
  'stat',
  'table',
  'state-timeline',
  'timeseries',
  'gauge',
  'bargauge',
  'text',
  'status-history',
]);

/** Every value of a key named `uid` anywhere in the JSON, with its path. */
function uids(node: unknown, path = '$'): { path: string; uid: unknown }[] {
  if (Array.isArray(node)) return node.flatMap((v, i) => uids(v, `${path}[${i}]`));
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node as Record<string, unknown>).flatMap(([k, v]) => [
    ...(k === 'uid' ? [{ path: `${path}.${k}`, uid: v }] : []),
    ...uids(v, `${path}.${k}`),
  ]);
}

describe('grafana/dashboards/portwatch.json', () => {
  it('is valid JSON with a stable uid, for Grafana 10.0 or later as the README says', () => {
    expect(() => JSON.parse(dashboardText) as unknown).not.toThrow();
    expect(dashboard.uid).toBe('portwatch');
    // 38 is the schema Grafana 10.0 to 10.2 write (10.3 moved to 39, for a transformation this
    // dashboard does not use): a dashboard of a later schema is one Grafana 10.0 does not know.
    expect(dashboard.schemaVersion).toBe(38);
    expect(dashboardText).not.toContain('timeSeriesTable');
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain('(Grafana 10+');
    expect(dashboard.__inputs, 'no import-time ${DS_...} inputs: the variable picks the data source').toBeUndefined();
    expect(dashboardText).not.toMatch(/\$\{DS_/);
  });

  it('has unique panel ids', () => {
    const ids = allPanels().map((p) => p.id);
    expect(ids.every((id) => Number.isInteger(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('binds every panel and every query to the $datasource variable, and hard-codes no data source uid', () => {
    for (const p of queryPanels()) {
      expect(p.datasource, `panel ${p.id} ${p.title}`).toEqual(DS_REF);
      expect(p.targets?.length, `panel ${p.id} ${p.title} has queries`).toBeGreaterThan(0);
      for (const t of p.targets ?? []) expect(t.datasource, `panel ${p.id} target ${t.refId}`).toEqual(DS_REF);
    }
    for (const v of dashboard.templating.list.filter((x) => x.type === 'query'))
      expect(v.datasource, v.name).toEqual(DS_REF);
    const hardCoded = uids(dashboard).filter(
      // Not the dashboard's own uid, nor the built-in annotations'.
      ({ path, uid }) => path !== '$.uid' && uid !== '${datasource}' && uid !== '-- Grafana --',
    );
    expect(hardCoded).toEqual([]);
  });

  it('has a Prometheus data source variable and monitor and host variables', () => {
    const vars = Object.fromEntries(dashboard.templating.list.map((v) => [v.name, v]));
    expect(vars['datasource']?.type).toBe('datasource');
    expect(vars['datasource']?.query).toBe('prometheus');
    for (const name of ['monitor', 'host']) {
      expect(vars[name]?.type, name).toBe('query');
      expect(vars[name]?.multi, name).toBe(true);
      expect(vars[name]?.includeAll, name).toBe(true);
    }
    // Which ports the timeline shows: a custom variable whose options match its query text.
    expect(vars['ports']?.type).toBe('custom');
    expect(vars['ports']?.current?.value).toBe('1');
    const fromQuery = variableQuery(vars['ports']!)
      .split(',')
      .map((o) => o.split(' : ').map((x) => x.trim()));
    expect(vars['ports']?.options?.map((o) => [o.text, o.value])).toEqual(fromQuery);
  });

  // A custom variable rather than label_values(): it offers both protocols before any UDP port
  // is watched, and its All (.*) also matches series of a portwatch older than the protocol label.
  it('has a protocol variable offering tcp and udp, All by default, that every port query filters by', () => {
    const protocol = dashboard.templating.list.find((v) => v.name === 'protocol');
    expect(protocol).toMatchObject({ type: 'custom', query: 'tcp,udp', multi: true, includeAll: true });
    expect(protocol?.allValue).toBe('.*');
    expect(protocol?.current?.value).toEqual(['$__all']);
    expect(customOptions(protocol!)).toEqual(['tcp', 'udp']);
    const names = dashboard.templating.list.map((v) => v.name);
    expect(names.indexOf('protocol')).toBe(names.indexOf('host') + 1);
    // Every selector of a per-port series (not the per-monitor counts) names the protocol.
    const selectors = queryPanels()
      .flatMap((p) => p.targets ?? [])
      .flatMap((t) => [...t.expr.matchAll(/\b(port_[a-z_]+)\{([^}]*)\}/g)])
      .filter(([, metric]) => !['port_violations', 'port_unexpected_open_ports'].includes(metric!));
    expect(selectors.length).toBeGreaterThan(10);
    for (const [whole, , labels] of selectors) expect(labels, whole).toContain('protocol=~"$protocol"');
    // A port is joined with its own protocol: 53/tcp and 53/udp are two ports.
    for (const t of queryPanels().flatMap((p) => p.targets ?? [])) {
      for (const [on] of t.expr.matchAll(/on\(([^)]*)\)/g)) {
        if (on.includes('port')) expect(on, t.expr).toContain('protocol');
      }
    }
  });

  it('names open|filtered wherever a state is shown', () => {
    const byId = Object.fromEntries(queryPanels().map((p) => [p.id, p]));
    const stateColumn = (id: number) =>
      (
        byId[id] as unknown as {
          fieldConfig: { overrides: { matcher: { options: string }; properties: { id: string; value: unknown }[] }[] };
        }
      ).fieldConfig.overrides
        .find((o) => o.matcher.options === 'state')
        ?.properties.find((x) => x.id === 'mappings')?.value as { options: Record<string, { text: string }> }[];
    for (const id of [6, 9])
      expect(stateColumn(id)[0]?.options['open|filtered']?.text, `panel ${id}`).toBe('open|filtered');
    const timeline = byId[7] as unknown as {
      fieldConfig: { defaults: { mappings: { options: Record<string, { text: string }> }[] } };
    };
    const texts = Object.entries(timeline.fieldConfig.defaults.mappings[0]!.options).map(([v, m]) => `${v} ${m.text}`);
    expect(texts.sort()).toEqual(['-1 filtered', '-1.5 open|filtered', '-2 error', '0 closed', '1 open']);
  });

  it('uses only defined variables, and Prometheus-only queries', () => {
    const defined = Object.fromEntries(dashboard.templating.list.map((v) => [v.name, 'x']));
    const builtIns = { rateInterval: '1m', range: '1h', interval: '15s' };
    for (const p of queryPanels()) {
      const refIds = (p.targets ?? []).map((t) => t.refId);
      expect(new Set(refIds).size, `panel ${p.id}: unique refIds`).toBe(refIds.length);
      for (const t of p.targets ?? []) {
        expect(t.expr.trim(), `panel ${p.id} ${t.refId}`).not.toBe('');
        expect(() => interpolate(t.expr, defined, builtIns)).not.toThrow();
      }
    }
    for (const v of dashboard.templating.list.filter((x) => x.type === 'query')) {
      expect(() => interpolate(variableQuery(v), defined, builtIns)).not.toThrow();
    }
  });

  it('uses only core panel types and lays panels out on the 24-column grid without overlaps', () => {
    const panels = allPanels();
    for (const p of panels) {
      expect(CORE_PANELS.has(p.type), `panel ${p.id} type ${p.type}`).toBe(true);
      const g = p.gridPos;
      expect(g.x >= 0 && g.w > 0 && g.x + g.w <= 24 && g.h > 0, `panel ${p.id} gridPos`).toBe(true);
    }
    for (const a of panels) {
      for (const b of panels) {
        if (a.id >= b.id) continue;
        const overlap =
          a.gridPos.x < b.gridPos.x + b.gridPos.w &&
          b.gridPos.x < a.gridPos.x + a.gridPos.w &&
          a.gridPos.y < b.gridPos.y + b.gridPos.h &&
          b.gridPos.y < a.gridPos.y + a.gridPos.h;
        expect(overlap, `panels ${a.id} and ${b.id} overlap`).toBe(false);
      }
    }
  });

  it('has the panels the issue asks for', () => {
    const titles = queryPanels().map((p) => p.title);
    const wanted = ['Exposed ports', 'Unreachable ports', 'Ports not in their expected state', 'State per port'];
    wanted.push('State changes', 'Probe duration', 'Probes per second', 'Scrape', 'Config reload');
    wanted.push('Ports per monitor and state', 'Ports not as expected per monitor');
    for (const t of wanted) {
      expect(titles, t).toContain(t);
    }
  });
});

describe('grafana/provisioning', () => {
  it('provisions a Prometheus data source', () => {
    const ds = parse(readFileSync(join(ROOT, 'grafana/provisioning/datasources/portwatch-prometheus.yml'), 'utf8')) as {
      apiVersion: number;
      datasources: { name: string; type: string; url: string; access: string }[];
    };
    expect(ds.apiVersion).toBe(1);
    expect(ds.datasources).toHaveLength(1);
    expect(ds.datasources[0]).toMatchObject({ type: 'prometheus', access: 'proxy' });
    expect(ds.datasources[0]?.url).toMatch(/^https?:\/\//);
  });

  it('provisions the dashboard from a file provider', () => {
    const dp = parse(readFileSync(join(ROOT, 'grafana/provisioning/dashboards/portwatch.yml'), 'utf8')) as {
      apiVersion: number;
      providers: { name: string; type: string; options: { path: string } }[];
    };
    expect(dp.apiVersion).toBe(1);
    expect(dp.providers).toHaveLength(1);
    expect(dp.providers[0]?.type).toBe('file');
    expect(dp.providers[0]?.options.path).toMatch(/^\//);
  });
});
