import { describe, expect, it } from 'vitest';
import { hostProblem } from '../../src/config/hosts.js';
import { parseGroups } from '../../src/sd/parse-groups.js';
import { hostOfTarget, readTargetGroups } from '../../src/sd/target-groups.js';

const json = (text: string) => parseGroups(text, 'json');
const yaml = (text: string) => parseGroups(text, 'yaml');
/** The hosts of a document, or its problems as `line:col: path: message`. */
function outcome(r: ReturnType<typeof parseGroups>): string[] {
  if (!r.ok) return r.problems.map((p) => `${p.line}:${p.col}: ${p.path}: ${p.message}`);
  return [
    ...r.value.hosts.map((h) => `${h.host} ${JSON.stringify(h.labels)}`),
    ...r.value.dropped.map((p) => `left out ${p.line}:${p.col}: ${p.path}: ${p.message}`),
  ];
}

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
    [
      '198.51.100.0/24:80',
      '"198.51.100.0/24:80": address blocks are not taken from service discovery; list them in hosts',
    ],
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
    [
      'bad_name:80',
      '"bad_name" is not a valid host name: each dot-separated label must be 1-63 letters, digits or "-", not ' +
        'starting or ending with "-"',
    ],
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

describe('readTargetGroups', () => {
  it("takes the hosts of every group in order, each with its group's labels, one frozen object per group", () => {
    const r = readTargetGroups(
      [
        { targets: ['127.0.0.2:9100', '[::1]:80'], labels: { team: 'payments', __meta_env: 'prod' } },
        { targets: ['node-1'] },
        { targets: [], labels: { team: 'none' } },
        { targets: ['node-2:1'], labels: null },
      ],
      'json',
    );
    expect(r).toEqual({
      hosts: [
        { host: '127.0.0.2', labels: { team: 'payments', __meta_env: 'prod' } },
        { host: '::1', labels: { team: 'payments', __meta_env: 'prod' } },
        { host: 'node-1', labels: {} },
        { host: 'node-2', labels: {} },
      ],
      refused: [],
      dropped: [],
      droppedCount: 0,
    });
    expect(r.hosts[0]!.labels).toBe(r.hosts[1]!.labels);
    expect(Object.isFrozen(r.hosts[0]!.labels)).toBe(true);
  });

  // As Prometheus reads them: an absent or empty list is no targets, an absent or empty mapping no labels.
  it('takes a group without targets as a group with none, and empty values as nothing', () => {
    const r = readTargetGroups(
      [{ labels: { team: 'a' } }, { targets: null, labels: null }, { targets: ['a'], labels: { team: '', env: null } }],
      'json',
    );
    expect(r).toEqual({ hosts: [{ host: 'a', labels: {} }], refused: [], dropped: [], droppedCount: 0 });
    expect(readTargetGroups(null, 'json')).toEqual({ hosts: [], refused: [], dropped: [], droppedCount: 0 });
  });

  // Prometheus 3 takes any non-empty UTF-8 label name in target groups (prometheus/common model.UTF8Validation).
  it('takes label names as Prometheus 3 does: any non-empty text', () => {
    const labels = { 'service.name': 'api', 'a lid': 'x', ':colon': 'y', ünï: 'z', __proto__x: 'p' };
    const r = readTargetGroups([{ targets: ['a'], labels }], 'yaml');
    expect(r.refused).toEqual([]);
    expect(r.hosts[0]!.labels).toEqual(labels);
    const proto = readTargetGroups(JSON.parse('[{"targets": ["a"], "labels": {"__proto__": "v"}}]'), 'json');
    expect(Object.entries(proto.hosts[0]!.labels)).toEqual([['__proto__', 'v']]);
    expect(Object.getPrototypeOf(proto.hosts[0]!.labels)).toBe(Object.prototype);
    expect(readTargetGroups([{ targets: ['a'], labels: { '': 'x' } }], 'yaml').refused).toEqual([
      { path: [0, 'labels', ''], atKey: true, message: 'label name is empty' },
    ]);
  });

  it('leaves out a target portwatch cannot check, and keeps the rest', () => {
    const r = readTargetGroups([{ targets: ['a:1', 'b:0', 'http://c', '', 'd'], labels: { team: 'x' } }], 'json');
    expect(r.hosts.map((h) => h.host)).toEqual(['a', 'd']);
    expect(r.refused).toEqual([]);
    expect(r.dropped).toEqual([
      { path: [0, 'targets', 1], atKey: false, message: '"b:0": the port must be a number 1-65535' },
      { path: [0, 'targets', 2], atKey: false, message: '"http://c" is a URL; give "host:port" or a host' },
      { path: [0, 'targets', 3], atKey: false, message: 'host is empty' },
    ]);
    expect(r.droppedCount).toBe(3);
  });

  it('refuses what Prometheus refuses, every problem with its path', () => {
    const r = readTargetGroups(
      [
        { targets: ['a:1', 7, ['b']], labels: { team: 1, ok: 'y', list: ['x'] }, extra: true },
        'web',
        null,
        { targets: 'a:1' },
        { targets: ['c'], labels: ['team'] },
      ],
      'json',
    );
    expect(r.refused.map((f) => [f.path, f.atKey, f.message])).toEqual([
      [[0, 'extra'], true, 'unknown key "extra" (allowed: targets, labels)'],
      [[0, 'labels', 'team'], false, 'label "team" must have a string value, got number 1'],
      [[0, 'labels', 'list'], false, 'label "list" must have a string value, got a list'],
      [[0, 'targets', 1], false, 'expected a string, got number 7'],
      [[0, 'targets', 2], false, 'expected a string, got a list'],
      [[1], false, 'expected a target group ({targets: [...], labels: {...}}), got string "web"'],
      [[2], false, 'expected a target group ({targets: [...], labels: {...}}), got an empty value'],
      [[3, 'targets'], false, 'expected a list of "host:port" targets, got string "a:1"'],
      [[4, 'labels'], false, 'expected a mapping of label names to values, got a list'],
    ]);
    expect(readTargetGroups({ targets: ['a'] }, 'json').refused.map((f) => f.message)).toEqual([
      'expected a list of target groups ({targets: [...], labels: {...}}), got a mapping',
    ]);
  });

  // Go's encoding/json matches keys to fields without regard to case ("ſ" folds to "s"); go-yaml matches them exactly.
  it('matches JSON keys as Go does, YAML keys exactly', () => {
    for (const key of ['Targets', 'TARGETS', 'targetſ']) {
      expect(readTargetGroups([{ [key]: ['a'], LABELS: { t: 'x' } }], 'json').hosts).toEqual([
        { host: 'a', labels: { t: 'x' } },
      ]);
    }
    expect(readTargetGroups([{ Targets: ['a'] }], 'yaml').refused.map((f) => f.message)).toEqual([
      'unknown key "Targets"; did you mean targets? (allowed: targets, labels)',
    ]);
    expect(readTargetGroups([{ target: ['a'] }], 'json').refused.map((f) => f.message)).toEqual([
      'unknown key "target"; did you mean targets? (allowed: targets, labels)',
    ]);
  });

  it('stops at 20 problems of each kind, and counts every target left out', () => {
    const r = readTargetGroups([{ targets: Array.from({ length: 50 }, (_, i) => `h${i}:0`) }], 'json');
    expect(r.dropped).toHaveLength(20);
    expect(r.droppedCount).toBe(50);
    expect(r.dropped[19]).toEqual({
      path: [0, 'targets', 19],
      atKey: false,
      message: '"h19:0": the port must be a number 1-65535',
    });
    expect(
      readTargetGroups(
        Array.from({ length: 30 }, () => 1),
        'json',
      ).refused,
    ).toHaveLength(20);
  });
});

describe("parseGroups on JSON, read as Go's encoding/json reads it", () => {
  it('reads target groups', () => {
    const text =
      '[\n  {"targets": ["127.0.0.2:9100", "[::1]:80"], "labels": {"team": "a"}},\n  {"targets": ["node-1"]}\n]\n';
    expect(outcome(json(text))).toEqual(['127.0.0.2 {"team":"a"}', '::1 {"team":"a"}', 'node-1 {}']);
  });

  it.each([['[]'], ['[]\n'], ['null'], [' null ']])('%j has no hosts', (text) => {
    expect(json(text)).toEqual({ ok: true, value: { hosts: [], dropped: [], droppedCount: 0 } });
  });

  // A file being written is refused (its last good hosts are kept), as Prometheus refuses it.
  it.each([
    ['', '1:1: : the text is empty; a JSON file of target groups holds at least "[]"'],
    ['\n  \n', '1:1: : the text is empty; a JSON file of target groups holds at least "[]"'],
    ['[\n  {"targets": ["127.0.0.2:80"]', '2:31: : invalid JSON: unexpected end of the text'],
    ['[{"targets": ["a"]},]', '1:21: : invalid JSON: unexpected character "]"; expected a value'],
    ['[\n  {"targets": ["127.0.0.2:80"]\n]\n', '3:1: : invalid JSON: expected "," or "}" after a value'],
    [']gibberish\n][', '1:1: : invalid JSON: unexpected character "]"; expected a value'],
    ['[{"targets": [\'a\']}]', '1:15: : invalid JSON: unexpected character "\'"; expected a value'],
    ['[] []', '1:4: : invalid JSON: unexpected text after the end of the JSON value'],
    ['\ufeff[]', '1:1: : invalid JSON: unexpected character "\ufeff"; expected a value'],
    ['[{"targets": ["a\tb"]}]', '1:17: : invalid JSON: a control character in a string must be escaped'],
    ['{"a" 1}', '1:6: : invalid JSON: expected ":" after a key'],
    ['[01]', '1:3: : invalid JSON: expected "," or "]" after a list item'],
  ])('refuses %j', (text, problem) => {
    expect(outcome(json(text))).toEqual([problem]);
  });

  it('places what refuses a document at its line and column, a bad key at the key', () => {
    const text =
      '[\n  {"targets": ["127.0.0.1:9100"], "labels": {"team": "a"}},\n  {"targets": "x",\n   "port": 80,\n   ' +
      '"labels": {"n": 9100}}\n]\n';
    expect(outcome(json(text))).toEqual([
      '3:15: [1].targets: expected a list of "host:port" targets, got string "x"',
      '4:4: [1].port: unknown key "port" (allowed: targets, labels)',
      '5:20: [1].labels.n: label "n" must have a string value, got number 9100',
    ]);
  });

  it('places the targets left out, and takes the rest', () => {
    const text =
      '[\n  {"targets": ["127.0.0.1:9100", "bad:0"], "labels": {"team": "a"}},\n  {"targets": [null, ' +
      '"198.51.100.0/24"]}\n]\n';
    expect(outcome(json(text))).toEqual([
      '127.0.0.1 {"team":"a"}',
      'left out 2:34: [0].targets[1]: "bad:0": the port must be a number 1-65535',
      'left out 3:16: [1].targets[0]: host is empty',
      'left out 3:22: [1].targets[1]: "198.51.100.0/24": address blocks are not taken from service discovery; list ' +
        'them in hosts',
    ]);
  });

  it('takes the last of keys given twice, as Go does', () => {
    expect(outcome(json('[{"targets": ["a"], "targets": ["b"], "labels": {"t": "1", "t": "2"}}]'))).toEqual([
      'b {"t":"2"}',
    ]);
    expect(outcome(json('[{"Targets": ["a"], "targets": ["b"]}]'))).toEqual(['b {}']);
  });

  it('places a problem at a key given as an escape', () => {
    expect(outcome(json('[{"targets": ["a"], "labels": {"\\u0074eam": 1}}]'))).toEqual([
      '1:45: [0].labels.team: label "team" must have a string value, got number 1',
    ]);
  });
});

describe("parseGroups on YAML, read as Go's YAML reader reads it", () => {
  it('reads target groups', () => {
    const text = '- targets:\n    - 127.0.0.2:9100\n    - node-1\n  labels:\n    team: payments\n- targets: [node-2]\n';
    expect(outcome(yaml(text))).toEqual(['127.0.0.2 {"team":"payments"}', 'node-1 {"team":"payments"}', 'node-2 {}']);
  });

  it.each([[''], ['\n\n'], ['# nothing here yet\n'], ['[]'], ['~\n'], ['null'], ['\ufeff[]']])(
    '%j has no hosts',
    (text) => {
      expect(yaml(text)).toEqual({ ok: true, value: { hosts: [], dropped: [], droppedCount: 0 } });
    },
  );

  it('takes numbers, booleans and empty values where strings are expected as their text', () => {
    const text =
      '- targets: [node-1:9100]\n  labels: {port: 9100, version: 1.10, canary: true, hex: 0x1F, none: ~, 1.0: one}\n';
    expect(outcome(yaml(text))).toEqual([
      'node-1 {"port":"9100","version":"1.10","canary":"true","hex":"0x1F","1.0":"one"}',
    ]);
  });

  it('takes a number or an empty value as a target, and leaves it out when it is no host', () => {
    expect(outcome(yaml('- targets: [1e3, 1234, ~]\n'))).toEqual([
      '1e3 {}',
      'left out 1:18: [0].targets[1]: "1234" is not a valid IPv4 address',
      'left out 1:24: [0].targets[2]: host is empty',
    ]);
  });

  it('refuses lists and mappings where strings are expected, and keys it does not know, at the key', () => {
    const text = '- targets: [a, [b]]\n  labels: {team: [x]}\n  target: [c]\n';
    expect(outcome(yaml(text))).toEqual([
      '1:16: [0].targets[1]: expected a string, got a list',
      '2:18: [0].labels.team: label "team" must have a string value, got a list',
      '3:3: [0].target: unknown key "target"; did you mean targets? (allowed: targets, labels)',
    ]);
  });

  it('refuses duplicate keys (as text), unknown tags and tab indentation, as in the config file', () => {
    expect(outcome(yaml('- targets: [a]\n  targets: [b]\n'))).toEqual([
      '2:3: : duplicate key "targets"; it is already at line 1',
    ]);
    expect(outcome(yaml('- targets: [a]\n  labels: {1: x, "1": y}\n'))).toEqual([
      '2:18: : duplicate key "1"; it is already at line 2',
    ]);
    expect(outcome(yaml('- targets: !hosts [a]\n'))).toEqual([
      '1:12: : unknown tag !hosts; portwatch reads plain YAML values',
    ]);
    expect(outcome(yaml('- targets: [a]\n\tlabels: {a: b}\n'))[0]).toMatch(
      /^2:1: : this line is indented with a tab; YAML allows only spaces/,
    );
  });

  it('refuses text that is not UTF-8, at the first byte that is not', async () => {
    const { parseGroupsBytes } = await import('../../src/sd/parse-groups.js');
    const r = await parseGroupsBytes(Buffer.from('- targets: [a]\n  labels: {city: M\xfcnchen}\n', 'latin1'), 'yaml');
    expect(outcome(r)).toEqual(['2:19: : the file is not UTF-8 text; save it as UTF-8']);
    // JSON strings take a bad byte as U+FFFD, as Go's encoding/json does.
    const j = await parseGroupsBytes(
      Buffer.from('[{"targets": ["a"], "labels": {"city": "M\xfcnchen"}}]', 'latin1'),
      'json',
    );
    expect(outcome(j)).toEqual(['a {"city":"M\ufffdnchen"}']);
  });

  it('returns only hosts that would pass as a static host', () => {
    const r = yaml('- targets: ["127.0.0.2:1", "[::1]:2", "node-1", "Node-1.Example.:3"]\n');
    if (!r.ok) throw new Error(JSON.stringify(r));
    expect(r.value.hosts.map((h) => h.host)).toEqual(['127.0.0.2', '::1', 'node-1', 'Node-1.Example.']);
    for (const h of r.value.hosts) expect(hostProblem(h.host)).toBeUndefined();
  });
});
