// No panel ships empty: a real portwatch (1 s interval, loopback ports in all four
// situations: open as expected, closed as expected, exposed, unreachable, and one open
// port no monitor declares, which the discovery of both monitors finds; a file_sd file) scraped every
// second by a real Prometheus (the exposed one opens during the test, so there is a change
// of state to show); then every variable query and every panel query of the
// dashboard, with the variables substituted as Grafana does, must return data. Once with
// "All" selected, once with one monitor and one host.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { closeServer, freePort, listen } from '../helpers/ports.js';
import { RULES_FILE, missing, startPrometheus, tempDir, waitFor, type RunningPrometheus } from '../alerts/stack.js';
import { dashboard, formatVariable, interpolate, parseLabelValues, queryPanels, variableQuery, type BuiltIns, type Selection } from './dashboard.js';

const skip = missing('prometheus');

describe.skipIf(skip)('every dashboard query returns data from Prometheus scraping portwatch', () => {
  let dir: ReturnType<typeof tempDir> | undefined;
  const servers: Server[] = [];
  let daemon: RunningDaemon | undefined;
  let prometheus: RunningPrometheus | undefined;
  let start = 0;
  const ports = { ok: 0, exposed: 0, closedOk: 0, unreachable: 0, stray: 0 };

  beforeAll(async () => {
    dir = tempDir('portwatch-dashboard-');
    const open = async () => {
      const s = await listen(0);
      servers.push(s);
      return (s.address() as { port: number }).port;
    };
    ports.ok = await open();
    // Open and declared by no monitor: discovery of both monitors finds it.
    ports.stray = await open();
    ports.exposed = await freePort();
    ports.closedOk = await freePort();
    ports.unreachable = await freePort();
    const configFile = join(dir.path, 'portwatch.yaml');
    // Each monitor's host also comes from a file_sd file, for the service-discovery panel.
    writeFileSync(join(dir.path, 'hosts.json'), JSON.stringify([{ targets: ['127.0.0.1:9100'], labels: { team: 'web' } }]));
    writeFileSync(
      configFile,
      `defaults: {interval: 1s, timeout: 500ms, retries: 1}
monitors:
  - name: web
    hosts: [127.0.0.1]
    file_sd_configs: [{files: [hosts.json]}]
    expect_open: [${ports.ok}, ${ports.unreachable}]
    discover: {ports: [${ports.stray}], interval: 1s}
  - name: db
    hosts: [127.0.0.1]
    file_sd_configs: [{files: [hosts.json]}]
    expect_closed: [${ports.exposed}, ${ports.closedOk}]
    discover: {ports: [${ports.stray}], interval: 1s}
`,
    );
    daemon = await startDaemon([`--config.file=${configFile}`]);
    start = Math.floor(Date.now() / 1000);
    prometheus = await startPrometheus({ portwatch: `127.0.0.1:${daemon.port}`, ruleFiles: [RULES_FILE] });
    // The database port is first seen closed, then opened: a change of state to show.
    await waitFor('the database port seen closed', 30_000, async () => {
      const r = await prometheus!.query(`count_over_time(port_state{port="${ports.exposed}"}[1m]) >= 3`);
      return r.length === 1 ? true : undefined;
    });
    servers.push(await listen(ports.exposed));
    // Enough history for rate() over $__rate_interval: a few scrapes after both violations
    // are reported.
    await waitFor('both violations in Prometheus', 30_000, async () => {
      const r = await prometheus!.query('count(port_violation == 1) == 2 and count(count_over_time(port_state[1m]) >= 6) == 4 and count(port_unexpected_open) == 2');
      return r.length === 1 ? true : undefined;
    });
  }, 60_000);

  afterAll(async () => {
    await prometheus?.stop();
    await daemon?.stop();
    for (const s of servers) await closeServer(s);
    dir?.remove();
  });

  /** Resolves the variables in order, as Grafana does (each may use the previous ones). */
  async function resolveVariables(selection: Selection, builtIns: BuiltIns): Promise<{ values: Record<string, string>; options: Record<string, string[]> }> {
    const values: Record<string, string> = { datasource: 'Prometheus' };
    const options: Record<string, string[]> = {};
    for (const v of dashboard.templating.list) {
      if (v.type !== 'query') continue;
      const { selector, label } = parseLabelValues(variableQuery(v));
      const series = await prometheus!.query(`group by (${label}) (${interpolate(selector, values, builtIns)})`);
      const found = [...new Set(series.map((s) => s.metric[label]).filter((x): x is string => x !== undefined))].sort();
      expect(found.length, `variable ${v.name}: ${variableQuery(v)}`).toBeGreaterThan(0);
      options[v.name] = found;
      // A variable without "All" shows its first value; otherwise use the selection.
      const chosen = selection[v.name] ?? (v.includeAll ? 'All' : [found[0]!]);
      values[v.name] = formatVariable(v, chosen, found);
    }
    return { values, options };
  }

  async function checkPanels(selection: Selection): Promise<string[]> {
    const end = Math.floor(Date.now() / 1000);
    const range = Math.max(end - start, 10);
    // Grafana: $__rate_interval = max($__interval + scrape interval, 4 * scrape interval) with
    // the 1 s scrape interval of this Prometheus and a 1 s step.
    const builtIns: BuiltIns = { rateInterval: '4s', range: `${range}s`, interval: '1s' };
    const { values } = await resolveVariables(selection, builtIns);
    const empty: string[] = [];
    for (const p of queryPanels()) {
      for (const t of p.targets ?? []) {
        const expr = interpolate(t.expr, values, builtIns);
        const result = t.instant ? await prometheus!.query(expr, end) : await prometheus!.queryRange(expr, end - range, end, 1);
        const points = result.reduce((n, s) => n + (s.values?.length ?? (s.value ? 1 : 0)), 0);
        if (points === 0) empty.push(`panel ${p.id} "${p.title}" ${t.refId}: ${expr}`);
      }
    }
    return empty;
  }

  it('with every variable at "All"', async () => {
    expect(await checkPanels({})).toEqual([]);
  });

  it('with one monitor and one host selected', async () => {
    expect(await checkPanels({ monitor: ['web'], host: ['127.0.0.1'] })).toEqual([]);
    expect(await checkPanels({ monitor: ['db'], host: ['127.0.0.1'] })).toEqual([]);
  });

  it('shows one exposed and one unreachable port, and both in the table with their state', async () => {
    const builtIns: BuiltIns = { rateInterval: '4s', range: '60s', interval: '1s' };
    const { values } = await resolveVariables({}, builtIns);
    const byTitle = (title: string) => queryPanels().find((p) => p.title === title)!.targets![0]!.expr;
    const exposed = await prometheus!.query(interpolate(byTitle('Exposed ports'), values, builtIns));
    const unreachable = await prometheus!.query(interpolate(byTitle('Unreachable ports'), values, builtIns));
    expect(exposed.map((s) => s.value?.[1])).toEqual(['1']);
    expect(unreachable.map((s) => s.value?.[1])).toEqual(['1']);
    const table = await prometheus!.query(interpolate(byTitle('Ports not in their expected state'), values, builtIns));
    const rows = table.map((s) => `${s.metric['monitor']} ${s.metric['port']} ${s.metric['expected']} ${s.metric['state']}`).sort();
    expect(rows).toEqual([`db ${ports.exposed} closed open`, `web ${ports.unreachable} open closed`].sort());
    // The opening of the database port is one change of state in the changes panel.
    const end = Math.floor(Date.now() / 1000);
    const changes = await prometheus!.queryRange(interpolate(byTitle('State changes'), values, builtIns), start, end, 1);
    const total = (monitor: string) => changes.filter((s) => s.metric['monitor'] === monitor).flatMap((s) => s.values ?? []).reduce((n, [, v]) => n + Number(v), 0);
    expect(total('db')).toBe(1);
    expect(total('web')).toBe(0);
    // "Since" is a time in milliseconds, within this test's lifetime.
    for (const s of table) expect(Number(s.value?.[1])).toBeGreaterThanOrEqual((start - 5) * 1000);
  });
});
