// UDP exposure end to end, real components only, all on loopback: portwatch (1 s interval)
// checking two UDP ports, scraped by Debian's prometheus with the shipped rules, sending to
// Debian's prometheus-alertmanager with the shipped config (webhooks pointed at this test).
// An expected-closed UDP port starts answering and stops; an expected-open one goes silent
// (open|filtered), is closed (ICMP port unreachable) and answers again. Every datagram socket
// is the test's own, on 127.0.0.1 at a port the kernel chose.
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeOrSkip } from '../helpers/skip.js';
import { startNotificationStack, type NotificationStack } from './notification-stack.js';
import { missing, tempDir, waitFor, type WebhookMessage } from './stack.js';

/** A UDP socket on 127.0.0.1 that answers every datagram with one of its own, or stays silent. */
async function udpSocket(port: number, answer: boolean): Promise<Socket> {
  const socket = createSocket('udp4');
  if (answer) socket.on('message', (_msg, peer) => socket.send('pong', peer.port, peer.address));
  socket.bind(port, '127.0.0.1');
  await once(socket, 'listening');
  return socket;
}

async function closeSocket(socket: Socket | undefined): Promise<void> {
  if (socket === undefined) return;
  await new Promise<void>((resolve) => socket.close(() => resolve()));
}

/** A UDP port of 127.0.0.1 nothing is bound to: bound by us, then released. */
async function freeUdpPort(): Promise<number> {
  const socket = await udpSocket(0, false);
  const { port } = socket.address();
  await closeSocket(socket);
  return port;
}

const alertIn = (m: WebhookMessage, name: string, status: 'firing' | 'resolved') =>
  m.alerts.find((a) => a.labels['alertname'] === name && a.status === status);

describeOrSkip(missing('prometheus', 'alertmanager'), 'UDP notifications end to end', () => {
  let dir: ReturnType<typeof tempDir> | undefined;
  let stack: NotificationStack | undefined;
  let service: Socket | undefined;
  let exposed: Socket | undefined;
  let servicePort = 0;
  let guardedPort = 0;

  beforeAll(async () => {
    dir = tempDir('portwatch-alerts-e2e-udp-');
    service = await udpSocket(0, true);
    servicePort = service.address().port;
    guardedPort = await freeUdpPort();
    const configFile = join(dir.path, 'portwatch.yaml');
    writeFileSync(
      configFile,
      `defaults: {interval: 1s, timeout: 500ms, retries: 1}
monitors:
  - {name: udp-service, hosts: [127.0.0.1], expect_open: ["${servicePort}/udp"]}
  - {name: udp-database, hosts: [127.0.0.1], expect_closed: ["${guardedPort}/udp"]}
`,
    );
    stack = await startNotificationStack(configFile);
    await waitFor('Prometheus to see both UDP ports as expected', 30_000, async () => {
      const ok = await stack!.prometheus.query('port_violation{protocol="udp"} == 0');
      return ok.length === 2 ? true : undefined;
    });
  }, 90_000);

  afterAll(async () => {
    await stack?.stop();
    await closeSocket(service);
    await closeSocket(exposed);
    dir?.remove();
  });

  const instance = () => `127.0.0.1:${stack!.daemon.port}`;
  const labels = (alertname: string, monitor: string, port: number, expected: string) => ({
    alertname,
    severity: alertname === 'PortExposed' ? 'critical' : 'warning',
    category: alertname === 'PortExposed' ? 'security' : 'availability',
    job: 'portwatch',
    instance: instance(),
    monitor,
    host: '127.0.0.1',
    ip: '127.0.0.1',
    port: String(port),
    protocol: 'udp',
    expected,
  });

  it('notifies the security receiver when an expected-closed UDP port answers, and when it stops', async () => {
    exposed = await udpSocket(guardedPort, true);
    const firing = await stack!.webhook.waitFor(
      'a firing PortExposed',
      30_000,
      (m) => !!alertIn(m, 'PortExposed', 'firing'),
    );
    expect(firing.receiver).toBe('portwatch-security');
    const alert = alertIn(firing, 'PortExposed', 'firing')!;
    expect(alert.labels).toEqual(labels('PortExposed', 'udp-database', guardedPort, 'closed'));
    expect(alert.annotations['summary']).toBe(
      `Port ${guardedPort}/udp of 127.0.0.1 (127.0.0.1) is open, but monitor udp-database expects it closed.`,
    );
    expect(alert.annotations['description']).toContain(`got an answer from port ${guardedPort}/udp of 127.0.0.1`);

    // Bound but silent: open|filtered satisfies "closed", so the alert resolves.
    await closeSocket(exposed);
    exposed = await udpSocket(guardedPort, false);
    const resolved = await stack!.webhook.waitFor(
      'a resolved PortExposed',
      30_000,
      (m) => m.status === 'resolved' && !!alertIn(m, 'PortExposed', 'resolved'),
    );
    expect(alertIn(resolved, 'PortExposed', 'resolved')!.labels).toEqual(alert.labels);
    const state = await stack!.prometheus.query(`port_state_info{port="${guardedPort}", protocol="udp"}`);
    expect(state.map((s) => s.metric['state'])).toEqual(['open|filtered']);
  }, 70_000);

  it('notifies the ops receiver when an expected-open UDP port goes silent, then closed, then answers', async () => {
    await closeSocket(service);
    service = await udpSocket(servicePort, false);
    const silent = await stack!.webhook.waitFor(
      'a firing PortUnreachable',
      30_000,
      (m) => !!alertIn(m, 'PortUnreachable', 'firing'),
    );
    expect(silent.receiver).toBe('portwatch-ops');
    const alert = alertIn(silent, 'PortUnreachable', 'firing')!;
    expect(alert.labels).toEqual(labels('PortUnreachable', 'udp-service', servicePort, 'open'));
    expect(alert.annotations['summary']).toBe(
      `Port ${servicePort}/udp of 127.0.0.1 (127.0.0.1) gives no answer (open|filtered), ` +
        'but monitor udp-service expects it open.',
    );
    expect(alert.annotations['description']).toContain('state open|filtered, reason no-response.');

    // Nothing bound: the kernel answers ICMP port unreachable, and the same alert says closed.
    await closeSocket(service);
    service = undefined;
    await waitFor('the alert to say closed', 30_000, async () => {
      const r = await stack!.prometheus.query(`ALERTS{alertname="PortUnreachable", port="${servicePort}"}`);
      const info = await stack!.prometheus.query(`port_state_info{port="${servicePort}", protocol="udp"}`);
      return r.length === 1 && info[0]?.metric['reason'] === 'port-unreach' ? true : undefined;
    });

    service = await udpSocket(servicePort, true);
    const resolved = await stack!.webhook.waitFor(
      'a resolved PortUnreachable',
      30_000,
      (m) => m.status === 'resolved' && !!alertIn(m, 'PortUnreachable', 'resolved'),
    );
    expect(alertIn(resolved, 'PortUnreachable', 'resolved')!.labels).toEqual(alert.labels);
  }, 90_000);
});
