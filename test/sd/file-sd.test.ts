import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { closeServer, freePort, listen } from '../helpers/ports.js';
import { find, scrape, type Sample } from '../helpers/scrape.js';
import { FAST_CHECKS, hostsOf, scrapeUntil, value, writeAtomic } from './helpers.js';

// The built daemon reading file_sd files from a temporary directory. The refresh interval is
// an hour, so every change below must be noticed by watching the directory, without a restart.
describe('file_sd with the daemon', () => {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'portwatch-file-sd-')));
  const targets = join(dir, 'targets');
  const fileA = join(targets, 'a.json');
  const fileB = join(targets, 'b.json');
  const configFile = join(dir, 'portwatch.yaml');
  let daemon: RunningDaemon;
  let server: Server;
  let openPort: number;
  let closedPort: number;
  let startedAt: number;

  const groupsA = (hosts: string[]) =>
    JSON.stringify(
      [{ targets: hosts, labels: { team: 'payments', __meta_env: 'prod', __meta_unmapped: 'x' } }],
      null,
      2,
    );
  // A .json file is read as JSON only, as Prometheus reads it (YAML there is refused).
  const groupsB = '[{"targets": ["127.0.0.4:9100"],\n  "labels": {"team": "search"}}]\n';
  const SD = '    file_sd_configs:\n      - files: [targets/*.json]\n        refresh_interval: 1h\n';
  const configText = (sd = `${SD}    sd_labels: {team: team, env: __meta_env}\n`) => `${FAST_CHECKS}
  - name: sd
    hosts: [127.0.0.1]
    labels: {team: none}
${sd}    expect_open: [${openPort}]
    expect_closed: [${closedPort}]
`;

  beforeAll(async () => {
    server = await listen(0);
    openPort = (server.address() as { port: number }).port;
    closedPort = await freePort();
    mkdirSync(targets);
    writeAtomic(fileA, groupsA(['127.0.0.2:9100', '127.0.0.3']));
    writeAtomic(fileB, groupsB);
    // Neither is read: not .json, or hidden.
    writeFileSync(join(targets, 'notes.txt'), 'not target groups');
    writeFileSync(join(targets, '.editor-swap.json'), '{broken');
    writeFileSync(configFile, configText());
    startedAt = Date.now() / 1000;
    daemon = await startDaemon([`--config.file=${configFile}`]);
  });

  afterAll(async () => {
    await daemon?.stop();
    if (server) await closeServer(server);
    rmSync(dir, { recursive: true, force: true });
  });

  const metrics = () => daemon.url('/metrics');
  const sdLabels = (file: string) => ({ monitor: 'sd', sd: 'file', source: file });
  /** Every series of the port families whose host is `host`. */
  const seriesOf = (s: Sample[], host: string) =>
    s.filter((x) => x.name.startsWith('port_') && x.labels['host'] === host);
  const PORT_STATE_SERIES = 2;

  /** The extra labels each host's series must carry (the built-in ones aside). */
  function expectLabels(s: Sample[], expected: Record<string, Record<string, string>>): void {
    for (const [host, extra] of Object.entries(expected)) {
      const series = seriesOf(s, host);
      // port_state, port_state_info, port_violation, change and probe timestamps, probe duration: several per port.
      expect(series.length).toBeGreaterThanOrEqual(2 * PORT_STATE_SERIES);
      for (const x of series) {
        const { monitor, host: h, ip, port, protocol, expected: exp, le, state, reason, ...rest } = x.labels;
        expect(protocol).toBe('tcp');
        expect({ name: x.name, monitor, host: h, ip, extra: rest }).toEqual({
          name: x.name,
          monitor: 'sd',
          host,
          ip: host,
          extra,
        });
        expect([String(openPort), String(closedPort)]).toContain(port);
        expect(['open', 'closed']).toContain(exp);
      }
    }
  }

  it('checks the hosts of every matching file, with their mapped labels on every port series', async () => {
    const s = await scrapeUntil(
      metrics(),
      (x) => find(x, 'port_state', { monitor: 'sd' }).length === 8,
      'the 8 port_state series of 4 hosts',
      15_000,
    );
    expect(hostsOf(s, 'sd')).toEqual(['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4']);
    expectLabels(s, {
      '127.0.0.1': { team: 'none' },
      '127.0.0.2': { env: 'prod', team: 'payments' },
      '127.0.0.3': { env: 'prod', team: 'payments' },
      '127.0.0.4': { team: 'search' },
    });
    expect(value(s, 'port_state', { host: '127.0.0.1', port: String(openPort) })).toBe(1);
    expect(value(s, 'port_state', { host: '127.0.0.2', port: String(closedPort) })).toBe(0);
    expect(value(s, 'portwatch_targets', { monitor: 'sd' })).toBe(8);

    // Built-in labels first, then the extra ones sorted by name.
    const text = await (await fetch(metrics())).text();
    expect(text).toContain(
      `port_state{monitor="sd",host="127.0.0.2",ip="127.0.0.2",port="${closedPort}",protocol="tcp",expected="closed",` +
        'env="prod",team="payments"} 0\n',
    );
    expect(text).toContain(
      `port_state{monitor="sd",host="127.0.0.1",ip="127.0.0.1",port="${openPort}",protocol="tcp",expected="open",` +
        'team="none"} 1\n',
    );

    expect(
      find(s, 'portwatch_sd_hosts', { monitor: 'sd' }).map((x) => [x.labels['source'], x.labels['sd'], x.value]),
    ).toEqual([
      [fileA, 'file', 2],
      [fileB, 'file', 1],
    ]);
    for (const file of [fileA, fileB]) {
      expect(value(s, 'portwatch_sd_last_refresh_successful', sdLabels(file))).toBe(1);
      expect(value(s, 'portwatch_sd_refresh_failures_total', sdLabels(file))).toBe(0);
      const at = value(s, 'portwatch_sd_last_refresh_success_timestamp_seconds', sdLabels(file));
      expect(at).toBeGreaterThanOrEqual(Math.floor(startedAt) - 1);
      expect(at).toBeLessThanOrEqual(Date.now() / 1000 + 1);
    }
  });

  it('adds a host written into a file, without a restart', async () => {
    writeAtomic(fileA, groupsA(['127.0.0.2:9100', '127.0.0.3', '127.0.0.5:80']));
    const s = await scrapeUntil(
      metrics(),
      (x) => find(x, 'port_state', { host: '127.0.0.5' }).length === 2,
      '127.0.0.5 to be checked',
    );
    expect(hostsOf(s, 'sd')).toEqual(['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5']);
    expectLabels(s, { '127.0.0.5': { env: 'prod', team: 'payments' } });
    expect(value(s, 'portwatch_sd_hosts', sdLabels(fileA))).toBe(3);
    await daemon.waitForLog((l) => l.msg === 'service discovery changed the targets' && l['targets'] === 10, 5_000);
    expect(daemon.logs.filter((l) => l.msg === 'portwatch started')).toHaveLength(1);
    expect(daemon.proc.exitCode).toBeNull();
  });

  it('drops a host removed from a file', async () => {
    writeAtomic(fileA, groupsA(['127.0.0.2:9100', '127.0.0.5:80']));
    const s = await scrapeUntil(
      metrics(),
      (x) => seriesOf(x, '127.0.0.3').length === 0 && find(x, 'port_state', { monitor: 'sd' }).length === 8,
      '127.0.0.3 to be gone',
    );
    expect(hostsOf(s, 'sd')).toEqual(['127.0.0.1', '127.0.0.2', '127.0.0.4', '127.0.0.5']);
    expect(value(s, 'portwatch_sd_hosts', sdLabels(fileA))).toBe(2);
    expect(value(s, 'portwatch_targets', { monitor: 'sd' })).toBe(8);
  });

  it('leaves out a target it cannot check, says where it is, and takes the rest of the file', async () => {
    writeAtomic(fileA, groupsA(['127.0.0.2:9100', '127.0.0.5:80', '127.0.0.6:0', 'http://127.0.0.7/']));
    const log = await daemon.waitForLog(
      (l) => l.msg === 'service discovery targets left out: portwatch cannot check them',
      5_000,
    );
    expect(log).toMatchObject({ level: 'error', monitor: 'sd', file: fileA, dropped: 2 });
    expect((log['err'] as { message: string }).message).toBe(
      [
        `${fileA}:6:7: [0].targets[2]: "127.0.0.6:0": the port must be a number 1-65535`,
        `${fileA}:7:7: [0].targets[3]: "http://127.0.0.7/" is a URL; give "host:port" or a host`,
      ].join('\n'),
    );
    const s = await scrape(metrics());
    expect(value(s, 'portwatch_sd_last_refresh_successful', sdLabels(fileA))).toBe(1);
    expect(value(s, 'portwatch_sd_hosts', sdLabels(fileA))).toBe(2);
    expect(value(s, 'portwatch_sd_refresh_failures_total', sdLabels(fileA))).toBe(0);
  });

  it(
    'keeps the last good hosts of a file Prometheus would refuse, says where it is broken, and counts the ' + 'failure',
    async () => {
      const broken = '[\n  {"targets": ["127.0.0.2:9100", 6]}\n]\n';
      writeAtomic(fileA, broken);
      const s = await scrapeUntil(
        metrics(),
        (x) => find(x, 'portwatch_sd_last_refresh_successful', { ...sdLabels(fileA) })[0]?.value === 0,
        'the broken file to be seen',
      );
      expect(value(s, 'portwatch_sd_refresh_failures_total', sdLabels(fileA))).toBe(1);
      expect(value(s, 'portwatch_sd_hosts', sdLabels(fileA))).toBe(2);
      expect(value(s, 'portwatch_sd_last_refresh_successful', sdLabels(fileB))).toBe(1);
      expect(hostsOf(s, 'sd')).toEqual(['127.0.0.1', '127.0.0.2', '127.0.0.4', '127.0.0.5']);
      expectLabels(s, { '127.0.0.2': { env: 'prod', team: 'payments' } });

      const log = await daemon.waitForLog(
        (l) => l.msg === 'service discovery file is invalid, keeping its last good targets',
        5_000,
      );
      expect(log).toMatchObject({ level: 'error', monitor: 'sd', file: fileA });
      expect((log['err'] as { message: string }).message).toBe(
        `${fileA}:2:34: [0].targets[1]: expected a string, got number 6`,
      );

      // The hosts kept are still checked: their probe timestamps move on.
      const probed = value(s, 'port_last_probe_timestamp_seconds', { host: '127.0.0.5', port: String(closedPort) });
      const later = await scrapeUntil(
        metrics(),
        (x) =>
          (find(x, 'port_last_probe_timestamp_seconds', { host: '127.0.0.5', port: String(closedPort) })[0]?.value ??
            0) > probed,
        '127.0.0.5 to be probed again',
      );
      // Re-reading the same broken text is no new failure.
      expect(value(later, 'portwatch_sd_refresh_failures_total', sdLabels(fileA))).toBe(1);
      expect(value(later, 'portwatch_sd_last_refresh_successful', sdLabels(fileA))).toBe(0);
    },
  );

  it('recovers when the file is fixed', async () => {
    const failedAt = Date.now() / 1000;
    writeAtomic(fileA, groupsA(['127.0.0.2:9100', '127.0.0.6']));
    const s = await scrapeUntil(
      metrics(),
      (x) =>
        find(x, 'portwatch_sd_last_refresh_successful', sdLabels(fileA))[0]?.value === 1 &&
        find(x, 'port_state', { host: '127.0.0.6' }).length === 2,
      'the fixed file to be applied',
    );
    expect(hostsOf(s, 'sd')).toEqual(['127.0.0.1', '127.0.0.2', '127.0.0.4', '127.0.0.6']);
    expect(value(s, 'portwatch_sd_refresh_failures_total', sdLabels(fileA))).toBe(1);
    expect(value(s, 'portwatch_sd_hosts', sdLabels(fileA))).toBe(2);
    expect(value(s, 'portwatch_sd_last_refresh_success_timestamp_seconds', sdLabels(fileA))).toBeGreaterThanOrEqual(
      Math.floor(failedAt),
    );
    expectLabels(s, { '127.0.0.6': { env: 'prod', team: 'payments' } });
  });

  it('keeps the discovered hosts across a reload of the same config, with no gap', async () => {
    const res = await fetch(daemon.url('/-/reload'), { method: 'POST' });
    expect(res.status).toBe(200);
    const s = await scrape(metrics());
    expect(hostsOf(s, 'sd')).toEqual(['127.0.0.1', '127.0.0.2', '127.0.0.4', '127.0.0.6']);
    expect(value(s, 'portwatch_targets', { monitor: 'sd' })).toBe(8);
    expect(value(s, 'portwatch_sd_hosts', sdLabels(fileA))).toBe(2);
    // The source was kept, with its history.
    expect(value(s, 'portwatch_sd_refresh_failures_total', sdLabels(fileA))).toBe(1);
    expectLabels(s, { '127.0.0.4': { team: 'search' } });
  });

  it('drops the hosts of a file deleted, and its series', async () => {
    unlinkSync(fileB);
    const s = await scrapeUntil(metrics(), (x) => seriesOf(x, '127.0.0.4').length === 0, '127.0.0.4 to be gone');
    expect(hostsOf(s, 'sd')).toEqual(['127.0.0.1', '127.0.0.2', '127.0.0.6']);
    expect(find(s, 'portwatch_sd_hosts', { monitor: 'sd' }).map((x) => [x.labels['source'], x.value])).toEqual([
      [fileA, 2],
    ]);
    expect(find(s, 'portwatch_sd_last_refresh_successful', sdLabels(fileB))).toEqual([]);
    expect(find(s, 'portwatch_sd_refresh_failures_total', sdLabels(fileB))).toEqual([]);
  });

  // As Prometheus reads JSON: an empty file is no JSON (it is being written), "[]" is no groups.
  it(
    'keeps the last good hosts of an empty JSON file, takes "[]" as no hosts, and a file that appears as new ' +
      'hosts',
    async () => {
      const failures = value(await scrape(metrics()), 'portwatch_sd_refresh_failures_total', sdLabels(fileA));
      writeFileSync(fileA, '');
      let s = await scrapeUntil(
        metrics(),
        (x) => find(x, 'portwatch_sd_refresh_failures_total', sdLabels(fileA))[0]?.value === failures + 1,
        'the empty file to be refused',
      );
      expect(hostsOf(s, 'sd')).toEqual(['127.0.0.1', '127.0.0.2', '127.0.0.6']);
      expect(value(s, 'portwatch_sd_last_refresh_successful', sdLabels(fileA))).toBe(0);

      writeAtomic(fileA, '[]');
      s = await scrapeUntil(metrics(), (x) => hostsOf(x, 'sd').length === 1, 'only the static host to be left');
      expect(hostsOf(s, 'sd')).toEqual(['127.0.0.1']);
      expect(value(s, 'portwatch_sd_hosts', sdLabels(fileA))).toBe(0);
      expect(value(s, 'portwatch_sd_last_refresh_successful', sdLabels(fileA))).toBe(1);

      const fileC = join(targets, 'c.json');
      writeAtomic(fileC, '[{"targets": ["127.0.0.7:1"], "labels": {"__meta_env": "dev"}}]');
      s = await scrapeUntil(
        metrics(),
        (x) => find(x, 'port_state', { host: '127.0.0.7' }).length === 2,
        '127.0.0.7 from a new file',
      );
      expectLabels(s, { '127.0.0.7': { env: 'dev', team: 'none' } });
      expect(value(s, 'portwatch_sd_hosts', sdLabels(fileC))).toBe(1);
    },
  );

  it('applies changed sd_labels at a reload', async () => {
    writeFileSync(configFile, configText(`${SD}    sd_labels: {stage: __meta_env}\n`));
    const res = await fetch(daemon.url('/-/reload'), { method: 'POST' });
    expect(res.status).toBe(200);
    // Other labels make new series, which appear once their port is checked again.
    const s = await scrapeUntil(
      metrics(),
      (x) => find(x, 'port_state', { host: '127.0.0.7' }).length === 2,
      'the relabelled series',
    );
    expect(hostsOf(s, 'sd')).toEqual(['127.0.0.1', '127.0.0.7']);
    expectLabels(s, { '127.0.0.1': { team: 'none' }, '127.0.0.7': { stage: 'dev', team: 'none' } });
  });

  it('drops the discovered hosts and the source series when the service discovery is configured away', async () => {
    writeFileSync(configFile, configText(''));
    const res = await fetch(daemon.url('/-/reload'), { method: 'POST' });
    expect(res.status).toBe(200);
    const s = await scrape(metrics());
    expect(hostsOf(s, 'sd')).toEqual(['127.0.0.1']);
    expect(s.filter((x) => x.name.startsWith('portwatch_sd_'))).toEqual([]);
    expect(value(s, 'portwatch_targets', { monitor: 'sd' })).toBe(2);
  });
});

// File layouts seen in real deployments, each in its own monitor of one daemon; the refresh
// interval is an hour, so a change must be noticed by watching.
describe('file_sd file layouts with the daemon', () => {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'portwatch-file-sd-layouts-')));
  const elsewhere = join(dir, 'elsewhere');
  const configFile = join(dir, 'etc', 'portwatch.yaml');
  const cm = join(dir, 'etc', 'configmap');
  let daemon: RunningDaemon;
  let closedPort: number;

  /** A Kubernetes ConfigMap volume: files are symlinks through ..data, which is swapped atomically on update. */
  function configMapVersion(version: string, text: string): void {
    const data = join(cm, `..2026_11_27_${version}`);
    mkdirSync(data);
    writeFileSync(join(data, 'targets.json'), text);
    symlinkSync(`..2026_11_27_${version}`, join(cm, '..data_tmp'));
    renameSync(join(cm, '..data_tmp'), join(cm, '..data'));
  }

  beforeAll(async () => {
    closedPort = await freePort();
    mkdirSync(elsewhere);
    mkdirSync(join(dir, 'etc'));
    mkdirSync(cm);
    writeFileSync(join(elsewhere, 'hosts.json'), '[{"targets": ["127.0.0.12"]}]');
    mkdirSync(join(dir, 'etc', 'partial'));
    writeAtomic(join(dir, 'etc', 'partial', 'hosts.yml'), '- targets: ["127.0.0.41"]\n');
    mkdirSync(join(dir, 'etc', 'broken'));
    writeFileSync(join(dir, 'etc', 'broken', 'hosts.yml'), '- targets: [127.0.0.31]\n  labels: [team]\n');
    configMapVersion('a', '[{"targets": ["127.0.0.21"]}]');
    symlinkSync('..data/targets.json', join(cm, 'targets.json'));
    writeFileSync(
      configFile,
      `${FAST_CHECKS}
  - name: absolute
    file_sd_configs:
      - files: [${join(elsewhere, '*.json')}]
        refresh_interval: 1h
    expect_closed: [${closedPort}]
  - name: configmap
    file_sd_configs:
      - files: [configmap/*.json]
        refresh_interval: 1h
    expect_closed: [${closedPort}]
  - name: partial
    file_sd_configs:
      - files: [partial/*.yml]
        refresh_interval: 1h
    expect_closed: [${closedPort}]
  - name: broken
    hosts: [127.0.0.1]
    file_sd_configs:
      - files: [broken/*.yml, missing/*.json]
        refresh_interval: 1h
    expect_closed: [${closedPort}]
`,
    );
    daemon = await startDaemon([`--config.file=${configFile}`]);
  });

  afterAll(async () => {
    await daemon?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts with no hosts from a file broken from the start, and says so', async () => {
    const file = join(dir, 'etc', 'broken', 'hosts.yml');
    const labels = { monitor: 'broken', sd: 'file', source: file };
    const s = await scrapeUntil(
      daemon.url('/metrics'),
      (x) => hostsOf(x, 'broken').length === 1,
      'the static host of monitor broken',
      10_000,
    );
    expect(hostsOf(s, 'broken')).toEqual(['127.0.0.1']);
    expect(value(s, 'portwatch_sd_hosts', labels)).toBe(0);
    expect(value(s, 'portwatch_sd_last_refresh_successful', labels)).toBe(0);
    expect(value(s, 'portwatch_sd_refresh_failures_total', labels)).toBe(1);
    expect(find(s, 'portwatch_sd_last_refresh_success_timestamp_seconds', labels)).toEqual([]);
    // A pattern whose directory does not exist has no file, so no series.
    expect(find(s, 'portwatch_sd_hosts', { monitor: 'broken' }).map((x) => x.labels['source'])).toEqual([file]);
    const log = await daemon.waitForLog(
      (l) => l.msg === 'service discovery file is invalid, keeping its last good targets' && l['monitor'] === 'broken',
      5_000,
    );
    expect((log['err'] as { message: string }).message).toBe(
      `${file}:2:11: [0].labels: expected a mapping of label names to values, got a list`,
    );
  });

  // Prometheus' TestUpdateFileWithPartialWrites: a file written in two steps, read in between.
  it('keeps the last good hosts of a file read half-written, and takes the file once it is whole', async () => {
    const file = join(dir, 'etc', 'partial', 'hosts.yml');
    const labels = { monitor: 'partial', sd: 'file', source: file };
    await scrapeUntil(
      daemon.url('/metrics'),
      (x) => hostsOf(x, 'partial').join() === '127.0.0.41',
      'the first host',
      10_000,
    );
    writeFileSync(file, '- targets');
    let s = await scrapeUntil(
      daemon.url('/metrics'),
      (x) => find(x, 'portwatch_sd_refresh_failures_total', labels)[0]?.value === 1,
      'the half-written file refused',
    );
    expect(hostsOf(s, 'partial')).toEqual(['127.0.0.41']);
    appendFileSync(file, ': ["127.0.0.42"]');
    s = await scrapeUntil(
      daemon.url('/metrics'),
      (x) => hostsOf(x, 'partial').join() === '127.0.0.42',
      'the host of the whole file',
    );
    expect(value(s, 'portwatch_sd_last_refresh_successful', labels)).toBe(1);
  });

  it("reads an absolute pattern from its own directory, not from the config file's", async () => {
    const s = await scrapeUntil(
      daemon.url('/metrics'),
      (x) => hostsOf(x, 'absolute').length > 0,
      'the host of the absolute pattern',
      5_000,
    );
    expect(hostsOf(s, 'absolute')).toEqual(['127.0.0.12']);
    expect(find(s, 'portwatch_sd_hosts', { monitor: 'absolute' }).map((x) => [x.labels['source'], x.value])).toEqual([
      [join(elsewhere, 'hosts.json'), 1],
    ]);
  });

  it('notices a ConfigMap update (the ..data symlink swapped) without waiting for the refresh interval', async () => {
    let s = await scrapeUntil(
      daemon.url('/metrics'),
      (x) => hostsOf(x, 'configmap').length > 0,
      'the ConfigMap host',
      10_000,
    );
    expect(hostsOf(s, 'configmap')).toEqual(['127.0.0.21']);
    configMapVersion('b', '[{"targets": ["127.0.0.22"]}]');
    rmSync(join(cm, '..2026_11_27_a'), { recursive: true });
    s = await scrapeUntil(
      daemon.url('/metrics'),
      (x) => hostsOf(x, 'configmap').join() === '127.0.0.22',
      'the updated ConfigMap host',
    );
    expect(value(s, 'portwatch_sd_hosts', { monitor: 'configmap', sd: 'file', source: join(cm, 'targets.json') })).toBe(
      1,
    );
  });
});
