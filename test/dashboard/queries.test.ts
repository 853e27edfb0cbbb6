// No panel ships empty: a real portwatch (1 s interval, loopback ports in all four
// situations: open as expected, closed as expected, exposed, unreachable, and one open
// port no monitor declares, which the discovery of both monitors finds; an expected-open UDP
// port bound by a socket that never answers, open|filtered; a file_sd file) scraped every
// second by a real Prometheus (the exposed one opens during the test, so there is a change
// of state to show); then every variable query and every panel query of the
// dashboard, with the variables substituted as Grafana does, must return data. Once with
// "All" selected, once with one monitor and one host.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import type { Server } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { closeServer, freePort, listen } from '../helpers/ports.js';
import { RULES_FILE, missing, startPrometheus, tempDir, waitFor, type RunningPrometheus } from '../alerts/stack.js';
import { interpolate, type BuiltIns, type Selection } from './dashboard.js';
import { label, panelExpr, resolveVariables, runPanels } from './evaluate.js';
import { describeOrSkip } from '../helpers/skip.js';

const skip = missing('prometheus');

describeOrSkip(skip, 'every dashboard query returns data from Prometheus scraping portwatch', () => {
  let dir: ReturnType<typeof tempDir> | undefined;
  const servers: Server[] = [];
  let daemon: RunningDaemon | undefined;
  let prometheus: RunningPrometheus | undefined;
  let start = 0;
  const ports = { ok: 0, exposed: 0, closedOk: 0, unreachable: 0, stray: 0, silentUdp: 0 };
  let silent: Socket | undefined;

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
    silent = createSocket('udp4').bind(0, '127.0.0.1');
    await once(silent, 'listening');
    ports.silentUdp = silent.address().port;
    const configFile = join(dir.path, 'portwatch.yaml');
    // Each monitor's host also comes from a file_sd file, for the service-discovery panel.
    writeFileSync(
      join(dir.path, 'hosts.json'),
      JSON.stringify([{ targets: ['127.0.0.1:9100'], labels: { team: 'web' } }]),
    );
    writeFileSync(
      configFile,
      `defaults: {interval: 1s, timeout: 500ms, retries: 1}
monitors:
  - name: web
    hosts: [127.0.0.1]
    file_sd_configs: [{files: [hosts.json]}]
    expect_open: [${ports.ok}, ${ports.unreachable}, "${ports.silentUdp}/udp"]
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
      const r = await prometheus!.query(
        'count(port_violation == 1) == 3 and count(count_over_time(port_state[1m]) >= 6) == 5 ' +
          'and count(port_unexpected_open) == 2',
      );
      return r.length === 1 ? true : undefined;
    });
  }, 60_000);

  afterAll(async () => {
    await prometheus?.stop();
    await daemon?.stop();
    for (const s of servers) await closeServer(s);
    if (silent) await new Promise<void>((resolve) => silent!.close(() => resolve()));
    dir?.remove();
  });

  async function checkPanels(selection: Selection): Promise<string[]> {
    const end = Math.floor(Date.now() / 1000);
    const range = Math.max(end - start, 10);
    // Grafana: $__rate_interval = max($__interval + scrape interval, 4 * scrape interval) with
    // the 1 s scrape interval of this Prometheus and a 1 s step.
    const builtIns: BuiltIns = { rateInterval: '4s', range: `${range}s`, interval: '1s' };
    const { values } = await resolveVariables(prometheus!, selection, builtIns);
    const results = await runPanels(prometheus!, values, builtIns, { end, range, step: 1 });
    return results.filter((r) => r.points === 0).map((r) => `${label(r)}: ${r.expr}`);
  }

  it('with every variable at "All"', async () => {
    expect(await checkPanels({})).toEqual([]);
  });

  it('with one monitor and one host selected, and every selected port shown', async () => {
    expect(await checkPanels({ monitor: ['web'], host: ['127.0.0.1'] })).toEqual([]);
    expect(await checkPanels({ monitor: ['db'], host: ['127.0.0.1'], ports: ['0'] })).toEqual([]);
  });

  it('counts exposed ports, declared and discovered, the unreachable one, and both in the table', async () => {
    const builtIns: BuiltIns = { rateInterval: '4s', range: '60s', interval: '1s' };
    const { values } = await resolveVariables(prometheus!, {}, builtIns);
    const instant = (title: string) => prometheus!.query(interpolate(panelExpr(title), values, builtIns));
    // One declared closed and open, and the stray port that the discovery of each monitor finds.
    expect((await instant('Exposed ports')).map((s) => s.value?.[1])).toEqual(['3']);
    expect((await instant('Unreachable ports')).map((s) => s.value?.[1])).toEqual(['2']);
    const table = await instant('Ports not in their expected state');
    const row = (m: Record<string, string>) =>
      `${m['monitor']} ${m['port']}/${m['protocol']} ${m['expected']} ${m['state']}`;
    const rows = table.map((s) => row(s.metric)).sort();
    expect(rows).toEqual(
      [
        `db ${ports.exposed}/tcp closed open`,
        `web ${ports.unreachable}/tcp open closed`,
        `web ${ports.silentUdp}/udp open open|filtered`,
      ].sort(),
    );
    // The opening of the database port is one change of state in the changes panel.
    const end = Math.floor(Date.now() / 1000);
    const changesExpr = interpolate(panelExpr('State changes'), values, builtIns);
    const changes = await prometheus!.queryRange(changesExpr, start, end, 1);
    const total = (monitor: string) =>
      changes
        .filter((s) => s.metric['monitor'] === monitor)
        .flatMap((s) => s.values ?? [])
        .reduce((n, [, v]) => n + Number(v), 0);
    expect(total('db')).toBe(1);
    expect(total('web')).toBe(0);
    // "Since" is a time in milliseconds, within this test's lifetime.
    for (const s of table) expect(Number(s.value?.[1])).toBeGreaterThanOrEqual((start - 5) * 1000);
    // Per monitor and state: web has its open and its closed port, db its two (one opened).
    const perState = await instant('Ports per monitor and state');
    const cells = perState.map((s) => `${s.metric['monitor']} ${s.metric['state']} ${s.value?.[1]}`);
    expect(cells.sort()).toEqual(['db closed 1', 'db open 1', 'web closed 1', 'web open 1', 'web open|filtered 1']);
    // State per port draws the silent UDP port as open|filtered (-1.5), apart from filtered.
    const timeline = await instant('State per port');
    const udp = timeline
      .filter((s) => s.metric['protocol'] === 'udp')
      .map((s) => `${s.metric['port']} ${s.value?.[1]}`);
    expect(udp).toEqual([`${ports.silentUdp} -1.5`]);
  });
});
