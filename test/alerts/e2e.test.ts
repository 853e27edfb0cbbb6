// Notifications end to end, real components only, all on loopback: portwatch (1 s interval)
// scraped by Debian's prometheus with the shipped rule file (1 s scrape and evaluation),
// sending to Debian's prometheus-alertmanager running the shipped example config, whose
// receivers point at a webhook this test serves. An expected-closed port is opened and
// closed again, an expected-open port goes down and comes back; the webhook must get the
// firing and the resolved notification of each, from the receiver the routing calls for.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { closeServer, freePort, listen } from '../helpers/ports.js';
import { ALERTMANAGER_CONFIG, RULES_FILE, getJson, missing, tempDir, waitFor, type WebhookMessage } from './stack.js';
import { describeOrSkip } from '../helpers/skip.js';
import { testAlertmanagerConfig } from './alertmanager-config.js';
import { startNotificationStack, type NotificationStack } from './notification-stack.js';

const skip = missing('prometheus', 'alertmanager');

/** Paths of the leaves that differ between two parsed YAML documents. */
function differences(a: unknown, b: unknown, path = ''): string[] {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return a === b ? [] : [path];
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].flatMap((k) =>
    differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}/${k}`),
  );
}

describe('the Alertmanager config the end-to-end test runs', () => {
  it('differs from the shipped one only in webhook URLs and timings', () => {
    const shipped = readFileSync(ALERTMANAGER_CONFIG, 'utf8');
    const diff = differences(parse(shipped), parse(testAlertmanagerConfig(shipped, 1234)));
    expect(diff.length).toBeGreaterThan(0);
    for (const path of diff) expect(path).toMatch(/\/(url|group_wait|group_interval|repeat_interval)$/);
  });
});

/** How many rules the shipped file holds; Prometheus must have loaded all of them. */
const SHIPPED_RULES = (parse(readFileSync(RULES_FILE, 'utf8')) as { groups: { rules: unknown[] }[] }).groups[0]!.rules
  .length;

describeOrSkip(skip, 'notifications end to end', () => {
  let dir: ReturnType<typeof tempDir> | undefined;
  let stack: NotificationStack | undefined;
  let serviceServer: Server | undefined;
  let exposedServer: Server | undefined;
  let servicePort = 0;
  let guardedPort = 0;

  beforeAll(async () => {
    dir = tempDir('portwatch-alerts-e2e-');
    serviceServer = await listen(0);
    servicePort = (serviceServer.address() as { port: number }).port;
    guardedPort = await freePort();
    const configFile = join(dir.path, 'portwatch.yaml');
    writeFileSync(
      configFile,
      `defaults: {interval: 1s, timeout: 500ms, retries: 1}
monitors:
  - name: service
    hosts: [127.0.0.1]
    expect_open: [${servicePort}]
  - name: database
    hosts: [127.0.0.1]
    expect_closed: [${guardedPort}]
`,
    );
    stack = await startNotificationStack(configFile);

    // Rules loaded, both ports scraped as expected, Alertmanager discovered.
    await waitFor('Prometheus to scrape both ports and know the Alertmanager', 30_000, async () => {
      const rules = await getJson<{ data: { groups: { rules: unknown[] }[] } }>(
        `${stack!.prometheus.url}/api/v1/rules`,
      );
      const ams = await getJson<{ data: { activeAlertmanagers: unknown[] } }>(
        `${stack!.prometheus.url}/api/v1/alertmanagers`,
      );
      const violations = await stack!.prometheus.query('port_violation == 0');
      return rules.data.groups[0]?.rules.length === SHIPPED_RULES &&
        ams.data.activeAlertmanagers.length === 1 &&
        violations.length === 2
        ? true
        : undefined;
    });
  }, 90_000);

  afterAll(async () => {
    await stack?.stop();
    for (const s of [serviceServer, exposedServer]) if (s?.listening) await closeServer(s);
    dir?.remove();
  });

  const alertIn = (m: WebhookMessage, name: string, status: 'firing' | 'resolved') =>
    m.alerts.find((a) => a.labels['alertname'] === name && a.status === status);
  const instance = () => `127.0.0.1:${stack!.daemon.port}`;

  it('sends nothing while every port is as expected', async () => {
    const firing = await stack!.prometheus.query('ALERTS{alertname=~"PortExposed|PortUnreachable"}');
    expect(firing).toEqual([]);
    expect(
      stack!.webhook.messages.filter((m) =>
        m.alerts.some((a) => /PortExposed|PortUnreachable/.test(a.labels['alertname'] ?? '')),
      ),
    ).toEqual([]);
  });

  it('notifies the security receiver when an expected-closed port opens, and again when it closes', async () => {
    exposedServer = await listen(guardedPort);
    const firing = await stack!.webhook.waitFor(
      'a firing PortExposed',
      30_000,
      (m) => alertIn(m, 'PortExposed', 'firing') !== undefined,
    );
    expect(firing.receiver).toBe('portwatch-security');
    expect(firing.path).toBe('/portwatch-security');
    expect(firing.groupLabels).toEqual({ monitor: 'database' });
    const alert = alertIn(firing, 'PortExposed', 'firing')!;
    expect(alert.labels).toEqual({
      alertname: 'PortExposed',
      severity: 'critical',
      category: 'security',
      job: 'portwatch',
      instance: instance(),
      monitor: 'database',
      host: '127.0.0.1',
      ip: '127.0.0.1',
      port: String(guardedPort),
      protocol: 'tcp',
      expected: 'closed',
    });
    expect(alert.annotations['summary']).toBe(
      `Port ${guardedPort}/tcp of 127.0.0.1 (127.0.0.1) is open, but monitor database expects it closed.`,
    );
    expect(alert.annotations['runbook_url']).toBe(
      'https://github.com/portwatch/portwatch/blob/main/docs/runbook.md#portexposed',
    );

    await closeServer(exposedServer);
    // The monitor's only violation ended: the whole group is resolved.
    const resolved = await stack!.webhook.waitFor(
      'a resolved PortExposed',
      30_000,
      (m) => m.status === 'resolved' && alertIn(m, 'PortExposed', 'resolved') !== undefined,
    );
    expect(resolved.receiver).toBe('portwatch-security');
    expect(alertIn(resolved, 'PortExposed', 'resolved')!.labels).toEqual(alert.labels);
  }, 70_000);

  it(
    'notifies the ops receiver when an expected-open port goes down, with state and reason, ' +
      'and again when it is back',
    async () => {
      await closeServer(serviceServer!);
      const firing = await stack!.webhook.waitFor(
        'a firing PortUnreachable',
        30_000,
        (m) => alertIn(m, 'PortUnreachable', 'firing') !== undefined,
      );
      expect(firing.receiver).toBe('portwatch-ops');
      expect(firing.path).toBe('/portwatch-ops');
      expect(firing.groupLabels).toEqual({ monitor: 'service' });
      const alert = alertIn(firing, 'PortUnreachable', 'firing')!;
      expect(alert.labels).toEqual({
        alertname: 'PortUnreachable',
        severity: 'warning',
        category: 'availability',
        job: 'portwatch',
        instance: instance(),
        monitor: 'service',
        host: '127.0.0.1',
        ip: '127.0.0.1',
        port: String(servicePort),
        protocol: 'tcp',
        expected: 'open',
      });
      expect(alert.annotations['summary']).toBe(
        `Port ${servicePort}/tcp of 127.0.0.1 (127.0.0.1) is closed, but monitor service expects it open.`,
      );
      expect(alert.annotations['description']).toContain('state closed, reason conn-refused.');

      serviceServer = await listen(servicePort);
      const resolved = await stack!.webhook.waitFor(
        'a resolved PortUnreachable',
        30_000,
        (m) => m.status === 'resolved' && alertIn(m, 'PortUnreachable', 'resolved') !== undefined,
      );
      expect(resolved.receiver).toBe('portwatch-ops');
      expect(alertIn(resolved, 'PortUnreachable', 'resolved')!.labels).toEqual(alert.labels);
    },
    70_000,
  );

  // The shipped inhibit rule in the running Alertmanager: alerts posted to its API directly,
  // as Prometheus would, for an invented portwatch instance.
  it('mutes port alerts of a portwatch while PortwatchDown fires for it, and only for it', async () => {
    const endsAt = new Date(Date.now() + 5 * 60_000).toISOString();
    const down = {
      alertname: 'PortwatchDown',
      severity: 'warning',
      category: 'monitoring',
      job: 'portwatch',
      instance: 'gone.invalid:9798',
    };
    const target = (inst: string, alertname: string) => ({
      alertname,
      severity: 'warning',
      category: alertname === 'PortUnreachable' ? 'availability' : 'monitoring',
      job: 'portwatch',
      instance: inst,
      monitor: 'inhibit-test',
      host: 'www.example.com',
      ip: '192.0.2.80',
      port: '443',
      expected: 'open',
    });
    const alerts = [
      down,
      target('gone.invalid:9798', 'PortUnreachable'),
      target('gone.invalid:9798', 'PortProbeFailing'),
      target('other.invalid:9798', 'PortUnreachable'),
    ];
    const res = await fetch(`${stack!.alertmanager.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alerts.map((labels) => ({ labels, endsAt }))),
      signal: AbortSignal.timeout(5_000),
    });
    expect(res.status).toBe(200);
    type AmAlert = { labels: Record<string, string>; status: { state: string; inhibitedBy: string[] } };
    const states = await waitFor('the inhibition to apply', 10_000, async () => {
      const list = await getJson<AmAlert[]>(
        `${stack!.alertmanager.url}/api/v2/alerts?filter=monitor%3D%22inhibit-test%22`,
      );
      return list.length === 3 && list.some((a) => a.status.state === 'suppressed') ? list : undefined;
    });
    const stateOf = (inst: string, name: string) =>
      states.find((a) => a.labels['instance'] === inst && a.labels['alertname'] === name)?.status.state;
    expect(stateOf('gone.invalid:9798', 'PortUnreachable')).toBe('suppressed');
    expect(stateOf('gone.invalid:9798', 'PortProbeFailing')).toBe('suppressed');
    expect(stateOf('other.invalid:9798', 'PortUnreachable')).toBe('active');
  });
});
