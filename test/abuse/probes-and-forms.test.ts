import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import bcrypt from 'bcryptjs';
import { parse } from 'yaml';
import { basic } from '../web/certs.js';
import { Namespaces, netnsSkipReason } from '../helpers/netns.js';
import { IDLE_CONFIG, startAbuseDaemon, tempFiles, type AbuseDaemon } from './helpers/daemon.js';
import { timedRequest } from './helpers/clients.js';
import { describeOrSkip } from '../helpers/skip.js';

// Findings: with basic auth configured, /-/ready asked for credentials, so the shipped
// readiness probe never passed; POST /-/reload and POST /api/v1/check took any Content-Type and
// any Origin, so a page elsewhere could make a browser holding the credentials post to them.
const password = 's3cret';
const users = () => `basic_auth_users:\n  prometheus: "${bcrypt.hashSync(password, 4)}"\n`;

interface HttpGetProbe {
  path: string;
  port: string | number;
  scheme?: string;
}

/** The container's probes as the shipped StatefulSet declares them, named ports resolved. */
function shippedProbes(): Array<{ name: string; path: string; port: number; scheme: string }> {
  const file = fileURLToPath(new URL('../../deploy/kubernetes/base/statefulset.yaml', import.meta.url));
  const container = (
    parse(readFileSync(file, 'utf8')) as {
      spec: { template: { spec: { containers: Array<Record<string, unknown>> } } };
    }
  ).spec.template.spec.containers[0]!;
  const ports = container['ports'] as Array<{ name: string; containerPort: number }>;
  return (['livenessProbe', 'readinessProbe', 'startupProbe'] as const)
    .filter((name) => container[name] !== undefined)
    .map((name) => {
      const get = (container[name] as { httpGet: HttpGetProbe }).httpGet;
      const port = typeof get.port === 'number' ? get.port : ports.find((p) => p.name === get.port)!.containerPort;
      return { name, path: get.path, port, scheme: (get.scheme ?? 'HTTP').toLowerCase() };
    });
}

describeOrSkip(netnsSkipReason(), "the shipped StatefulSet's probes with users configured", () => {
  const spaces = new Namespaces();
  let ns = '';
  let files: ReturnType<typeof tempFiles>;
  let daemon: AbuseDaemon | undefined;
  const probes = shippedProbes();

  beforeAll(async () => {
    files = tempFiles({ 'portwatch.yaml': IDLE_CONFIG, 'web.yml': users() });
    await spaces.prepare(async () => {
      ns = spaces.create();
      // The container's own port, as kubelet reaches it: only inside this namespace.
      daemon = await startAbuseDaemon({
        netns: ns,
        listen: `:${probes[0]!.port}`,
        args: [`--config.file=${files.path('portwatch.yaml')}`, `--web.config.file=${files.path('web.yml')}`],
      });
    });
  });
  afterAll(async () => {
    await daemon?.stop();
    spaces.cleanup();
    files?.remove();
  });

  it('declares a liveness and a readiness probe', () => {
    expect(probes.map((p) => [p.name, p.path])).toEqual([
      ['livenessProbe', '/-/healthy'],
      ['readinessProbe', '/-/ready'],
    ]);
  });

  it('every probe passes as kubelet judges it (2xx or 3xx, no credentials), and tells nothing else', async () => {
    for (const probe of probes) {
      const url = `${probe.scheme}://127.0.0.1:${probe.port}${probe.path}`;
      const script =
        `fetch(${JSON.stringify(url)}, { redirect: 'manual' })` +
        '.then(async (r) => console.log(JSON.stringify([r.status, await r.text()])))';
      const r = await spaces.run(ns, process.execPath, ['-e', script]);
      const [status, body] = JSON.parse(r.stdout) as [number, string];
      expect(status, `${probe.name} ${url}`).toBeGreaterThanOrEqual(200);
      expect(status, `${probe.name} ${url}`).toBeLessThan(400);
      expect(body).toBe(probe.path === '/-/ready' ? 'Ready' : 'Healthy');
    }
  });
});

describe('POSTs a page elsewhere could make a browser send', () => {
  let files: ReturnType<typeof tempFiles>;
  let daemon: AbuseDaemon | undefined;
  const auth = basic('prometheus', password);

  beforeAll(async () => {
    files = tempFiles({ 'portwatch.yaml': IDLE_CONFIG, 'web.yml': users() });
    daemon = await startAbuseDaemon({
      args: [`--config.file=${files.path('portwatch.yaml')}`, `--web.config.file=${files.path('web.yml')}`],
    });
  });
  afterAll(async () => {
    await daemon?.stop();
    files?.remove();
  });

  const post = (path: string, headers: Record<string, string>, body = '') =>
    timedRequest(`http://127.0.0.1:${daemon!.port}${path}`, { method: 'POST', authorization: auth, headers, body });
  const json = { 'content-type': 'application/json' };
  const check = JSON.stringify({ monitor: 'self' });

  it.each([
    [
      'a form to the check API',
      '/api/v1/check',
      { 'content-type': 'application/x-www-form-urlencoded' },
      'monitor=self',
      415,
    ],
    ['plain text to the check API', '/api/v1/check', { 'content-type': 'text/plain' }, check, 415],
    ['JSON to the check API, cross-site', '/api/v1/check', { ...json, 'sec-fetch-site': 'cross-site' }, check, 403],
    ['a reload from a foreign Origin', '/-/reload', { origin: 'https://attacker.example' }, '', 403],
    ['a reload, cross-site', '/-/reload', { 'sec-fetch-site': 'cross-site' }, '', 403],
    ['a reload, same-site but another origin', '/-/reload', { 'sec-fetch-site': 'same-site' }, '', 403],
  ] as const)('%s is refused', async (_what, path, headers, body, status) => {
    expect((await post(path, headers, body)).status).toBe(status);
  });

  it.each([
    ['JSON to the check API (curl, a script)', '/api/v1/check', json, check],
    ['JSON to the check API from its own origin', '/api/v1/check', { ...json, 'sec-fetch-site': 'same-origin' }, check],
    ['a reload without Origin (curl -X POST)', '/-/reload', {}, ''],
    ['a reload whose Origin is the host asked', '/-/reload', { origin: 'http://127.0.0.1:PORT' }, ''],
  ] as const)('%s goes through', async (_what, path, headers, body) => {
    const h = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.replace('PORT', String(daemon!.port))]));
    const res = await post(path, h, body);
    expect([res.status, res.body.slice(0, 200)]).toEqual([200, res.body.slice(0, 200)]);
  });
});
