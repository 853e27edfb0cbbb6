import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { parseConfig } from '../../src/config/load.js';

// Property tests of the config loader: whatever the text, parseConfig returns a Config or
// throws a ConfigError whose every problem has a place (line and column from 1, or 0/0 for
// the file as a whole) and a message; never any other exception. Runs are bounded (300 per
// property, inputs of at most 4 KiB) and each test has a timeout, so a hang fails.

const RUNS = 300;
const MAX_BYTES = 4096;
const TIMEOUT_MS = 60_000;

const VALID = `defaults:
  interval: 1h
  timeout: 3s
  retries: 2
monitors:
  - name: web
    hosts: [www.example.com, 198.51.100.7, "2001:db8::7"]
    interval: 15m
    expect_open: [80, 443, "8000-8010"]
    expect_closed: [databases, remote-access]
  - name: db
    hosts:
      - db.example.com
    timeout: 500ms
    expect_closed: [5432, 3306]
`;

function loadsOrExplains(text: string): void {
  fc.pre(Buffer.byteLength(text) <= MAX_BYTES);
  let config;
  try {
    config = parseConfig(text, 'fuzz.yaml');
  } catch (err) {
    if (!(err instanceof ConfigError))
      throw new Error(`not a ConfigError: ${String(err)}\ninput: ${JSON.stringify(text)}`, { cause: err });
    expect(err.problems.length).toBeGreaterThan(0);
    for (const p of err.problems) {
      const wholeFile = p.line === 0 && p.col === 0;
      if (!wholeFile && !(Number.isInteger(p.line) && Number.isInteger(p.col) && p.line >= 1 && p.col >= 1)) {
        throw new Error(`problem without a place: ${JSON.stringify(p)}\ninput: ${JSON.stringify(text)}`, {
          cause: err,
        });
      }
      expect(p.message.trim()).not.toBe('');
    }
    return;
  }
  expect(config.monitors.length).toBeGreaterThan(0);
}

/** Pieces YAML is made of, so random strings get past the tokenizer now and then. */
const yamlToken = fc.oneof(
  fc.constantFrom(
    'monitors:',
    'defaults:',
    '- name: ',
    'hosts: ',
    'expect_open: ',
    'expect_closed: ',
    'interval: ',
    'timeout: ',
    'retries: ',
    '\n',
    '  ',
    '- ',
    '[',
    ']',
    '{',
    '}',
    ',',
    ': ',
    '"',
    "'",
    '&a ',
    '*a',
    '!!str ',
    '!!binary ',
    '#',
    '---\n',
    '...\n',
    '|',
    '>',
    '? ',
    '%YAML 1.2\n',
    '<<: ',
    '~',
    'null',
    '1e400',
    '0x1F',
    '-1',
    '65536',
    '"1-99999"',
    'databases',
    '::1',
    '1s',
    '0s',
  ),
  fc.string({ maxLength: 8 }),
  fc.string({ unit: 'grapheme', maxLength: 4 }),
);

const yamlish = fc.array(yamlToken, { maxLength: 80 }).map((parts) => parts.join(''));

/** Line-level mutations of a valid config: keys, values, indentation, types, unicode. */
const mutation = fc.oneof(
  fc.record({
    kind: fc.constant('replace-value' as const),
    line: fc.nat(),
    value: fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom('[]', '{}', '~', '-5', '3.5', 'true', '"x"', '[1, [2]]', '*nope', '!!int x'),
    ),
  }),
  fc.record({
    kind: fc.constant('rename-key' as const),
    line: fc.nat(),
    key: fc.oneof(
      fc.string({ maxLength: 10 }),
      fc.constantFrom('name', 'hosts', 'monitors', 'intervall', 'expect_open', '"monitors"'),
    ),
  }),
  fc.record({ kind: fc.constant('indent' as const), line: fc.nat(), delta: fc.integer({ min: -4, max: 4 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.string({ unit: 'grapheme', maxLength: 10 }),
  }),
  fc.record({ kind: fc.constant('delete-line' as const), line: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate-line' as const), line: fc.nat() }),
);

function mutate(text: string, m: MutationValue): string {
  const lines = text.split('\n');
  const pick = (n: number) => n % lines.length;
  switch (m.kind) {
    case 'replace-value': {
      const i = pick(m.line);
      const colon = lines[i]!.indexOf(': ');
      lines[i] = colon < 0 ? `${lines[i]} ${m.value}` : `${lines[i]!.slice(0, colon + 2)}${m.value}`;
      break;
    }
    case 'rename-key': {
      const i = pick(m.line);
      lines[i] = lines[i]!.replace(/[A-Za-z_]+(?=:)/, m.key);
      break;
    }
    case 'indent': {
      const i = pick(m.line);
      lines[i] = m.delta >= 0 ? ' '.repeat(m.delta) + lines[i] : lines[i]!.replace(new RegExp(`^ {0,${-m.delta}}`), '');
      break;
    }
    case 'insert': {
      const at = m.at % (text.length + 1);
      return text.slice(0, at) + m.text + text.slice(at);
    }
    case 'delete-line':
      lines.splice(pick(m.line), 1);
      break;
    case 'duplicate-line': {
      const i = pick(m.line);
      lines.splice(i, 0, lines[i]!);
      break;
    }
  }
  return lines.join('\n');
}

type MutationValue = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

describe('config loader under random input', () => {
  it('random YAML-ish text loads or yields positioned problems', { timeout: TIMEOUT_MS }, () => {
    fc.assert(fc.property(yamlish, loadsOrExplains), { numRuns: RUNS });
  });

  it('arbitrary unicode strings load or yield positioned problems', { timeout: TIMEOUT_MS }, () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 512 }), loadsOrExplains), { numRuns: RUNS });
  });

  it('mutated valid configs load or yield positioned problems', { timeout: TIMEOUT_MS }, () => {
    loadsOrExplains(VALID); // the unmutated file loads
    expect(() => parseConfig(VALID, 'valid.yaml')).not.toThrow();
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 6 }), (ms) =>
        loadsOrExplains(ms.reduce((t, m) => mutate(t, m), VALID)),
      ),
      { numRuns: RUNS },
    );
  });

  it('random JSON values written as YAML load or yield positioned problems', { timeout: TIMEOUT_MS }, () => {
    const shaped = fc.record(
      {
        defaults: fc.record(
          {
            interval: fc.oneof(fc.constantFrom('1h', '1s', '0s', '10ms'), fc.jsonValue({ maxDepth: 1 })),
            timeout: fc.jsonValue({ maxDepth: 1 }),
            retries: fc.jsonValue({ maxDepth: 1 }),
          },
          { requiredKeys: [] },
        ),
        monitors: fc.array(
          fc.record(
            {
              name: fc.oneof(fc.constantFrom('web', 'db', 'web'), fc.jsonValue({ maxDepth: 1 })),
              hosts: fc.oneof(
                fc.array(
                  fc.oneof(
                    fc.constantFrom('127.0.0.1', '::1', 'example.com', 'a b', 'http://x'),
                    fc.jsonValue({ maxDepth: 1 }),
                  ),
                  { maxLength: 4 },
                ),
                fc.jsonValue({ maxDepth: 2 }),
              ),
              expect_open: fc.oneof(
                fc.array(
                  fc.oneof(fc.integer({ min: -10, max: 70_000 }), fc.constantFrom('80-90', '90-80', 'web', 'nope')),
                  { maxLength: 4 },
                ),
                fc.jsonValue({ maxDepth: 2 }),
              ),
              expect_closed: fc.array(
                fc.oneof(fc.integer({ min: 0, max: 65_536 }), fc.constantFrom('databases', '1-65535')),
                { maxLength: 3 },
              ),
              interval: fc.constantFrom('1s', '5m', '2d', 'x'),
            },
            { requiredKeys: [] },
          ),
          { maxLength: 4 },
        ),
      },
      { requiredKeys: [] },
    );
    const anyJson = fc.jsonValue({ maxDepth: 4 });
    fc.assert(
      fc.property(fc.oneof(shaped, anyJson), (value) => {
        let text: string | undefined;
        try {
          text = stringify(value);
        } catch {
          text = undefined;
        }
        fc.pre(text !== undefined);
        loadsOrExplains(text);
      }),
      { numRuns: RUNS },
    );
  });
});
