import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { patternProblem } from '../../src/config/file-patterns.js';
import { filePattern, listMatches } from '../../src/sd/glob.js';

describe('patternProblem', () => {
  it.each([
    ['targets/*.json'],
    ['targets/*.yml'],
    ['targets/web-*.yaml'],
    ['*.YAML'],
    ['/etc/portwatch/sd/hosts.json'],
    ['targets/web-[ab].json'],
    ['targets/web-[!ab]?.json'],
    ['targets/[]].json'],
  ])('accepts %j', (pattern) => {
    expect(patternProblem(pattern)).toBeUndefined();
  });

  it.each([
    ['', 'file pattern is empty'],
    ['targets/a\0.json', '"targets/a\\u0000.json" contains a NUL character'],
    ['zones/*/hosts.json', '"zones/*/hosts.json": wildcards are allowed only in the file name, not in its directories'],
    ['zone?/hosts.json', '"zone?/hosts.json": wildcards are allowed only in the file name, not in its directories'],
    [
      'zones/[ab]/hosts.json',
      '"zones/[ab]/hosts.json": wildcards are allowed only in the file name, not in its directories',
    ],
    ['targets/*.txt', '"targets/*.txt" must end in .json, .yml or .yaml'],
    ['targets/*', '"targets/*" must end in .json, .yml or .yaml'],
    ['targets/hosts.json.bak', '"targets/hosts.json.bak" must end in .json, .yml or .yaml'],
    ['targets/web-[ab.json', '"targets/web-[ab.json" has a "[" without its closing "]"'],
    ['targets/a[]b.json', '"targets/a[]b.json" has a "[" without its closing "]"'],
  ])('rejects %j', (pattern, message) => {
    expect(patternProblem(pattern)).toBe(message);
  });
});

describe('filePattern matching', () => {
  const matching = (pattern: string, names: string[]): string[] => {
    const p = filePattern(pattern, '/base');
    return names.filter(p.matches);
  };

  it('resolves the directory against the base directory, and keeps the pattern as written', () => {
    const p = filePattern('targets/*.json', '/etc/portwatch');
    expect(p.dir).toBe('/etc/portwatch/targets');
    expect(p.pattern).toBe('targets/*.json');
    expect(filePattern('/srv/sd/*.json', '/etc/portwatch').dir).toBe('/srv/sd');
  });

  it('* matches any run of characters, none included, but not a leading dot', () => {
    expect(
      matching('t/*.json', [
        'a.json',
        'web-1.json',
        '.json',
        '.a.json',
        'a.json.swp',
        '.a.json.swp',
        'a.yml',
        'A.JSON',
        'a.jsonx',
      ]),
    ).toEqual(['a.json', 'web-1.json']);
  });

  it('hidden files match only a pattern that names the dot', () => {
    expect(matching('t/.*.json', ['.a.json', 'a.json', '..json'])).toEqual(['.a.json', '..json']);
    expect(matching('t/?.json', ['a.json', '..json', '.x.json'])).toEqual(['a.json']);
    expect(matching('t/[.a]x.json', ['ax.json', '.x.json'])).toEqual(['ax.json']);
  });

  it('? matches exactly one character', () => {
    expect(matching('t/web-?.json', ['web-1.json', 'web-12.json', 'web-.json', 'web-a.json'])).toEqual([
      'web-1.json',
      'web-a.json',
    ]);
  });

  it('[...] matches one of a set or a range', () => {
    expect(
      matching('t/web-[ab].json', ['web-a.json', 'web-b.json', 'web-c.json', 'web-ab.json', 'web-[ab].json']),
    ).toEqual(['web-a.json', 'web-b.json']);
    expect(matching('t/web-[0-9].json', ['web-5.json', 'web-x.json', 'web-0.json'])).toEqual([
      'web-5.json',
      'web-0.json',
    ]);
    expect(matching('t/[]].json', ['].json', ']].json', 'a.json'])).toEqual(['].json']);
  });

  it('[!...] and [^...] match one character not in the set', () => {
    expect(matching('t/web-[!ab].json', ['web-a.json', 'web-b.json', 'web-c.json', 'web-.json'])).toEqual([
      'web-c.json',
    ]);
    expect(matching('t/web-[^ab].json', ['web-a.json', 'web-c.json'])).toEqual(['web-c.json']);
  });

  it('other characters match only themselves, regular-expression ones included', () => {
    expect(matching('t/a.b.json', ['a.b.json', 'aXb.json', 'a.bXjson'])).toEqual(['a.b.json']);
    expect(matching('t/a+(b)|c$.json', ['a+(b)|c$.json', 'aab.json', 'c.json'])).toEqual(['a+(b)|c$.json']);
    expect(matching('t/hosts.json', ['hosts.json', 'Hosts.json', 'hosts.json~'])).toEqual(['hosts.json']);
  });
});

describe('listMatches', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portwatch-glob-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists the matching files of the directory, sorted, as absolute paths', async () => {
    mkdirSync(join(dir, 'targets'));
    for (const name of ['b.json', 'a.json', '.hidden.json', 'c.yml', 'notes.txt'])
      writeFileSync(join(dir, 'targets', name), '[]');
    mkdirSync(join(dir, 'targets', 'sub.json'));
    expect(await listMatches(filePattern('targets/*.json', dir))).toEqual([
      join(dir, 'targets', 'a.json'),
      join(dir, 'targets', 'b.json'),
      join(dir, 'targets', 'sub.json'),
    ]);
    expect(await listMatches(filePattern('targets/*.y*ml', dir))).toEqual([join(dir, 'targets', 'c.yml')]);
  });

  it("reads an absolute pattern from its own directory, whatever the config file's directory", async () => {
    // Prometheus takes absolute file_sd paths as they are; only relative ones are read from the config's directory.
    expect(await listMatches(filePattern(join(dir, 'targets', '*.yml'), '/nonexistent-config-dir'))).toEqual([
      join(dir, 'targets', 'c.yml'),
    ]);
  });

  it('lists nothing when the directory does not exist', async () => {
    expect(await listMatches(filePattern('missing/*.json', dir))).toEqual([]);
  });
});
