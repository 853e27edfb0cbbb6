import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfigFile, parseConfig } from '../../src/config/load.js';
import { UDP_PORT_GROUPS } from '../../src/config/port-groups.js';
import { portKey } from '../../src/config/port-keys.js';

function problemsOf(text: string): ConfigError {
  try {
    parseConfig(text, 'pw.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig on valid configs', () => {
  it('fills in the defaults', () => {
    const config = parseConfig(
      'monitors:\n  - name: web\n    hosts: [www.example.com]\n    expect_open: [80]\n',
      'pw.yaml',
    );
    expect(config).toEqual({
      monitors: [
        {
          name: 'web',
          hosts: ['www.example.com'],
          intervalMs: 3_600_000,
          timeoutMs: 3000,
          retries: 2,
          ipFamily: 'auto',
          expectOpen: [80],
          expectClosed: [],
        },
      ],
    });
  });

  it('takes defaults from the file and lets each monitor override them', () => {
    const config = parseConfig(
      `defaults:
  interval: 30m
  timeout: 500ms
  retries: 0
monitors:
  - name: a
    hosts: [198.51.100.7]
    expect_closed: [23]
  - name: b.2_x-y
    hosts: [198.51.100.8]
    interval: 1h30m
    timeout: 10s
    retries: 10
    expect_closed: [23]
`,
      'pw.yaml',
    );
    expect(config.monitors.map((m) => [m.name, m.intervalMs, m.timeoutMs, m.retries])).toEqual([
      ['a', 1_800_000, 500, 0],
      ['b.2_x-y', 5_400_000, 10_000, 10],
    ]);
  });

  it('expands groups, ranges and numeric strings into sorted, unique ports', () => {
    const config = parseConfig(
      `monitors:
  - name: web
    hosts: [www.example.com]
    expect_open: [8443, "22", web, "8000-8003", 80, 22]
    expect_closed: [remote-access, "5900-5901", 3306]
`,
      'pw.yaml',
    );
    const [m] = config.monitors;
    expect(m?.expectOpen).toEqual([22, 80, 443, 8000, 8001, 8002, 8003, 8080, 8443]);
    expect(m?.expectClosed).toEqual([23, 512, 513, 514, 3306, 3389, 5900, 5901, 5985, 5986]);
  });

  it('reads the protocol notation: the same port may be expected open on TCP and closed on UDP', () => {
    const config = parseConfig(
      `monitors:
  - name: dns
    hosts: [ns.example.com]
    expect_open: [53, "80/tcp", "1000-1001/udp"]
    expect_closed: [udp-amplification, "22/tcp", "5353/udp", "8000-8001/tcp"]
    discover:
      ports: [22, "1-20/udp", udp-amplification/udp]
      allow: ["19/udp"]
`,
      'pw.yaml',
    );
    const [m] = config.monitors;
    const udp = (...ports: number[]): number[] => ports.map((p) => portKey('udp', p));
    expect(m?.expectOpen).toEqual([53, 80, ...udp(1000, 1001)]);
    // 53 on UDP is closed (the group) while 53 on TCP is open.
    expect(m?.expectClosed).toEqual([22, 8000, 8001, ...udp(...UDP_PORT_GROUPS['udp-amplification']!)]);
    // Declared and allowed ones left out, per protocol: TCP 22 is declared, UDP 22 is not in the list.
    const swept = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 20];
    expect(m?.discover?.ports).toEqual(udp(...swept));
    expect(m?.discover?.allow).toEqual(udp(19));
  });

  it('keeps hosts as written, IPv6 included', () => {
    const config = parseConfig(
      'monitors:\n  - name: v6\n    hosts: ["2001:db8::7", "::1", 192.0.2.1, Host.Example.com.]\n    expect_closed: ' +
        '[databases]\n',
      'pw.yaml',
    );
    expect(config.monitors[0]?.hosts).toEqual(['2001:db8::7', '::1', '192.0.2.1', 'Host.Example.com.']);
  });

  it('accepts a monitor with only expect_open or only expect_closed', () => {
    const config = parseConfig(
      'monitors:\n  - name: a\n    hosts: [h1]\n    expect_open: [1]\n  - name: b\n    hosts: [h2]\n    expect_open: ' +
        '[]\n    expect_closed: [2]\n',
      'pw.yaml',
    );
    expect(config.monitors.map((m) => [m.expectOpen, m.expectClosed])).toEqual([
      [[1], []],
      [[], [2]],
    ]);
  });

  it('accepts the same host in two monitors, and YAML anchors', () => {
    const config = parseConfig(
      'monitors:\n  - name: a\n    hosts: &h [h1]\n    expect_open: [1]\n  - name: b\n    hosts: *h\n    ' +
        'expect_closed: [2]\n',
      'pw.yaml',
    );
    expect(config.monitors.map((m) => m.hosts)).toEqual([['h1'], ['h1']]);
  });
});

describe('labels', () => {
  it('merges the defaults with the monitor own labels, the monitor winning, names sorted', () => {
    const config = parseConfig(
      `defaults:
  labels: {env: prod, team: platform}
monitors:
  - name: pay
    hosts: [198.51.100.7]
    expect_open: [443]
    labels: {team: payments, Zone: "eu-1", a_b: "x\\"y"}
  - name: plain
    hosts: [198.51.100.8]
    expect_open: [443]
`,
      'pw.yaml',
    );
    const [pay, plain] = config.monitors;
    expect(Object.entries(pay!.labels!)).toEqual([
      ['Zone', 'eu-1'],
      ['a_b', 'x"y'],
      ['env', 'prod'],
      ['team', 'payments'],
    ]);
    expect(plain!.labels).toEqual({ env: 'prod', team: 'platform' });
  });

  it('leaves the key out when a monitor has no labels', () => {
    const config = parseConfig(
      'monitors:\n  - name: web\n    hosts: [h.example]\n    expect_open: [80]\n    labels: {}\n',
      'pw.yaml',
    );
    expect(config.monitors[0]).not.toHaveProperty('labels');
  });

  it('reports every bad label of a mapping, each at its own name or value', () => {
    const err = problemsOf(
      'monitors:\n  - name: web\n    hosts: [h.example]\n    expect_open: [80]\n    labels: {instance: a, 9x: b, ok: ' +
        '{a: b}}\n',
    );
    expect(err.message.split('\n')).toEqual([
      'pw.yaml:5:14: monitors[0].labels.instance: label name "instance" is set by Prometheus on every scrape, which ' +
        'would rename this one to "exported_instance"; choose another name',
      'pw.yaml:5:27: monitors[0].labels["9x"]: label name "9x" may only contain letters, digits and "_", and ' +
        'must not ' +
        'start with a digit',
      'pw.yaml:5:38: monitors[0].labels.ok: label "ok" must have a string value, got a mapping',
    ]);
  });
});

// Go's YAML reader, which Prometheus and its exporters use, decodes a scalar into a string
// field as the scalar's text: a file written for them means the same here.
describe('parseConfig reads scalars where strings are expected as their text', () => {
  const monitor = (rest: string): string =>
    `monitors:\n  - name: web\n    hosts: [h.example]\n    expect_open: [80]\n${rest}`;

  it('takes numbers and booleans as label values, exactly as written', () => {
    const config = parseConfig(
      monitor('    labels: {tier: 1, version: 1.10, ratio: 1.0, hex: 0x1F, big: 1e3, canary: true, zone: 2_1}\n'),
      'pw.yaml',
    );
    expect(config.monitors[0]!.labels).toEqual({
      big: '1e3',
      canary: 'true',
      hex: '0x1F',
      ratio: '1.0',
      tier: '1',
      version: '1.10',
      zone: '2_1',
    });
  });

  it('takes a number as a name, a host, and a service-discovery label name', () => {
    const config = parseConfig(
      'monitors:\n  - name: 2024\n    hosts: [1e3]\n    file_sd_configs: [{files: [t.json]}]\n    sd_labels: {team: ' +
        '7}\n    expect_open: [80]\n',
      'pw.yaml',
    );
    const [m] = config.monitors;
    expect([m!.name, m!.hosts, m!.sdLabels]).toEqual(['2024', ['1e3'], { team: '7' }]);
  });

  it('takes mapping keys as written', () => {
    const config = parseConfig(
      monitor('    sd_labels: {team: 1.0}\n    file_sd_configs: [{files: [t.json]}]\n'),
      'pw.yaml',
    );
    expect(config.monitors[0]!.sdLabels).toEqual({ team: '1.0' });
    const err = problemsOf(monitor('    labels: {1.0: x}\n'));
    expect(err.message).toBe(
      'pw.yaml:5:14: monitors[0].labels["1.0"]: label name "1.0" may only contain letters, digits and "_", and must ' +
        'not start with a digit',
    );
  });

  it('takes an alias of a number as its text where a string is expected, and as a number where a port is', () => {
    const config = parseConfig(monitor('    expect_closed: [&p 5432]\n    labels: {pg: *p}\n'), 'pw.yaml');
    expect([config.monitors[0]!.expectClosed, config.monitors[0]!.labels]).toEqual([[5432], { pg: '5432' }]);
  });

  it('still wants numbers where numbers are expected, and strings are never lists', () => {
    const err = problemsOf('defaults:\n  retries: "2"\n' + monitor('    labels: {team: [a]}\n'));
    expect(err.message.split('\n')).toEqual([
      'pw.yaml:2:12: defaults.retries: expected a whole number 0-10, got string "2"',
      'pw.yaml:7:20: monitors[0].labels.team: label "team" must have a string value, got a list',
    ]);
  });

  it('takes an empty value as the empty string, as Go does', () => {
    expect(problemsOf(monitor('    labels: {team: }\n')).message).toBe(
      'pw.yaml:5:20: monitors[0].labels.team: label "team" has an empty value, which Prometheus treats as no label; ' +
        'leave it out',
    );
    expect(problemsOf('monitors:\n  - name:\n    hosts: [h]\n    expect_open: [80]\n').message).toBe(
      'pw.yaml:2:10: monitors[0].name: monitor name is empty',
    );
  });
});

describe('parseConfig on invalid configs', () => {
  it('reports every problem, sorted by position, one per line', () => {
    const err = problemsOf(`monitors:
  - name: web
    hosts: [www.example.com, "a b"]
    colour: blue
    expect_open: [70000, 22]
    expect_closed: ["20-25"]
  - name: web
    hosts: [192.0.2.1]
    timeout: 0s
    expect_open: [80]
defaults:
  retries: 11
`);
    expect(err.message.split('\n')).toEqual([
      'pw.yaml:3:30: monitors[0].hosts[1]: "a b" is not a valid host name: each dot-separated label must be 1-63 ' +
        'letters, digits or "-", not starting or ending with "-"',
      'pw.yaml:4:5: monitors[0].colour: unknown key "colour" (allowed: name, hosts, file_sd_configs, ' +
        'http_sd_configs, ' +
        'sd_labels, interval, timeout, retries, ip_family, expect_open, expect_closed, labels, discover)',
      'pw.yaml:5:19: monitors[0].expect_open[0]: port 70000 is outside 1-65535',
      'pw.yaml:6:21: monitors[0].expect_closed[0]: port 22 is also in expect_open[1]; a port cannot be expected both ' +
        'open and closed',
      'pw.yaml:7:11: monitors[1].name: duplicate monitor name "web"; already used by monitors[0]',
      'pw.yaml:9:14: monitors[1].timeout: invalid duration "0s": must be greater than zero',
      'pw.yaml:12:12: defaults.retries: retries 11 is outside 0-10',
    ]);
    expect(err.problems[0]).toEqual({
      line: 3,
      col: 30,
      path: 'monitors[0].hosts[1]',
      message:
        '"a b" is not a valid host name: each dot-separated label must be 1-63 letters, digits or "-", not starting ' +
        'or ending with "-"',
    });
    expect(err.problems).toHaveLength(7);
    expect(err.name).toBe('ConfigError');
  });

  it('lists the ports of a group that clash, and where', () => {
    const err = problemsOf(
      'monitors:\n  - name: db\n    hosts: [h]\n    expect_open: ["1-10000"]\n    expect_closed: [22, databases]\n',
    );
    expect(err.message).toBe(
      [
        'pw.yaml:5:21: monitors[0].expect_closed[0]: port 22 is also in expect_open[0]; a port cannot be expected ' +
          'both open and closed',
        'pw.yaml:5:25: monitors[0].expect_closed[1]: ports 1433, 1521, 3306, 5432, 5984, 6379, 7000, 7474 and 5 more ' +
          'are also in expect_open[0]; a port cannot be expected both open and closed',
      ].join('\n'),
    );
  });

  it('reports a name that is not a string, a key that is not a word, and a bad monitor among good ones', () => {
    const err = problemsOf(
      'monitors:\n  - name: [42]\n    hosts: [h]\n    "two words": 1\n    expect_open: [1]\n  - name: ok\n    hosts: ' +
        '[h]\n    expect_open: [1]\n',
    );
    expect(err.message.split('\n')).toEqual([
      'pw.yaml:2:11: monitors[0].name: expected a name, got a list',
      'pw.yaml:4:5: monitors[0]["two words"]: unknown key "two words" (allowed: name, hosts, file_sd_configs, ' +
        'http_sd_configs, sd_labels, interval, timeout, retries, ip_family, expect_open, expect_closed, labels, ' +
        'discover)',
    ]);
  });
});

describe('parseConfig on YAML features Go reads', () => {
  it("merges a mapping into a monitor with <<, the monitor's own keys winning", () => {
    const config = parseConfig(
      'monitors:\n  - &web\n    name: web\n    hosts: [h1]\n    interval: 5m\n    expect_closed: [databases]\n  ' +
        '- <<: ' +
        '*web\n    name: web2\n    hosts: [h2]\n',
      'pw.yaml',
    );
    const [web, web2] = config.monitors;
    expect([web2!.name, web2!.hosts, web2!.intervalMs, web2!.expectClosed]).toEqual([
      'web2',
      ['h2'],
      300_000,
      web!.expectClosed,
    ]);
  });
});

describe('parseConfig on a file with many problems', () => {
  it('shows the first 100 and says how many more there are', () => {
    const ports = Array.from({ length: 150 }, () => '70000').join(', ');
    const err = problemsOf(`monitors:\n  - name: web\n    hosts: [h]\n    expect_open: [${ports}]\n`);
    expect(err.problems).toHaveLength(150);
    const lines = err.message.split('\n');
    expect(lines).toHaveLength(101);
    expect(lines[0]).toBe('pw.yaml:4:19: monitors[0].expect_open[0]: port 70000 is outside 1-65535');
    expect(lines[100]).toBe('pw.yaml: and 50 more problems');
  });
});

describe('loadConfigFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portwatch-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names the file exactly as given', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'monitors:\n  - name: web\n    hosts: [127.0.0.1]\n    expect_open: [80, 70000]\n');
    await expect(loadConfigFile(file)).rejects.toThrow(
      `${file}:4:23: monitors[0].expect_open[1]: port 70000 is outside 1-65535`,
    );
  });

  it('says why a file cannot be read', async () => {
    const file = join(dir, 'missing.yaml');
    const err: unknown = await loadConfigFile(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toBe(`${file}: cannot read: ENOENT: no such file or directory`);
    expect((err as ConfigError).problems).toEqual([
      { line: 0, col: 0, path: '', message: 'cannot read: ENOENT: no such file or directory' },
    ]);
    await expect(loadConfigFile(dir)).rejects.toThrow(`${dir}: cannot read: it is a directory, not a regular file`);
  });
});
