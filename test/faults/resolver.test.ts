import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Namespaces, netnsSkipReason } from '../helpers/netns.js';
import { find, type Sample } from '../helpers/scrape.js';
import { DNS_SERVER, queriesFor, writeControl, type DnsControl } from './helpers/dns-server.js';
import { killAll, startNsDaemon, writeConfig, type NsDaemon } from './helpers/ns-daemon.js';
import { describeOrSkip } from '../helpers/skip.js';

// The daemon's resolver against a DNS server of our own inside the namespace (resolv.conf
// points at it; no query can leave): one name stalls, one is refused then answered again,
// one moves to another address after its TTL.
const skip = netnsSkipReason();

const LISTENER = `const net = require('node:net'); let n = 0;
for (const ip of ['192.0.2.10', '192.0.2.11']) {
  net.createServer((s) => s.on('error', () => {})).listen(80, ip, () => { if (++n === 2) console.log('ready'); });
}`;

const CONFIG = `defaults:
  interval: 1s
  timeout: 500ms
monitors:
  - name: dns
    hosts: [192.0.2.10, fast.test, stall.test, flip.test, moving.test]
    expect_open: [80]
`;

const answer = (ip: string, ttl: number) => ({ mode: 'answer' as const, A: [ip], ttl });

/** host -> "ip state/reason" lines, from port_state_info. */
function view(samples: Sample[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const s of find(samples, 'port_state_info'))
    (out[s.labels['host']!] ??= []).push(`${s.labels['ip']} ${s.labels['state']}/${s.labels['reason']}`);
  return out;
}

describeOrSkip(skip, 'resolver faults', () => {
  const spaces = new Namespaces();
  const dir = mkdtempSync(join(tmpdir(), 'pwfault-dns-'));
  const control = join(dir, 'dns.json');
  const config = writeConfig(CONFIG);
  let client = '';
  let daemon: NsDaemon | undefined;
  let names: DnsControl = {
    'fast.test': answer('192.0.2.10', 1),
    'stall.test': { mode: 'stall' },
    'flip.test': answer('192.0.2.10', 1),
    'moving.test': answer('192.0.2.10', 2),
  };

  /** Polls until `ok` holds for the scraped view, or fails after `ms`; returns the time it took. */
  async function until(ok: (v: Record<string, string[]>) => boolean, ms: number, what: string): Promise<number> {
    const t0 = Date.now();
    let v: Record<string, string[]> = {};
    while (Date.now() - t0 < ms) {
      v = view(await daemon!.scrape());
      if (ok(v)) return Date.now() - t0;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${what} not within ${ms} ms: ${JSON.stringify(v)}`);
  }

  beforeAll(async () => {
    await spaces.prepare(async () => {
      client = spaces.create();
      const server = spaces.create();
      spaces.link(client, server, ['192.0.2.1/24'], ['192.0.2.10/24', '192.0.2.11/24']);
      spaces.etcFile(client, 'hosts', '127.0.0.1 localhost\n');
      spaces.etcFile(client, 'resolv.conf', 'nameserver 127.0.0.1\noptions timeout:1 attempts:2\n');
      writeControl(control, names);
      await spaces.start(client, process.execPath, ['-e', DNS_SERVER, control], 'ready');
      await spaces.start(server, process.execPath, ['-e', LISTENER], 'ready');
      daemon = await startNsDaemon(client, [`--config.file=${config.file}`]);
    });
  }, 60_000);
  afterAll(async () => {
    await daemon?.stop('SIGKILL');
    killAll();
    spaces.cleanup();
    config.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the pace of other checks while one name stalls, and makes that name error/dns-failure', async () => {
    const windowMs = 10_000;
    const t0 = Date.now();
    const rounds = new Map<string, Set<number>>();
    while (Date.now() - t0 < windowMs) {
      for (const s of find(await daemon!.scrape(), 'port_last_probe_timestamp_seconds')) {
        const host = s.labels['host']!;
        if (!rounds.has(host)) rounds.set(host, new Set());
        rounds.get(host)!.add(s.value);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    const counts = Object.fromEntries([...rounds].map(([h, set]) => [h, set.size]));
    console.log(`resolver: checks in ${windowMs / 1000} s while stall.test stalls: ${JSON.stringify(counts)}`);
    expect(counts['192.0.2.10']).toBeGreaterThanOrEqual(8);
    expect(counts['fast.test']).toBeGreaterThanOrEqual(8);
    await until((v) => v['stall.test']?.join() === ' error/dns-failure', 15_000, 'stall.test as error/dns-failure');
  }, 40_000);

  it('turns a refused name into error/dns-failure (never closed) and back to open, logging both', async () => {
    names = { ...names, 'flip.test': { mode: 'refuse' } };
    writeControl(control, names);
    const down = await until((v) => v['flip.test']?.join() === ' error/dns-failure', 10_000, 'flip.test refused');
    names = { ...names, 'flip.test': answer('192.0.2.10', 1) };
    writeControl(control, names);
    const up = await until(
      (v) => v['flip.test']?.join() === '192.0.2.10 open/syn-ack',
      10_000,
      'flip.test answered again',
    );
    console.log(
      `resolver: refused name was error/dns-failure after ${down} ms, open again ${up} ms after answers resumed`,
    );
    // The failure says what was believed (not "unknown"), and the recovery is logged at info.
    const failed = await daemon!.waitForLog((l) => l['host'] === 'flip.test' && l['to'] === 'error', 2000);
    expect(failed).toMatchObject({
      level: 'warn',
      msg: 'port expected open is not open',
      ip: '',
      from: 'open',
      reason: 'dns-failure',
      replaced: [{ ip: '192.0.2.10', state: 'open' }],
    });
    const recovered = await daemon!.waitForLog((l) => l['host'] === 'flip.test' && l['from'] === 'error', 2000);
    expect(recovered).toMatchObject({
      level: 'info',
      msg: 'port is back to its expected state',
      ip: '192.0.2.10',
      to: 'open',
      reason: 'syn-ack',
    });
  }, 30_000);

  it('keeps an answer for its TTL, then uses the new address', async () => {
    const before = queriesFor(readFileSync(`${control}.log`, 'utf8'), 'moving.test');
    const t0 = Date.now();
    names = { ...names, 'moving.test': answer('192.0.2.11', 2) };
    writeControl(control, names);
    const moved = await until(
      (v) => v['moving.test']?.join() === '192.0.2.11 open/syn-ack',
      6000,
      'moving.test at its new address',
    );
    // Watch a few more seconds of checks once a second: queries follow the 2 s TTL, not the checks.
    await new Promise((r) => setTimeout(r, 6000));
    const elapsed = (Date.now() - t0) / 1000;
    const queries = queriesFor(readFileSync(`${control}.log`, 'utf8'), 'moving.test') - before;
    console.log(
      `resolver: new address used ${moved} ms after the change (TTL 2 s); ` +
        `${queries} queries (A and AAAA) in ${elapsed.toFixed(1)} s of 1 s checks`,
    );
    expect(moved).toBeLessThanOrEqual(2000 + 1000 + 1000);
    // A and AAAA once per TTL: at most 2 * (elapsed / 2 + 1); an uncached resolver would ask 2 per check.
    expect(queries).toBeLessThanOrEqual(2 * (elapsed / 2 + 1));
  }, 30_000);
});
