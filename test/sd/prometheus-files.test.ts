import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dialectOf, parseGroupsBytes, type GroupsResult } from '../../src/sd/parse-groups.js';
import { findBinary, missingTool } from '../deploy/files.js';
import { describeOrSkip } from '../helpers/skip.js';

// Service-discovery files as Prometheus reads them: its own test fixtures and cases
// (discovery/file, discovery/targetgroup), then documents judged both by Debian's promtool
// (which reads file_sd files with Prometheus' code) and by portwatch.

const FIXTURES = join('test', 'sd', 'fixtures', 'prometheus');

async function parseFixture(name: string): Promise<GroupsResult> {
  return parseGroupsBytes(readFileSync(join(FIXTURES, name)), dialectOf(name));
}

/** `host {labels}` per host, or `refused line:col: message` per problem. */
function summary(r: GroupsResult): string[] {
  if (!r.ok) return r.problems.map((p) => `refused ${p.line}:${p.col}: ${p.path}: ${p.message}`);
  return r.value.hosts.map((h) => `${h.host} ${JSON.stringify(h.labels)}`);
}

describe("Prometheus' file_sd fixtures", () => {
  // Prometheus' validTg(): two groups, the first with label foo=bar.
  const VALID = ['localhost {"foo":"bar"}', 'example.org {"foo":"bar"}', 'my.domain {}'];

  it.each([['valid.json'], ['valid.yml']])(
    "%s: the hosts of both groups, with the first group's labels",
    async (name) => {
      expect(summary(await parseFixture(name))).toEqual(VALID);
    },
  );

  it('valid3.yml, the same groups written otherwise, means the same', async () => {
    expect(summary(await parseFixture('valid3.yml'))).toEqual(VALID);
  });

  it('valid2.yml: three groups, each with its own labels', async () => {
    expect(summary(await parseFixture('valid2.yml'))).toEqual([
      'my.domain {}',
      'localhost {"foo":"bar","fred":"baz"}',
      'example.org {"scheme":"https"}',
    ]);
  });

  it.each([
    [
      'invalid_nil.json',
      'refused 8:5: [1]: expected a target group ({targets: [...], labels: {...}}), got an empty value',
    ],
    [
      'invalid_nil.yml',
      'refused 5:3: [1]: expected a target group ({targets: [...], labels: {...}}), got an empty value',
    ],
  ])('%s: a null group refuses the whole file', async (name, problem) => {
    expect(summary(await parseFixture(name))).toEqual([problem]);
  });

  it("http_sd.good.json: the target and its group's labels", async () => {
    expect(summary(await parseFixture('http_sd.good.json'))).toEqual(['127.0.0.1 {"__meta_datacenter":"bru1"}']);
  });
});

// discovery/targetgroup/targetgroup_test.go: one group at a time, here inside a list.
describe("Prometheus' target group cases", () => {
  const json = async (group: string) => summary(await parseGroupsBytes(Buffer.from(`[${group}]`), 'json'));
  const yaml = async (group: string) =>
    summary(await parseGroupsBytes(Buffer.from(`- ${group.replaceAll('\n', '\n  ')}\n`), 'yaml'));

  it('JSON: empty labels and targets are a group with nothing; both keys as given', async () => {
    expect(await json('{"labels": {},"targets": []}')).toEqual([]);
    expect(await json('{"labels": {"my":"label"},"targets": ["localhost:9090","localhost:9091"]}')).toEqual([
      'localhost {"my":"label"}',
      'localhost {"my":"label"}',
    ]);
  });

  it('JSON: a key that is neither targets nor labels refuses the group', async () => {
    expect(await json('{"label": {},"targets": []}')).toEqual([
      'refused 1:3: [0].label: unknown key "label"; did you mean labels? (allowed: targets, labels)',
    ]);
    expect(await json('{"labels": {},"target": []}')).toEqual([
      'refused 1:16: [0].target: unknown key "target"; did you mean targets? (allowed: targets, labels)',
    ]);
  });

  it('YAML: empty labels and targets, and targets in brackets', async () => {
    expect(await yaml('labels:\ntargets:')).toEqual([]);
    expect(await yaml("labels:\n  my:  label\ntargets:\n  ['localhost:9090', 'localhost:9191']")).toEqual([
      'localhost {"my":"label"}',
      'localhost {"my":"label"}',
    ]);
  });

  it('YAML: a string where the list of targets belongs refuses the group', async () => {
    expect(await yaml("labels:\ntargets:\n  'localhost:9090'")).toEqual([
      'refused 3:5: [0].targets: expected a list of "host:port" targets, got string "localhost:9090"',
    ]);
  });
});

interface Case {
  name: string;
  text: string | Buffer;
  /** What portwatch takes: the hosts, or undefined when it refuses the document. */
  hosts: string[] | undefined;
  /**
   * A label name Prometheus 3 takes (any UTF-8) and Prometheus 2 refuses: Debian's promtool
   * is Prometheus 2, so it refuses these; portwatch takes them, as Prometheus 3 does.
   */
  prometheus3?: true;
}

const CASES: Case[] = [
  { name: 'number-label.json', text: '[{"targets": ["a:1"], "labels": {"x": 1}}]', hosts: undefined },
  {
    name: 'number-label.yml',
    text: '- targets: [a:1]\n  labels: {x: 1, y: 1.10, z: true, w: 0x1F}\n',
    hosts: ['a {"x":"1","y":"1.10","z":"true","w":"0x1F"}'],
  },
  { name: 'list-label.yml', text: '- targets: [a:1]\n  labels: {x: [1]}\n', hosts: undefined },
  { name: 'empty.json', text: '', hosts: undefined },
  { name: 'half-written.json', text: '[{"targets": ["a:1"]', hosts: undefined },
  { name: 'empty.yml', text: '', hosts: [] },
  { name: 'comments.yaml', text: '# none yet\n', hosts: [] },
  { name: 'null.json', text: 'null', hosts: [] },
  { name: 'mapping.json', text: '{"targets": ["a"]}', hosts: undefined },
  { name: 'no-targets.yml', text: '- labels: {a: b}\n', hosts: [] },
  { name: 'no-targets.json', text: '[{"labels": {"a": "b"}}, {"targets": null, "labels": null}]', hosts: [] },
  { name: 'key-case.json', text: '[{"Targets": ["a"], "LABELS": {"a": "b"}}]', hosts: ['a {"a":"b"}'] },
  { name: 'key-long-s.json', text: '[{"targetſ": ["a"]}]', hosts: ['a {}'] },
  { name: 'key-case.yml', text: '- Targets: [a]\n', hosts: undefined },
  { name: 'unknown-key.json', text: '[{"targets": ["a"], "port": 80}]', hosts: undefined },
  { name: 'unknown-key.yml', text: '- targets: [a]\n  port: 80\n', hosts: undefined },
  { name: 'bom.json', text: '\ufeff[]', hosts: undefined },
  { name: 'bom.yml', text: '\ufeff- targets: [a]\n', hosts: ['a {}'] },
  { name: 'null-value.yml', text: '- targets: [a]\n  labels: {a: ~, b: c}\n', hosts: ['a {"b":"c"}'] },
  { name: 'null-target.json', text: '[{"targets": [null, "b"]}]', hosts: ['b {}'] },
  { name: 'null-target.yml', text: '- targets: [~, b]\n', hosts: ['b {}'] },
  { name: 'number-target.json', text: '[{"targets": [1]}]', hosts: undefined },
  { name: 'number-target.yml', text: '- targets: [1e3]\n', hosts: ['1e3 {}'] },
  { name: 'duplicate-key.json', text: '[{"targets": ["a"], "targets": ["b"]}]', hosts: ['b {}'] },
  { name: 'duplicate-key.yml', text: '- targets: [a]\n  labels: {x: a, x: b}\n', hosts: undefined },
  { name: 'duplicate-field.yml', text: '- targets: [a]\n  labels: {x: "1"}\n  labels: {y: "2"}\n', hosts: undefined },
  { name: 'gibberish.yml', text: ']gibberish\n][', hosts: undefined },
  { name: 'partial.yml', text: '- targets', hosts: undefined },
  { name: 'completed.yml', text: '- targets: ["127.0.0.9:9091"]', hosts: ['127.0.0.9 {}'] },
  { name: 'tabs.yml', text: '- targets: [a]\n\tlabels: {a: b}\n', hosts: undefined },
  { name: 'null-group.yml', text: '- targets: [a]\n- \n', hosts: undefined },
  { name: 'labels-list.yml', text: '- targets: [a]\n  labels: [a]\n', hosts: undefined },
  { name: 'targets-string.json', text: '[{"targets": "a"}]', hosts: undefined },
  { name: 'merge.yml', text: '- &g\n  targets: [a]\n- <<: *g\n  labels: {x: y}\n', hosts: ['a {}', 'a {"x":"y"}'] },
  {
    name: 'merge-labels.yml',
    text: '- targets: [a]\n  labels: &l {x: y}\n- targets: [b]\n  labels:\n    <<: *l\n    z: w\n',
    hosts: ['a {"x":"y"}', 'b {"x":"y","z":"w"}'],
  },
  {
    name: 'merge-again.yml',
    text: '- targets: [a]\n  labels: &l {x: y}\n- targets: [b]\n  labels:\n    <<: *l\n    x: w\n',
    hosts: undefined,
  },
  {
    name: 'tags.yml',
    text: '- targets: !!seq [a]\n  labels: !!map {x: 2001-12-14, y: .inf, z: 0o17}\n',
    hosts: ['a {"x":"2001-12-14","y":".inf","z":"0o17"}'],
  },
  {
    name: 'not-utf8.yml',
    text: Buffer.from('- targets: [a]\n  labels: {city: M\xfcnchen}\n', 'latin1'),
    hosts: undefined,
  },
  {
    name: 'not-utf8.json',
    text: Buffer.from('[{"targets": ["a"], "labels": {"city": "M\xfcnchen"}}]', 'latin1'),
    hosts: ['a {"city":"M\ufffdnchen"}'],
  },
  // Targets Prometheus takes in a file (and drops, or fails to scrape, later): portwatch leaves them out.
  {
    name: 'bad-targets.yml',
    text: '- targets: ["a:0", "http://b:80", "198.51.100.0/24", "a b", "c:1"]\n',
    hosts: ['c {}'],
  },
  {
    name: 'utf8-name.yml',
    text: '- targets: [a]\n  labels: {"service.name": api}\n',
    hosts: ['a {"service.name":"api"}'],
    prometheus3: true,
  },
  {
    name: 'utf8-name.json',
    text: '[{"targets": ["a"], "labels": {"k8s pod": "x"}}]',
    hosts: ['a {"k8s pod":"x"}'],
    prometheus3: true,
  },
];

const noPromtool = missingTool('promtool', 'Debian package prometheus; .ci/run installs it');

describe('file_sd documents, as Prometheus and portwatch read them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portwatch-sd-compat-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(CASES.map((c) => [c.name, c] as const))('%s: portwatch', async (_name, c) => {
    const r = await parseGroupsBytes(Buffer.isBuffer(c.text) ? c.text : Buffer.from(c.text), dialectOf(c.name));
    if (c.hosts === undefined) expect(r.ok ? summary(r) : 'refused').toBe('refused');
    else expect(summary(r)).toEqual(c.hosts);
  });

  /** promtool check config with one file_sd job: whether it refuses the file (failing a target is not refusing it). */
  function promtoolRefuses(c: Case): { refused: boolean; output: string } {
    writeFileSync(join(dir, c.name), c.text);
    const config = join(dir, `prometheus-${c.name}.yml`);
    writeFileSync(
      config,
      `scrape_configs:\n  - job_name: sd\n    file_sd_configs: [{files: [${JSON.stringify(c.name)}]}]\n`,
    );
    const r = spawnSync(findBinary('promtool')!, ['check', 'config', config], {
      encoding: 'utf8',
      timeout: 30_000,
      cwd: dir,
    });
    const output = `${r.stdout}${r.stderr}`;
    return { refused: output.includes('checking SD file'), output };
  }

  describeOrSkip(noPromtool, 'promtool', () => {
    it.each(CASES.map((c) => [c.name, c] as const))('%s: promtool agrees', (_name, c) => {
      const { refused, output } = promtoolRefuses(c);
      if (c.prometheus3) {
        expect(output).toContain('is not a valid label name');
        return;
      }
      expect({ refused, output }).toEqual({ refused: c.hosts === undefined, output: expect.any(String) as string });
    });
  });
});
