import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { findBinary, missingTool } from '../deploy/files.js';
import { startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import type { Server } from 'node:net';
import { closeServer, freePort, listen } from '../helpers/ports.js';
import { find, parseExposition } from '../helpers/scrape.js';
import { FAST_CHECKS, scrapeUntil } from './helpers.js';
import { describeOrSkip } from '../helpers/skip.js';

const noPromtool = missingTool('promtool', 'Debian package prometheus; .ci/run installs it');

// Monitors whose port series carry different label sets, some from service discovery:
// the exposition must still be one Prometheus accepts (promtool check metrics).
describeOrSkip(noPromtool, 'a scrape with labels from service discovery', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portwatch-sd-promtool-'));
  const configFile = join(dir, 'portwatch.yaml');
  let daemon: RunningDaemon;
  let intruder: Server;
  let intruderPort: number;

  beforeAll(async () => {
    const closed = await freePort();
    // A port nobody declared, open on a discovered host: the discovery sweep finds it.
    intruder = await listen(0, '127.0.0.2');
    intruderPort = (intruder.address() as { port: number }).port;
    mkdirSync(join(dir, 'targets'));
    writeFileSync(
      join(dir, 'targets', 'web.json'),
      JSON.stringify([
        { targets: ['127.0.0.2:80'], labels: { team: 'payments', __meta_env: 'prod' } },
        { targets: ['127.0.0.3:80'], labels: { team: 'search' } },
        { targets: ['127.0.0.4:80'], labels: { __meta_env: 'dev' } },
      ]),
    );
    writeFileSync(
      join(dir, 'targets', 'db.yml'),
      '- targets: ["127.0.0.5:5432"]\n  labels: {owner: "dba \\"core\\" team\\\\ops"}\n- targets: ["127.0.0.6"]\n',
    );
    writeFileSync(
      configFile,
      `${FAST_CHECKS}
  - name: web
    hosts: [127.0.0.1]
    labels: {team: none}
    file_sd_configs: [{files: [targets/web.json]}]
    sd_labels: {team: team, env: __meta_env}
    expect_closed: [${closed}]
    discover: {ports: [${intruderPort}], interval: 1s}
  - name: db
    file_sd_configs: [{files: [targets/*.yml]}]
    sd_labels: {owner: owner}
    expect_closed: [${closed}]
`,
    );
    daemon = await startDaemon([`--config.file=${configFile}`]);
  });

  afterAll(async () => {
    await daemon?.stop();
    if (intruder) await closeServer(intruder);
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes promtool check metrics', async () => {
    const s = await scrapeUntil(
      daemon.url('/metrics'),
      (x) => find(x, 'port_state').length === 6 && find(x, 'port_unexpected_open').length === 1,
      'all 6 port_state series and the unexpected open port',
      15_000,
    );
    // The sweep's finding carries the discovered host's labels too.
    expect(find(s, 'port_unexpected_open').map((x) => [x.labels, x.value])).toEqual([
      [
        {
          monitor: 'web',
          host: '127.0.0.2',
          ip: '127.0.0.2',
          port: String(intruderPort),
          protocol: 'tcp',
          env: 'prod',
          team: 'payments',
        },
        1,
      ],
    ]);
    const text = await (await fetch(daemon.url('/metrics'))).text();
    const labelSets = new Set(find(parseExposition(text), 'port_state').map((s) => Object.keys(s.labels).join(',')));
    expect([...labelSets].sort()).toEqual([
      'monitor,host,ip,port,protocol,expected',
      'monitor,host,ip,port,protocol,expected,env,team',
      'monitor,host,ip,port,protocol,expected,owner',
      'monitor,host,ip,port,protocol,expected,team',
    ]);
    expect(find(parseExposition(text), 'port_state', { host: '127.0.0.5' })[0]?.labels['owner']).toBe(
      'dba "core" team\\ops',
    );
    const r = spawnSync(findBinary('promtool')!, ['check', 'metrics'], {
      input: text,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 0, stdout: '', stderr: '' });
  });
});
