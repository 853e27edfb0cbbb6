import { describe, expect, it } from 'vitest';
import { hostProblem } from '../../src/config/hosts.js';
import { parseFile } from '../../src/sd/file-sd.js';
import { hostOfTarget, parseTargetGroups } from '../../src/sd/target-groups.js';
import { LABEL_VALUE_MAX } from '../../src/config/labels.js';

const nowhere = () => ({ line: 0, col: 0 });

describe('hostOfTarget', () => {
  it.each([
    ['www.example.com:9100', 'www.example.com'],
    ['127.0.0.2:80', '127.0.0.2'],
    ['127.0.0.2', '127.0.0.2'],
    ['node-1', 'node-1'],
    ['Host.Example.:443', 'Host.Example.'],
    ['[::1]:9100', '::1'],
    ['[::1]', '::1'],
    ['[2001:db8::1]:65535', '2001:db8::1'],
    ['::1', '::1'],
    ['2001:db8::1:2', '2001:db8::1:2'],
    ['[fe80::1%eth0]:80', 'fe80::1%eth0'],
    ['localhost:1', 'localhost'],
  ])('%j is host %j', (target, host) => {
    expect(hostOfTarget(target)).toEqual({ ok: true, host });
  });

  it.each([
    ['http://www.example.com:80', '"http://www.example.com:80" is a URL; give "host:port" or a host'],
    ['https://www.example.com/metrics', '"https://www.example.com/metrics" is a URL; give "host:port" or a host'],
    ['198.51.100.0/24', '"198.51.100.0/24": address blocks are not taken from service discovery; list them in hosts'],
    ['198.51.100.0/24:80', '"198.51.100.0/24:80": address blocks are not taken from service discovery; list them in hosts'],
    ['[2001:db8::]/120', '"[2001:db8::]/120": address blocks are not taken from service discovery; list them in hosts'],
    ['www.example.com:0', '"www.example.com:0": the port must be a number 1-65535'],
    ['www.example.com:65536', '"www.example.com:65536": the port must be a number 1-65535'],
    ['www.example.com:http', '"www.example.com:http": the port must be a number 1-65535'],
    ['www.example.com:', '"www.example.com:": the port must be a number 1-65535'],
    ['www.example.com:-1', '"www.example.com:-1": the port must be a number 1-65535'],
    ['[::1]:0', '"[::1]:0": the port must be a number 1-65535'],
    ['[::1]:x', '"[::1]:x": the port must be a number 1-65535'],
    ['[127.0.0.1]:80', '"[127.0.0.1]:80": "127.0.0.1" in brackets is not an IPv6 address'],
    ['2001:db8::1:2:x', '"2001:db8::1:2:x": write IPv6 addresses with a port as "[address]:port"'],
    ['', 'host is empty'],
    [':80', 'host is empty'],
    ['bad_name:80', '"bad_name" is not a valid host name: each dot-separated label must be 1-63 letters, digits or "-", not starting or ending with "-"'],
    ['198.51.100.999:80', '"198.51.100.999" is not a valid IPv4 address'],
  ])('%j is rejected', (target, message) => {
    expect(hostOfTarget(target)).toEqual({ ok: false, message });
  });

  it.each([
    [42, 'expected a "host:port" target, got number 42'],
    [null, 'expected a "host:port" target, got an empty value'],
    [['a:1'], 'expected a "host:port" target, got a list'],
  ])('%j is not a target', (target, message) => {
    expect(hostOfTarget(target)).toEqual({ ok: false, message });
  });
});

describe('parseTargetGroups', () => {
  it('takes the hosts of every group in order, each with its group\'s labels', () => {
    const r = parseTargetGroups(
      [
        { targets: ['127.0.0.2:9100', '[::1]:80'], labels: { team: 'payments', __meta_env: 'prod' } },
        { targets: ['node-1'] },
        { targets: [], labels: { team: 'none' } },
        { targets: ['node-2:1'], labels: null },
      ],
      nowhere,
    );
    expect(r).toEqual({
      ok: true,
      hosts: [
        { host: '127.0.0.2', labels: { team: 'payments', __meta_env: 'prod' } },
        { host: '::1', labels: { team: 'payments', __meta_env: 'prod' } },
        { host: 'node-1', labels: {} },
        { host: 'node-2', labels: {} },
      ],
    });
    if (!r.ok) throw new Error('unreachable');
    // One frozen label object per group, shared by its hosts.
    expect(r.hosts[0]!.labels).toBe(r.hosts[1]!.labels);
    expect(Object.isFrozen(r.hosts[0]!.labels)).toBe(true);
  });

  it('reports every problem with its path', () => {
    const r = parseTargetGroups(
      [
        { targets: ['a:1', 'b:0', 7], labels: { team: 1, 'bad-name': 'x', ok: 'y' }, extra: true },
        'web',
        { labels: {} },
        { targets: 'a:1' },
        { targets: ['c'], labels: ['team'] },
        { targets: ['d'], labels: { long: 'x'.repeat(LABEL_VALUE_MAX + 1) } },
      ],
      nowhere,
    );
    expect(r).toEqual({
      ok: false,
      problems: [
        { line: 0, col: 0, path: '[0].extra', message: 'unknown key "extra" (allowed: targets, labels)' },
        { line: 0, col: 0, path: '[0].labels.team', message: 'label "team" must have a string value, got number 1' },
        { line: 0, col: 0, path: '[0].labels.bad-name', message: 'label name "bad-name" may only contain letters, digits and "_", and must not start with a digit' },
        { line: 0, col: 0, path: '[0].targets[1]', message: '"b:0": the port must be a number 1-65535' },
        { line: 0, col: 0, path: '[0].targets[2]', message: 'expected a "host:port" target, got number 7' },
        { line: 0, col: 0, path: '[1]', message: 'expected a target group ({targets: [...], labels: {...}}), got string "web"' },
        { line: 0, col: 0, path: '[2]', message: 'missing required key "targets"' },
        { line: 0, col: 0, path: '[3].targets', message: 'expected a list of "host:port" targets, got string "a:1"' },
        { line: 0, col: 0, path: '[4].labels', message: 'expected a mapping of label names to values, got a list' },
        { line: 0, col: 0, path: '[5].labels.long', message: `label "long" has a value longer than ${LABEL_VALUE_MAX} characters` },
      ],
    });
  });

  it('wants a list of groups', () => {
    expect(parseTargetGroups({ targets: ['a'] }, nowhere)).toEqual({
      ok: false,
      problems: [{ line: 0, col: 0, path: '', message: 'expected a list of target groups ({targets: [...], labels: {...}}), got a mapping' }],
    });
  });

  it('stops at 20 problems', () => {
    const r = parseTargetGroups([{ targets: Array.from({ length: 50 }, (_, i) => `h${i}:0`) }], nowhere);
    expect(r.ok).toBe(false);
    if (r.ok) throw new Error('unreachable');
    expect(r.problems).toHaveLength(20);
    expect(r.problems[19]).toEqual({ line: 0, col: 0, path: '[0].targets[19]', message: '"h19:0": the port must be a number 1-65535' });
  });
});

describe('parseFile', () => {
  it('reads JSON target groups', () => {
    const text = '[\n  {"targets": ["127.0.0.2:9100", "[::1]:80"], "labels": {"team": "a"}},\n  {"targets": ["node-1"]}\n]\n';
    expect(parseFile(text)).toEqual({ hosts: [{ host: '127.0.0.2', labels: { team: 'a' } }, { host: '::1', labels: { team: 'a' } }, { host: 'node-1', labels: {} }] });
  });

  it('reads YAML target groups', () => {
    const text = '- targets:\n    - 127.0.0.2:9100\n    - node-1\n  labels:\n    team: payments\n- targets: [node-2]\n';
    expect(parseFile(text)).toEqual({ hosts: [{ host: '127.0.0.2', labels: { team: 'payments' } }, { host: 'node-1', labels: { team: 'payments' } }, { host: 'node-2', labels: {} }] });
  });

  it.each([[''], ['\n\n'], ['# nothing here yet\n'], ['[]'], ['[]\n']])('%j has no hosts', (text) => {
    expect(parseFile(text)).toEqual({ hosts: [] });
  });

  it('places problems in JSON text at their line and column', () => {
    const text = '[\n  {"targets": ["127.0.0.1:9100", "bad:0"], "labels": {"team": "a"}},\n  {"targets": "x"}\n]\n';
    expect(parseFile(text)).toEqual([
      { line: 2, col: 34, path: '[0].targets[1]', message: '"bad:0": the port must be a number 1-65535' },
      { line: 3, col: 15, path: '[1].targets', message: 'expected a list of "host:port" targets, got string "x"' },
    ]);
  });

  it('places problems in YAML text at their line and column', () => {
    const text = '- targets:\n    - 127.0.0.2:9100\n    - "[::1]:80"\n    - 198.51.100.0/24\n  labels:\n    team: payments\n- targets: [www.example.com]\n  labels: {team: 7}\n';
    expect(parseFile(text)).toEqual([
      { line: 4, col: 7, path: '[0].targets[2]', message: '"198.51.100.0/24": address blocks are not taken from service discovery; list them in hosts' },
      { line: 8, col: 18, path: '[1].labels.team', message: 'label "team" must have a string value, got number 7' },
    ]);
  });

  it('places a missing targets key at its group, and a list that is not one at the document', () => {
    expect(parseFile('[{"targets": ["a"]},\n {"labels": {}}]')).toEqual([{ line: 2, col: 2, path: '[1]', message: 'missing required key "targets"' }]);
    expect(parseFile('\n{"targets": ["a"]}')).toEqual([{ line: 2, col: 1, path: '', message: 'expected a list of target groups ({targets: [...], labels: {...}}), got a mapping' }]);
    expect(parseFile('null')).toEqual([{ line: 1, col: 1, path: '', message: 'expected a list of target groups ({targets: [...], labels: {...}}), got an empty value' }]);
  });

  // As the config file's own problems are placed (src/config/positions.ts): a bad key at the key, not at its value.
  it('places an unknown key of a group at the key', () => {
    expect(parseFile('- targets: [a]\n  port: 80\n')).toEqual([{ line: 2, col: 3, path: '[0].port', message: 'unknown key "port" (allowed: targets, labels)' }]);
  });

  it('places a bad label name at the name', () => {
    expect(parseFile('[{"targets": ["a"],\n  "labels": {"bad-name": "x"}}]')).toEqual([
      { line: 2, col: 14, path: '[0].labels.bad-name', message: 'label name "bad-name" may only contain letters, digits and "_", and must not start with a digit' },
    ]);
  });

  it('reports a syntax error at its line and column, without a path', () => {
    const r = parseFile('[\n  {"targets": ["127.0.0.2:80"]\n]\n');
    expect(Array.isArray(r)).toBe(true);
    const problems = r as Exclude<typeof r, { hosts: unknown }>;
    expect(problems.length).toBeGreaterThan(0);
    for (const p of problems) {
      expect(p.path).toBe('');
      expect(p.line).toBeGreaterThanOrEqual(2);
      expect(p.col).toBeGreaterThanOrEqual(1);
      expect(p.message).not.toBe('');
    }
  });

  it('refuses duplicate keys and unknown tags, as in the config file', () => {
    expect(parseFile('- targets: [a]\n  targets: [b]\n')).toEqual([{ line: 2, col: 3, path: '', message: 'Map keys must be unique' }]);
    expect(parseFile('- targets: !hosts [a]\n')).toEqual([{ line: 1, col: 12, path: '', message: 'Unresolved tag: !hosts' }]);
  });

  it('returns only hosts that would pass as a static host', () => {
    const r = parseFile('- targets: ["127.0.0.2:1", "[::1]:2", "node-1", "Node-1.Example.:3"]\n');
    if (Array.isArray(r)) throw new Error(JSON.stringify(r));
    expect(r.hosts.map((h) => h.host)).toEqual(['127.0.0.2', '::1', 'node-1', 'Node-1.Example.']);
    for (const h of r.hosts) expect(hostProblem(h.host)).toBeUndefined();
  });
});
