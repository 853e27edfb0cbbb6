import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { DEFAULT_LISTEN_ADDRESS, parseDaemonArgs } from '../../src/cli/flags.js';
import { loadConfigFile } from '../../src/config/load.js';
import { parseListenAddress } from '../../src/http/listen-address.js';
import { exists, findBinary, imageRuntime, missingTool, parseDockerfile, read, readYaml, ROOT } from './files.js';
import { describeOrSkip } from '../helpers/skip.js';

// deploy/compose/compose.yaml, checked without Docker: valid YAML, every file it mounts is in
// the repository (the shipped rules, Alertmanager config and dashboard, not copies), and the
// services find each other on the ports they listen on.

const DIR = 'deploy/compose';
const COMPOSE = `${DIR}/compose.yaml`;

interface Service {
  build?: { context: string; dockerfile?: string };
  image?: string;
  command?: string[];
  volumes?: string[];
  ports?: string[];
  environment?: Record<string, string>;
  depends_on?: string[];
  read_only?: boolean;
  cap_add?: string[];
  cap_drop?: string[];
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const compose = readYaml<Compose>(COMPOSE);
const services = compose.services;

interface Mount {
  /** Repository path of a bind mount; undefined for a named volume. */
  source: string | undefined;
  volume: string | undefined;
  target: string;
  readOnly: boolean;
}

function mounts(service: string): Mount[] {
  return (services[service]?.volumes ?? []).map((spec) => {
    const [source, target, mode] = spec.split(':') as [string, string, string | undefined];
    const bind = source.startsWith('.') || source.startsWith('/');
    return {
      source: bind ? posix.normalize(posix.join(DIR, source)) : undefined,
      volume: bind ? undefined : source,
      target,
      readOnly: mode === 'ro',
    };
  });
}

/** The repository file mounted at `target` in `service`, through a file or a directory mount. */
function mountedFile(service: string, target: string): string | undefined {
  for (const m of mounts(service)) {
    if (m.source === undefined) continue;
    if (m.target === target) return m.source;
    if (target.startsWith(`${m.target}/`)) return posix.join(m.source, target.slice(m.target.length + 1));
  }
  return undefined;
}

function flag(service: string, name: string): string | undefined {
  const arg = services[service]?.command?.find((a) => a.startsWith(`--${name}=`));
  return arg?.slice(name.length + 3);
}

/** Container ports published by `service`. */
function publishedPorts(service: string): number[] {
  return (services[service]?.ports ?? []).map((p) => Number(p.split(':').at(-1)));
}

function hostPort(target: string): { host: string; port: number } {
  const url = new URL(target.includes('://') ? target : `http://${target}`);
  return { host: url.hostname, port: Number(url.port) };
}

describe('compose.yaml', () => {
  it('runs portwatch, Prometheus, Alertmanager and Grafana', () => {
    expect(Object.keys(services).sort()).toEqual(['alertmanager', 'grafana', 'portwatch', 'prometheus']);
    for (const [name, s] of Object.entries(services)) {
      expect(s.image ?? s.build, `${name} has an image or a build`).toBeDefined();
      if (s.image !== undefined && s.build === undefined)
        expect(s.image, `${name} pins its image version`).toMatch(/:v?\d+\.\d+\.\d+$/);
      for (const dep of s.depends_on ?? []) expect(services[dep], `${name} depends on ${dep}`).toBeDefined();
    }
  });

  it('mounts only files of the repository, read-only, and declared volumes', () => {
    for (const name of Object.keys(services)) {
      for (const m of mounts(name)) {
        if (m.source === undefined) {
          expect(compose.volumes, `volume ${m.volume} of ${name} is declared`).toHaveProperty([m.volume!]);
          continue;
        }
        expect(exists(m.source), `${name} mounts ${m.source}, which is not in the repository`).toBe(true);
        expect(m.readOnly, `${name} mounts ${m.source} read-only`).toBe(true);
      }
    }
  });

  it('builds portwatch from the repository Dockerfile and runs it without privileges', () => {
    const p = services['portwatch']!;
    const context = posix.normalize(posix.join(DIR, p.build!.context));
    expect(exists(posix.join(context, p.build!.dockerfile ?? 'Dockerfile'))).toBe(true);
    expect(p.read_only).toBe(true);
    expect(p.cap_add).toBeUndefined();
    expect(p.cap_drop).toEqual(['ALL']);
  });

  it("keeps portwatch's state on a named volume at the image's working directory", () => {
    const image = imageRuntime(parseDockerfile(read('Dockerfile')));
    expect(image.volumes).toEqual([image.workdir]);
    const state = mounts('portwatch').filter((m) => m.target === image.workdir);
    expect(state).toEqual([{ source: undefined, volume: state[0]?.volume, target: image.workdir, readOnly: false }]);
    expect(compose.volumes).toHaveProperty([state[0]!.volume!]);
  });

  it('gives portwatch a valid config, checking the stack by service name', async () => {
    const args = parseDaemonArgs(services['portwatch']!.command!, () => 'not-a-pod');
    const flags = args.kind === 'run' ? args.flags : expect.unreachable();
    const file = mountedFile('portwatch', flags.configFile);
    expect(file, `${flags.configFile} is mounted`).toBeDefined();
    const config = await loadConfigFile(join(ROOT, file!));
    for (const host of config.monitors.flatMap((m) => m.hosts))
      expect(Object.keys(services), `host ${host}`).toContain(host);
    // Every port portwatch expects open on a service is one that service listens on.
    const listens: Record<string, number> = {
      portwatch: parseListenAddress(flags.listenAddress).port,
      prometheus: 9090,
      alertmanager: 9093,
      grafana: 3000,
    };
    for (const m of config.monitors)
      for (const host of m.hosts)
        for (const port of m.expectOpen) expect(port, `${m.name}: ${host}:${port}`).toBe(listens[host]);
    expect(publishedPorts('portwatch')).toEqual([parseListenAddress(DEFAULT_LISTEN_ADDRESS).port]);
  });

  it('has Prometheus scrape portwatch, load the shipped rules and alert the stack Alertmanager', () => {
    const configFile = mountedFile('prometheus', flag('prometheus', 'config.file')!);
    expect(configFile).toBe(`${DIR}/prometheus.yml`);
    const prom = readYaml<{
      rule_files: string[];
      alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    }>(configFile!);
    expect(prom.rule_files.map((f) => mountedFile('prometheus', f))).toEqual(['deploy/prometheus/portwatch.rules.yml']);

    const job = prom.scrape_configs.find((j) =>
      j.static_configs.some((s) => s.targets.some((t) => hostPort(t).host === 'portwatch')),
    );
    expect(job?.job_name, 'PortwatchDown selects job=~".*portwatch.*"').toMatch(/portwatch/);
    const scraped = hostPort(job!.static_configs[0]!.targets[0]!);
    expect(scraped.port).toBe(parseListenAddress(DEFAULT_LISTEN_ADDRESS).port);

    const am = hostPort(prom.alerting.alertmanagers[0]!.static_configs[0]!.targets[0]!);
    expect(am.host).toBe('alertmanager');
    expect(publishedPorts('alertmanager')).toContain(am.port);
    expect(publishedPorts('prometheus')).toEqual([9090]);
  });

  it('has Alertmanager run the shipped example config', () => {
    expect(mountedFile('alertmanager', flag('alertmanager', 'config.file')!)).toBe(
      'deploy/alertmanager/alertmanager.yml',
    );
  });

  it('has Grafana provision the shipped dashboard and a data source on the stack Prometheus', () => {
    const provider = mountedFile('grafana', '/etc/grafana/provisioning/dashboards/portwatch.yml');
    expect(provider).toBe('grafana/provisioning/dashboards/portwatch.yml');
    const providers = readYaml<{ providers: { options: { path: string } }[] }>(provider!).providers;
    const dashboards = mountedFile('grafana', providers[0]!.options.path);
    expect(dashboards).toBe('grafana/dashboards');
    const home = services['grafana']!.environment!['GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH']!;
    expect(exists(mountedFile('grafana', home)!), `home dashboard ${home}`).toBe(true);

    const dsMount = mounts('grafana').find((m) => m.target.startsWith('/etc/grafana/provisioning/datasources/'));
    const ds = readYaml<{ datasources: { type: string; url: string; jsonData: { timeInterval: string } }[] }>(
      dsMount!.source!,
    ).datasources[0]!;
    expect(ds.type).toBe('prometheus');
    const url = hostPort(ds.url);
    expect(url.host).toBe('prometheus');
    expect(publishedPorts('prometheus')).toContain(url.port);
    expect(ds.jsonData.timeInterval).toBe(
      readYaml<{ global: { scrape_interval: string } }>(`${DIR}/prometheus.yml`).global.scrape_interval,
    );
  });

  describeOrSkip(missingTool('promtool', 'Debian package prometheus'), 'with promtool', () => {
    const dir = mkdtempSync(join(tmpdir(), 'portwatch-compose-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('the Prometheus config passes promtool check config, rules included', () => {
      // The same file with the rule path as it is in the repository, not in the container.
      const prom = readYaml<{ rule_files: string[] }>(`${DIR}/prometheus.yml`);
      prom.rule_files = prom.rule_files.map((f) => join(ROOT, mountedFile('prometheus', f)!));
      writeFileSync(join(dir, 'prometheus.yml'), stringify(prom));
      const r = spawnSync(findBinary('promtool')!, ['check', 'config', join(dir, 'prometheus.yml')], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    });
  });
});
