import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_LIMIT } from '../../src/config/load.js';
import { startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';
import { find, scrape } from '../helpers/scrape.js';
import { FAST_CHECKS, scrapeUntil, value, writeAtomic } from '../sd/helpers.js';

// The built daemon reading files it is pointed at that are not what they should be: a FIFO
// (which would block a plain read until someone writes to it), a file over the size limit, a
// large file with a problem at its end. Each reload fails like any bad reload, quickly; the
// daemon keeps running, keeps its memory, and still stops on SIGTERM.

/** The event loop's longest stall since the last scrape (prom-client resets it at each scrape). */
async function loopStallSince(url: string): Promise<number> {
  return value(await scrape(url), 'nodejs_eventloop_lag_max_seconds', {});
}

function rssBytes(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

async function reload(daemon: RunningDaemon): Promise<{ status: number; body: string; ms: number }> {
  const started = Date.now();
  const res = await fetch(daemon.url('/-/reload'), { method: 'POST', signal: AbortSignal.timeout(30_000) });
  return { status: res.status, body: await res.text(), ms: Date.now() - started };
}

/** A config that is valid up to its last line: a long list of hosts, then one that is not a host. */
function largeInvalidConfig(bytes: number): string {
  const lines = ['monitors:', '  - name: big', '    expect_closed: [1]', '    hosts:'];
  let size = lines.join('\n').length;
  for (let i = 0; size < bytes; i++) {
    const line = `      - h${i}.example.com`;
    lines.push(line);
    size += line.length + 1;
  }
  lines.push('      - 198.51.100.999');
  return `${lines.join('\n')}\n`;
}

describe('config files that are not what they should be, with the daemon', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portwatch-config-reading-'));
  const configFile = join(dir, 'portwatch.yaml');
  const good = join(dir, 'good.yaml');
  let daemon: RunningDaemon;

  beforeAll(async () => {
    writeFileSync(
      good,
      `${FAST_CHECKS}\n  - name: web\n    hosts: [127.0.0.1]\n    expect_closed: [${await freePort()}]\n`,
    );
    copyFileSync(good, configFile);
    daemon = await startDaemon([`--config.file=${configFile}`]);
  });

  afterAll(async () => {
    await daemon?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const metrics = () => daemon.url('/metrics');
  const reloadOk = async () => value(await scrape(metrics()), 'portwatch_config_last_reload_successful', {});

  it('fails a reload of a FIFO at once, by HTTP and by SIGHUP, and reloads again once the file is back', async () => {
    unlinkSync(configFile);
    execFileSync('mkfifo', [configFile]);
    const r = await reload(daemon);
    expect({ status: r.status, body: r.body }).toEqual({
      status: 500,
      body: `failed to reload config: ${configFile}: cannot read: it is a named pipe (FIFO), not a regular file`,
    });
    expect(await reloadOk()).toBe(0);

    const logs = daemon.logs.length;
    daemon.proc.kill('SIGHUP');
    const failed = 'config reload failed, keeping the running config; fix the file and reload again';
    const log = await daemon.waitForLog((l) => daemon.logs.indexOf(l) >= logs && l.msg === failed, 10_000);
    expect(log['problems']).toBe(`${configFile}: cannot read: it is a named pipe (FIFO), not a regular file`);

    unlinkSync(configFile);
    copyFileSync(good, configFile);
    expect((await reload(daemon)).status).toBe(200);
    expect(await reloadOk()).toBe(1);
  });

  it('refuses a config over the size limit without reading it', async () => {
    writeFileSync(configFile, Buffer.alloc(CONFIG_LIMIT.maxBytes + 1, '#'));
    const r = await reload(daemon);
    const size = (CONFIG_LIMIT.maxBytes + 1).toLocaleString('en-US');
    expect({ status: r.status, body: r.body }).toEqual({
      status: 500,
      body:
        `failed to reload config: ${configFile}: cannot read: the file is ${size} bytes; portwatch reads config ` +
        `files of at most 16 MiB`,
    });
    expect(await reloadOk()).toBe(0);
  });

  // Before: a 53 MB file took 1.6 GB, kept after the reload failed, and froze the loop for seconds.
  it('gives back the memory of a large config that fails, and keeps the event loop going meanwhile', async () => {
    copyFileSync(good, configFile);
    expect((await reload(daemon)).status).toBe(200);
    const baseline = rssBytes(daemon.proc.pid!);
    writeFileSync(configFile, largeInvalidConfig(12 * 1024 * 1024));
    await loopStallSince(metrics());
    const r = await reload(daemon);
    expect(r.status).toBe(500);
    expect(r.body).toMatch(
      new RegExp(
        `^failed to reload config: ${configFile}:\\d+:9: ` +
          `monitors\\[0\\]\\.hosts\\[\\d+\\]: "198\\.51\\.100\\.999" is ` +
          `not a valid IPv4 address$`,
      ),
    );
    // Generous: the issue saw 18 s.
    expect(await loopStallSince(metrics())).toBeLessThan(1);
    const bound = baseline + 100 * 1024 * 1024;
    let rss = rssBytes(daemon.proc.pid!);
    for (let waited = 0; rss > bound && waited < 10_000; waited += 250) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      rss = rssBytes(daemon.proc.pid!);
    }
    expect(
      rss,
      `RSS ${Math.round(rss / 1048576)} MB after the failed reload, ${Math.round(baseline / 1048576)} MB before`,
    ).toBeLessThanOrEqual(bound);
    expect(await reloadOk()).toBe(0);
    expect(find(await scrape(metrics()), 'port_state', { monitor: 'web' })).toHaveLength(1);
  });

  it('stops on SIGTERM while the config path is a FIFO', async () => {
    unlinkSync(configFile);
    execFileSync('mkfifo', [configFile]);
    expect((await reload(daemon)).status).toBe(500);
    const exited = once(daemon.proc, 'exit');
    daemon.proc.kill('SIGTERM');
    const [code] = (await Promise.race([
      exited,
      new Promise((_, reject) => setTimeout(() => reject(new Error('no exit within 15 s of SIGTERM')), 15_000)),
    ])) as [number | null];
    expect(code).toBe(0);
  });
});

describe('a web config file that is a FIFO, with the daemon', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portwatch-web-reading-'));
  const webFile = join(dir, 'web.yml');
  let daemon: RunningDaemon;

  beforeAll(async () => {
    const configFile = join(dir, 'portwatch.yaml');
    writeFileSync(
      configFile,
      `${FAST_CHECKS}\n  - name: web\n    hosts: [127.0.0.1]\n    expect_closed: [${await freePort()}]\n`,
    );
    writeFileSync(webFile, '# plain HTTP, no users\n');
    daemon = await startDaemon([`--config.file=${configFile}`, `--web.config.file=${webFile}`]);
  });

  afterAll(async () => {
    await daemon?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails the reload at once, and SIGTERM still stops the daemon', async () => {
    unlinkSync(webFile);
    execFileSync('mkfifo', [webFile]);
    const r = await reload(daemon);
    expect({ status: r.status, body: r.body }).toEqual({
      status: 500,
      body: `failed to reload config: ${webFile}: cannot read: it is a named pipe (FIFO), not a regular file`,
    });
    expect(value(await scrape(daemon.url('/metrics')), 'portwatch_config_last_reload_successful', {})).toBe(0);
    expect(await daemon.stop()).toBe(0);
  });
});

describe('service-discovery files that are not what they should be, with the daemon', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portwatch-sd-reading-'));
  const targets = join(dir, 'targets');
  const configFile = join(dir, 'portwatch.yaml');
  const labelled = join(targets, 'labelled.yml');
  const fifo = join(targets, 'fifo.json');
  let daemon: RunningDaemon;

  /** One group of 30,000 labels: its read once froze the event loop for 10 s. */
  const manyLabels = (value: string) =>
    `- targets: ["127.0.0.2:9100"]\n  labels:\n` +
    `${Array.from({ length: 30_000 }, (_, i) => `    k${i}: ${value}${i}\n`).join('')}    team: ${value}\n`;

  beforeAll(async () => {
    mkdirSync(targets);
    writeAtomic(labelled, manyLabels('a'));
    writeFileSync(join(targets, 'plain.json'), '[{"targets": ["127.0.0.3"]}]');
    execFileSync('mkfifo', [fifo]);
    writeFileSync(
      configFile,
      `${FAST_CHECKS}\n  - name: sd\n` +
        `    file_sd_configs: [{files: [targets/*.yml, targets/*.json], refresh_interval: ` +
        `1h}]\n    sd_labels: {team: team}\n    expect_closed: [${await freePort()}]\n`,
    );
    daemon = await startDaemon([`--config.file=${configFile}`]);
  });

  afterAll(async () => {
    await daemon?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const metrics = () => daemon.url('/metrics');
  const source = (file: string) => ({ monitor: 'sd', sd: 'file', source: file });

  it('reads a group of 30,000 labels, again on every change, without stalling the event loop', async () => {
    let s = await scrapeUntil(
      metrics(),
      (x) => find(x, 'port_state', { host: '127.0.0.2' }).length === 1,
      'the host of the labelled group',
      15_000,
    );
    expect(find(s, 'port_state', { host: '127.0.0.2' })[0]!.labels['team']).toBe('a');
    await loopStallSince(metrics());
    writeAtomic(labelled, manyLabels('b'));
    s = await scrapeUntil(
      metrics(),
      (x) => find(x, 'port_state', { host: '127.0.0.2', team: 'b' }).length === 1,
      'the relabelled host',
      15_000,
    );
    expect(value(s, 'portwatch_sd_last_refresh_successful', source(labelled))).toBe(1);
    // Generous: the issue saw 10 s on every read.
    expect(await loopStallSince(metrics())).toBeLessThan(1);
  });

  it('refuses a FIFO that a pattern matches, and reads the other files', async () => {
    const s = await scrape(metrics());
    expect(value(s, 'portwatch_sd_last_refresh_successful', source(fifo))).toBe(0);
    expect(value(s, 'portwatch_sd_last_refresh_successful', source(join(targets, 'plain.json')))).toBe(1);
    expect(find(s, 'port_state', { host: '127.0.0.3' })).toHaveLength(1);
    const log = await daemon.waitForLog(
      (l) => l.msg === 'service discovery file is invalid, keeping its last good targets' && l['file'] === fifo,
      5_000,
    );
    expect((log['err'] as { message: string }).message).toBe(
      `${fifo}: cannot read: it is a named pipe (FIFO), not a regular file`,
    );
  });

  it('refuses a file over the size limit', async () => {
    const big = join(targets, 'big.json');
    writeAtomic(big, ' '.repeat(32 * 1024 * 1024 + 1));
    const log = await daemon.waitForLog(
      (l) => l.msg === 'service discovery file is invalid, keeping its last good targets' && l['file'] === big,
      10_000,
    );
    expect((log['err'] as { message: string }).message).toBe(
      `${big}: cannot read: the file is ${(32 * 1024 * 1024 + 1).toLocaleString('en-US')} bytes; ` +
        'portwatch reads service-discovery files and answers of at most 32 MiB',
    );
  });

  it('stops on SIGTERM', async () => {
    expect(await daemon.stop()).toBe(0);
  });
});
