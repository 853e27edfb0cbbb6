import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, startDaemon } from '../helpers/daemon.js';
import { eventually, find, scrape } from '../helpers/scrape.js';

const dir = mkdtempSync(join(tmpdir(), 'portwatch-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('portwatch check-config', () => {
  it('accepts the embedded default and the examples', () => {
    const r = cli(['check-config', 'config/portwatch.yaml', 'config/examples/web-and-database.yaml']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^config\/portwatch\.yaml: OK: 1 monitors, \d+ host:port targets$/m);
  });

  it('refuses a bad file with its position and exits 1', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'monitors:\n  - name: web\n    hosts: [127.0.0.1]\n    expect_open: [80, 70000]\n');
    const r = cli(['check-config', file]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`${file}:4:23: monitors[0].expect_open[1]: port 70000 is outside 1-65535`);
  });
});

describe('portwatch daemon flags', () => {
  it('refuses to start on a bad config, saying where, with exit code 1', () => {
    const file = join(dir, 'dup.yaml');
    writeFileSync(file, 'monitors:\n  - name: a\n    hosts: [127.0.0.1]\n    expect_open: [80]\n    colour: blue\n');
    const r = cli([`--config.file=${file}`, '--web.listen-address=127.0.0.1:0']);
    expect(r.code).toBe(1);
    const line = JSON.parse(r.stdout.trim().split('\n').pop()!) as { msg: string; problems: string };
    expect(line.msg).toBe('invalid config, not starting');
    expect(line.problems).toMatch(new RegExp(`^${file.replace(/[.]/g, '\\.')}:5:5: monitors\\[0\\]`));
  });

  it('rejects unknown flags with usage and exit code 2', () => {
    const r = cli(['--web.listen-adress=:1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('usage: portwatch');
  });

  it('prints its version', () => {
    expect(cli(['--version']).stdout).toMatch(/^portwatch \d+\.\d+\.\d+ \(node v\d+/);
  });
});

describe('the embedded default config', () => {
  it('serves the metric contract, and a real scrape passes promtool check metrics', async () => {
    const daemon = await startDaemon([]);
    try {
      const samples = await eventually(
        async () => {
          const s = await scrape(daemon.url('/metrics'));
          return find(s, 'port_state', { ip: '::1' }).length > 0 &&
            find(s, 'port_state', { ip: '127.0.0.1' }).length > 0
            ? s
            : undefined;
        },
        15_000,
        'the first results on both loopback addresses',
      );
      for (const name of [
        'port_state',
        'port_violation',
        'port_state_change_timestamp_seconds',
        'port_last_probe_timestamp_seconds',
        'port_probe_duration_seconds',
      ]) {
        const one = find(samples, name)[0];
        expect(one, name).toBeDefined();
        expect(Object.keys(one!.labels).sort()).toEqual(['expected', 'host', 'ip', 'monitor', 'port', 'protocol']);
      }
      for (const expected of ['open', 'closed'])
        expect(find(samples, 'port_violations', { monitor: 'localhost', expected })).toHaveLength(1);
      for (const name of [
        'portwatch_monitor_interval_seconds',
        'portwatch_targets',
        'portwatch_probes_in_flight',
        'portwatch_build_info',
        'portwatch_config_last_reload_successful',
        'portwatch_config_last_reload_success_timestamp_seconds',
        'process_resident_memory_bytes',
      ]) {
        expect(find(samples, name).length, name).toBeGreaterThan(0);
      }
      expect(
        find(samples, 'portwatch_probes_total')
          .map((s) => s.labels['result'])
          .sort(),
      ).toEqual(['closed', 'error', 'filtered', 'open', 'open|filtered']);
      expect(find(samples, 'portwatch_monitor_interval_seconds', { monitor: 'localhost' })[0]?.value).toBe(3600);
      // Node 20-24 have the TCP handle, so the probe path is tcp_wrap unless the variable asks for net.
      const probePath = process.env['PORTWATCH_PROBE_NET'] === '1' ? 'net' : 'tcp_wrap';
      expect(find(samples, 'portwatch_build_info')[0]?.labels['probe_path']).toBe(probePath);

      if (!existsSync('/usr/bin/promtool')) {
        console.warn('SKIPPED promtool check: /usr/bin/promtool missing (install the Debian package prometheus)');
        return;
      }
      const text = await (await fetch(daemon.url('/metrics'))).text();
      const check = spawnSync('/usr/bin/promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      expect(check.stdout + check.stderr).toBe('');
      expect(check.status).toBe(0);
    } finally {
      expect(await daemon.stop()).toBe(0);
    }
  });
});
