import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { isBlock } from '../../src/config/blocks.js';
import { hostKey, hostProblem } from '../../src/config/hosts.js';
import type { MonitorConfig } from '../../src/config/types.js';
import { withDiscoveredHosts } from '../../src/sd/merge.js';
import { jsonSyntaxError } from '../../src/sd/json-text.js';
import { parseGroups } from '../../src/sd/parse-groups.js';
import { hostOfTarget, type Dialect, type DiscoveredHost } from '../../src/sd/target-groups.js';

// Property tests of what service discovery reads: whatever a file_sd file or an http_sd
// answer holds, parsing returns hosts a static config would accept, or problems with a
// place and a message; never an exception. Runs are bounded so the file takes seconds.

const RUNS = 300;
const TIMEOUT_MS = 60_000;

function hostsOrProblems(text: string, dialect: Dialect = 'yaml'): void {
  let result: ReturnType<typeof parseGroups>;
  try {
    result = parseGroups(text, dialect);
  } catch (err) {
    throw new Error(`parseGroups threw ${String(err)}\ninput (${dialect}): ${JSON.stringify(text)}`, { cause: err });
  }
  const placed = (problems: readonly { line: number; col: number; path: string; message: string }[]): void => {
    for (const p of problems) {
      if (!(Number.isInteger(p.line) && Number.isInteger(p.col) && p.line >= 1 && p.col >= 1)) {
        throw new Error(`problem without a place: ${JSON.stringify(p)}\ninput (${dialect}): ${JSON.stringify(text)}`);
      }
      expect(typeof p.message).toBe('string');
      expect(p.message.trim()).not.toBe('');
      expect(typeof p.path).toBe('string');
    }
  };
  if (!result.ok) {
    expect(result.problems.length).toBeGreaterThan(0);
    placed(result.problems);
    return;
  }
  const { hosts, dropped, droppedCount } = result.value;
  placed(dropped);
  expect(dropped.length).toBe(Math.min(droppedCount, 20));
  for (const h of hosts) {
    if (hostProblem(h.host) !== undefined || isBlock(h.host))
      throw new Error(`bad host ${JSON.stringify(h.host)}: ${hostProblem(h.host)}\ninput: ${JSON.stringify(text)}`);
    for (const [name, v] of Object.entries(h.labels)) {
      expect(name).not.toBe('');
      expect(typeof v).toBe('string');
      expect(v).not.toBe('');
    }
  }
}

const targetToken = fc.oneof(
  fc.constantFrom(
    '127.0.0.2',
    '127.0.0.2:9100',
    '[::1]:80',
    '::1',
    '[::1]',
    'node-1',
    'Node-1.Example.',
    'node-1:0',
    'node-1:65536',
    'http://x:80',
    '198.51.100.0/24',
    '[203.0.113.4]:80',
    'a b',
    '',
    ':80',
    '[fe80::1%eth0]:80',
    'fe80::1%eth0',
    '198.51.100.999',
    '[::1]:x',
    '2001:db8::1:2:x',
  ),
  fc.string({ maxLength: 12 }),
);

const group = fc.record(
  {
    targets: fc.oneof(
      fc.array(fc.oneof(targetToken, fc.jsonValue({ maxDepth: 1 })), { maxLength: 5 }),
      fc.jsonValue({ maxDepth: 2 }),
    ),
    labels: fc.oneof(
      fc.dictionary(
        fc.oneof(fc.constantFrom('team', '__meta_env', 'bad-name', '0x', ''), fc.string({ maxLength: 6 })),
        fc.oneof(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 })),
        { maxKeys: 4 },
      ),
      fc.jsonValue({ maxDepth: 2 }),
    ),
    extra: fc.jsonValue({ maxDepth: 1 }),
  },
  { requiredKeys: [] },
);

const groupsLike = fc.oneof(
  fc.array(fc.oneof(group, fc.jsonValue({ maxDepth: 2 })), { maxLength: 5 }),
  fc.jsonValue({ maxDepth: 4 }),
);

const yamlToken = fc.oneof(
  fc.constantFrom(
    '- targets: ',
    '  labels: ',
    'targets:',
    'labels:',
    '[',
    ']',
    '{',
    '}',
    ',',
    ': ',
    '"',
    "'",
    '\n',
    '  ',
    '- ',
    '&a ',
    '*a',
    '!!str ',
    '!x ',
    '#',
    '---\n',
    '...\n',
    '|',
    '>',
    '? ',
    '~',
    'null',
    '127.0.0.2:80',
    '[::1]:80',
    'team',
    '1e400',
  ),
  fc.string({ maxLength: 8 }),
  fc.string({ unit: 'grapheme', maxLength: 4 }),
);

describe('service discovery parsing under random input', () => {
  it('parseGroups on random YAML-ish text yields valid hosts or placed problems', { timeout: TIMEOUT_MS }, () => {
    fc.assert(
      fc.property(
        fc.array(yamlToken, { maxLength: 60 }).map((p) => p.join('')),
        (t) => hostsOrProblems(t),
      ),
      { numRuns: RUNS },
    );
  });

  it(
    'parseGroups on arbitrary strings, read as YAML and as JSON, yields valid hosts or placed problems',
    { timeout: TIMEOUT_MS },
    () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary', maxLength: 512 }), (text) => {
          hostsOrProblems(text, 'yaml');
          hostsOrProblems(text, 'json');
        }),
        { numRuns: RUNS },
      );
    },
  );

  it(
    'parseGroups on JSON-ish target groups, written as JSON or YAML, yields valid hosts or placed problems',
    { timeout: TIMEOUT_MS },
    () => {
      fc.assert(
        fc.property(groupsLike, fc.boolean(), (value, asYaml) => {
          let text: string | undefined;
          try {
            text = asYaml ? stringify(value) : JSON.stringify(value, null, 1);
          } catch {
            text = undefined;
          }
          fc.pre(text !== undefined);
          hostsOrProblems(text, asYaml ? 'yaml' : 'json');
        }),
        { numRuns: RUNS },
      );
    },
  );

  // The syntax check that places JSON errors must agree with a real JSON parser on what is JSON.
  it('jsonSyntaxError finds an error exactly when JSON.parse refuses the text', { timeout: TIMEOUT_MS }, () => {
    const jsonToken = fc.oneof(
      fc.constantFrom(
        '[',
        ']',
        '{',
        '}',
        ',',
        ':',
        '"',
        '"a"',
        '"\\u00e9"',
        '"\\x"',
        '\\',
        '"\u0001"',
        '0',
        '-0',
        '01',
        '1.',
        '1.5e+3',
        '-',
        'true',
        'tru',
        'null',
        ' ',
        '\n',
        '\t',
        '\u00a0',
        '\ufeff',
      ),
      fc.string({ maxLength: 4 }),
    );
    const valid = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v, null, 1));
    const text = fc.oneof(
      fc.array(jsonToken, { maxLength: 6 }).map((p) => p.join('')),
      // Valid JSON, cut short or with one token put in somewhere.
      valid.chain((v) => fc.nat(v.length).map((cut) => v.slice(0, cut))),
      fc
        .tuple(valid, jsonToken, fc.nat())
        .map(([v, token, at]) => v.slice(0, at % (v.length + 1)) + token + v.slice(at % (v.length + 1))),
      valid,
    );
    fc.assert(
      fc.property(text, (t) => {
        let parsed = true;
        try {
          JSON.parse(t);
        } catch {
          parsed = false;
        }
        const error = jsonSyntaxError(t);
        if ((error === undefined) !== parsed)
          throw new Error(
            `JSON.parse ${parsed ? 'takes' : 'refuses'} ${JSON.stringify(t)}, ` +
              `jsonSyntaxError says ${JSON.stringify(error)}`,
          );
        if (error !== undefined) expect(error.offset).toBeLessThanOrEqual(t.length);
      }),
      { numRuns: 2000 },
    );
  });

  it(
    'hostOfTarget never throws, and any host it takes is one a static config would accept',
    { timeout: TIMEOUT_MS },
    () => {
      const target = fc.oneof(
        targetToken,
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc
          .tuple(
            fc.constantFrom('[', ''),
            fc.string({ maxLength: 20 }),
            fc.constantFrom(']', ']:', ':', ''),
            fc.string({ maxLength: 6 }),
          )
          .map((p) => p.join('')),
        fc.jsonValue({ maxDepth: 1 }),
      );
      fc.assert(
        fc.property(target, (t) => {
          const r = hostOfTarget(t);
          if (r.ok) {
            expect(hostProblem(r.host)).toBeUndefined();
            expect(isBlock(r.host)).toBe(false);
            expect(r.host).not.toBe('');
          } else expect(r.message.trim()).not.toBe('');
        }),
        { numRuns: 1000 },
      );
    },
  );
});

describe('merging discovered hosts under random input', () => {
  // Spellings of few hosts, so that the same host comes up often in different forms.
  const spelling = fc.oneof(
    fc.constantFrom(
      '127.0.0.2',
      '127.0.0.3',
      '::1',
      '0:0:0:0:0:0:0:1',
      '0::1',
      '2001:db8::1',
      '2001:DB8:0::1',
      '2001:db8:0:0:0:0:0:1',
      'node-1',
      'NODE-1',
      'node-1.',
      'Node-1.',
      'www.example.com',
      'WWW.EXAMPLE.COM.',
      '::ffff:127.0.0.2',
    ),
    fc
      .tuple(fc.constantFrom('a', 'b', 'c'), fc.boolean(), fc.boolean())
      .map(([h, upper, dot]) => `${upper ? h.toUpperCase() : h}${dot ? '.' : ''}`),
  );
  const labels = fc.constantFrom<Readonly<Record<string, string>>>(
    {},
    { team: 'payments' },
    { team: '' },
    { __meta_env: 'prod', team: 'search' },
    { other: 'x' },
  );
  const discovered = fc.array(fc.record({ host: spelling, labels }), { maxLength: 30 });
  /** Static hosts as a config allows them: no two spellings of one host. */
  const staticHosts = fc.array(spelling, { maxLength: 6 }).map((hs) => {
    const seen = new Set<string>();
    return hs.filter((h) => !seen.has(hostKey(h)) && seen.add(hostKey(h)));
  });
  const monitor = (name: string, hosts: string[], sd: boolean, sdLabels: boolean): MonitorConfig => ({
    name,
    hosts,
    intervalMs: 60_000,
    timeoutMs: 3_000,
    retries: 2,
    ipFamily: 'auto',
    expectOpen: [80],
    expectClosed: [22],
    labels: { team: 'none' },
    ...(sd && { fileSd: [{ files: ['t/*.json'], baseDir: '/x', refreshIntervalMs: 1_000 }] }),
    ...(sdLabels && { sdLabels: { team: 'team', env: '__meta_env' } }),
  });

  it(
    'never lists a host twice in a monitor, keeps its static hosts first, and labels only hosts it lists',
    { timeout: TIMEOUT_MS },
    () => {
      fc.assert(
        fc.property(
          fc.array(fc.record({ hosts: staticHosts, sd: fc.boolean(), sdLabels: fc.boolean(), found: discovered }), {
            minLength: 1,
            maxLength: 4,
          }),
          (specs) => {
            const config = { monitors: specs.map((s, i) => monitor(`m${i}`, s.hosts, s.sd || s.sdLabels, s.sdLabels)) };
            const byName = new Map(specs.map((s, i) => [`m${i}`, s.found as DiscoveredHost[]]));
            const merged = withDiscoveredHosts(config, (name) => byName.get(name) ?? []);
            expect(merged.dropped.size).toBe(0);
            merged.config.monitors.forEach((m, i) => {
              const keys = m.hosts.map(hostKey);
              expect(new Set(keys).size).toBe(keys.length);
              expect(m.hosts.slice(0, specs[i]!.hosts.length)).toEqual(specs[i]!.hosts);
              if (m.fileSd) {
                // Every spelling found is there, in one form.
                for (const f of specs[i]!.found) expect(keys).toContain(hostKey(f.host));
              } else expect(m.hosts).toEqual(specs[i]!.hosts);
              for (const host of m.hostLabels?.keys() ?? []) {
                expect(m.hosts).toContain(host);
                expect(specs[i]!.hosts).not.toContain(host);
              }
            });
          },
        ),
        { numRuns: RUNS },
      );
    },
  );
});
