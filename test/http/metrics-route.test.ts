import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { gunzip as gunzipCb } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { PortStore, targetId } from '../../src/state/store.js';
import { monitor, MONITORS, NOW, result, samples } from '../metrics/fixture.js';
import { serve } from './server-fixture.js';
import { describeOrSkip } from '../helpers/skip.js';

const gunzip = promisify(gunzipCb);
const PROMTOOL = '/usr/bin/promtool';
const noPromtool = existsSync(PROMTOOL) ? undefined : `${PROMTOOL} not found (Debian package prometheus)`;

/** Runs `promtool check metrics` on the text; resolves with its exit code and everything it said. */
function promtoolCheck(text: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PROMTOOL, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(text);
  });
}

async function scrape(base: string, headers: Record<string, string> = {}): Promise<Response> {
  // fetch() would negotiate and decode gzip itself; ask for identity unless a test says otherwise.
  return fetch(`${base}/metrics`, { headers: { 'accept-encoding': 'identity', ...headers } });
}

describe('GET /metrics', () => {
  it('serves the port families and self metrics in the 0.0.4 text format', async () => {
    const { base } = await serve();
    const res = await scrape(base);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(res.headers.get('content-encoding')).toBeNull();
    expect(res.headers.get('vary')).toBe('Accept-Encoding');
    const text = await res.text();
    expect(samples(text, 'port_state')).toHaveLength(6);
    expect(text).toContain('port_violations{monitor="quiet",expected="open"} 0\n');
    expect(text).toContain('portwatch_build_info{version="0.0.0-test"');
    expect(text).toContain('portwatch_targets{monitor="web"} 4\n');
  });

  it('gzips when the client accepts it', async () => {
    const { base } = await serve();
    const plain = await (await scrape(base)).text();
    const res = await scrape(base, { 'accept-encoding': 'br;q=1.0, gzip;q=0.8' });
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(res.headers.get('vary')).toBe('Accept-Encoding');
    // undici decodes gzip on its own; compare what it decoded, and check the raw bytes separately below.
    const decoded = await res.text();
    // Process metrics (CPU, memory) move between scrapes; the port families must not.
    const ports = (t: string) => t.slice(0, t.indexOf('# HELP portwatch_'));
    expect(ports(decoded)).toBe(ports(plain));
  });

  it('sends gzip bytes that gunzip to the exposition', async () => {
    const { server } = await serve();
    const { request } = await import('node:http');
    const body = await new Promise<{ encoding: string | undefined; raw: Buffer }>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: server.port, path: '/metrics', headers: { 'accept-encoding': 'gzip' } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ encoding: res.headers['content-encoding'], raw: Buffer.concat(chunks) }));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(body.encoding).toBe('gzip');
    const text = (await gunzip(body.raw)).toString('utf8');
    expect(text).toMatch(/^# HELP port_state /);
    expect(samples(text, 'port_state')).toHaveLength(6);
  });

  it('does not gzip when the client refuses it', async () => {
    const { base } = await serve();
    const res = await scrape(base, { 'accept-encoding': 'gzip;q=0, identity' });
    expect(res.headers.get('content-encoding')).toBeNull();
  });

  it('drops the series of a target removed by setTargets', async () => {
    const { base, store } = await serve();
    expect(await (await scrape(base)).text()).toContain('host="db.example"');
    store.setTargets(MONITORS.filter((m) => m.name !== 'db'));
    const text = await (await scrape(base)).text();
    expect(text).not.toContain('db.example');
    expect(text).not.toContain('monitor="db"');
    expect(samples(text, 'port_state')).toHaveLength(5);
  });
});

describeOrSkip(noPromtool, 'promtool check metrics', () => {
  it('finds nothing to complain about in a real scrape', async () => {
    const store = new PortStore();
    // Monitor names come from the config and may need escaping.
    store.setTargets([...MONITORS, monitor('od"d\\ñame\nx', ['h.example'], [80], [])]);
    store.record(
      targetId('web', 'web1.example', 443),
      [result('192.0.2.10', 'open', 'syn-ack'), result('2001:db8::10', 'filtered', 'no-response', 2)],
      NOW,
    );
    store.record(targetId('db', 'db.example', 5432), [result('', 'error', 'dns-failure', 0)], NOW);
    store.record(targetId('od"d\\ñame\nx', 'h.example', 80), [result('192.0.2.1', 'closed', 'conn-refused')], NOW);
    const { base } = await serve({ store });
    const { code, output } = await promtoolCheck(await (await scrape(base)).text());
    expect(output).toBe('');
    expect(code).toBe(0);
  });

  it('accepts monitors with different label sets in one family', async () => {
    const store = new PortStore();
    const labelled = (name: string, labels: Record<string, string>) => ({
      ...monitor(name, [`${name}.example`], [443], [22]),
      labels,
    });
    store.setTargets([
      ...MONITORS,
      labelled('pay', { env: 'prod', team: 'payments' }),
      labelled('search', { tier: 'a"b\\c\nd' }),
    ]);
    for (const [name, ip] of [
      ['web', '192.0.2.10'],
      ['pay', '192.0.2.20'],
      ['search', '192.0.2.30'],
    ] as const) {
      const host = name === 'web' ? 'web1.example' : `${name}.example`;
      store.record(targetId(name, host, 443), [result(ip, 'open', 'syn-ack')], NOW);
      if (name !== 'web') store.record(targetId(name, host, 22), [result(ip, 'open', 'syn-ack')], NOW);
    }
    const { base } = await serve({ store });
    const text = await (await scrape(base)).text();
    expect(text).toContain('team="payments"');
    expect(text).toContain('tier="a\\"b\\\\c\\nd"');
    const { code, output } = await promtoolCheck(text);
    expect(output).toBe('');
    expect(code).toBe(0);
  });

  it('accepts the discovery series, of monitors with and without labels', async () => {
    const store = new PortStore();
    const discover = { ports: [8080, 9200], intervalMs: 3_600_000, allow: [] };
    store.setTargets([
      ...MONITORS,
      { ...monitor('lab', ['lab.example'], [443], []), labels: { team: 'netops' }, discover },
      { ...monitor('edge', ['edge.example'], [443], []), discover },
      { ...monitor('calm', ['calm.example'], [443], []), discover },
      // A host from service discovery with a team of its own.
      {
        ...monitor('fleet', ['a.example', 'b.example'], [443], []),
        labels: { team: 'netops' },
        hostLabels: new Map([['b.example', { team: 'payments' }]]),
        discover,
      },
    ]);
    for (const t of [NOW, NOW + 1000]) {
      for (const host of ['a.example', 'b.example'])
        store.discovery.recordSweep('fleet', host, [{ ip: '192.0.2.41', open: [9200], errors: [] }], t, 0.5);
      store.discovery.recordSweep('lab', 'lab.example', [{ ip: '192.0.2.40', open: [8080, 9200], errors: [] }], t, 0.5);
      store.discovery.recordSweep('edge', 'edge.example', [{ ip: '2001:db8::40', open: [9200], errors: [] }], t, 1.25);
    }
    const { base } = await serve({ store });
    const text = await (await scrape(base)).text();
    expect(text).toContain(
      'port_unexpected_open{monitor="lab",host="lab.example",ip="192.0.2.40",' +
        'port="9200",protocol="tcp",team="netops"} 1',
    );
    expect(text).toContain('port_unexpected_open_ports{monitor="calm"} 0');
    expect(text).toContain(
      'port_unexpected_open{monitor="fleet",host="a.example",ip="192.0.2.41",' +
        'port="9200",protocol="tcp",team="netops"} 1',
    );
    expect(text).toContain(
      'port_unexpected_open{monitor="fleet",host="b.example",ip="192.0.2.41",' +
        'port="9200",protocol="tcp",team="payments"} 1',
    );
    expect(text).toContain('port_unexpected_open_ports{monitor="fleet",team="netops"} 2');
    const { code, output } = await promtoolCheck(text);
    expect(output).toBe('');
    expect(code).toBe(0);
  });

  it('accepts a scrape before any port was checked', async () => {
    const { base } = await serve({ store: new PortStore() });
    const { code, output } = await promtoolCheck(await (await scrape(base)).text());
    expect(output).toBe('');
    expect(code).toBe(0);
  });
});
