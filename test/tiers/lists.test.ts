import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TIERS } from '../../vitest.config.js';

// The quick tier is every test file no other tier names: an entry left behind when a file moves
// puts that file's namespaces or processes back into the edit loop without a word.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TREE = /^(test(?:\/[\w.-]+)*)\/\*\*\/\*\.test\.ts$/;

/** The test files an entry names: itself, or every *.test.ts under its directory for `dir/**\/*.test.ts`. */
function filesOf(entry: string): string[] {
  const dir = TREE.exec(entry)?.[1];
  if (dir === undefined) return existsSync(join(ROOT, entry)) && entry.endsWith('.test.ts') ? [entry] : [];
  if (!existsSync(join(ROOT, dir))) return [];
  const names = readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' });
  return names.filter((name) => name.endsWith('.test.ts')).map((name) => `${dir}/${name}`);
}

// What puts a file in a named tier whatever else it does: a network namespace, or the built daemon.
const TIER_HELPERS = /(?:from|import) '(?:\.\.\/)+helpers\/(?:netns|daemon)\.js'/;

describe('the tier lists of vitest.config.ts', () => {
  const entries = Object.entries(TIERS).flatMap(([tier, list]) => list.map((entry) => ({ tier, entry })));

  it('name only test files that exist, or directories that hold some', () => {
    const stale = entries.filter(({ entry }) => filesOf(entry).length === 0);
    expect(stale, 'entries matching no test file').toEqual([]);
  });

  it('give every test file at most one tier, so that none runs twice', () => {
    const tierOf = new Map<string, string>();
    const twice: string[] = [];
    for (const { tier, entry } of entries) {
      for (const file of filesOf(entry)) {
        const other = tierOf.get(file);
        if (other !== undefined) twice.push(`${file} in ${other} and ${tier}`);
        tierOf.set(file, tier);
      }
    }
    expect(twice).toEqual([]);
  });

  it('leave no file in quick that makes a network namespace or starts the built daemon', () => {
    const tiered = new Set(entries.flatMap(({ entry }) => filesOf(entry)));
    const quick = filesOf('test/**/*.test.ts').filter((file) => !tiered.has(file));
    expect(quick.length).toBeGreaterThan(0);
    const misplaced = quick.filter((file) => TIER_HELPERS.test(readFileSync(join(ROOT, file), 'utf8')));
    expect(misplaced, 'files to name in a tier of vitest.config.ts').toEqual([]);
  });
});
