import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { distIsCurrent, stampDist } from '../helpers/build.js';

// The test set-up skips building dist/ when it is current: a wrong "current" would run the
// process tests against an old build, so each way of going out of date is tried on a small tree.

let root: string;
const at = (seconds: number) => new Date(1_800_000_000_000 + seconds * 1000);

function write(file: string, seconds: number): void {
  const path = join(root, file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, '');
  utimesSync(path, at(seconds), at(seconds));
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'pw-gate-'));
  for (const file of ['tsconfig.json', 'tsconfig.build.json', 'node_modules/typescript/package.json']) write(file, 0);
  for (const file of ['src/cli.ts', 'src/probe/tcp.ts']) write(file, 0);
  for (const dir of ['src', 'src/probe']) utimesSync(join(root, dir), at(0), at(0));
  for (const file of ['dist/cli.js', 'dist/probe/tcp.js']) write(file, 20);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('dist/ for the tests', () => {
  it('is current once stamped after its inputs last changed, and not before any stamp', () => {
    expect(distIsCurrent(root)).toBe(false);
    stampDist(root, at(10));
    expect(distIsCurrent(root)).toBe(true);
  });

  it('is out of date when a source, a tsconfig or the compiler changed after the stamp', () => {
    stampDist(root, at(10));
    for (const file of ['src/probe/tcp.ts', 'tsconfig.build.json', 'node_modules/typescript/package.json']) {
      write(file, 11);
      expect(distIsCurrent(root), file).toBe(false);
      write(file, 0);
    }
  });

  it('is out of date when a source was saved while the build ran, after the build began', () => {
    stampDist(root, at(10));
    write('src/cli.ts', 10.5);
    expect(distIsCurrent(root)).toBe(false);
  });

  it('is out of date when a module is missing from dist/, or a source is added or removed', () => {
    stampDist(root, at(10));
    rmSync(join(root, 'dist/probe/tcp.js'));
    expect(distIsCurrent(root)).toBe(false);
    write('dist/probe/tcp.js', 20);
    write('src/probe/udp.ts', 0);
    expect(distIsCurrent(root)).toBe(false);
    rmSync(join(root, 'src/probe/udp.ts'));
    utimesSync(join(root, 'src/probe'), at(12), at(12));
    expect(distIsCurrent(root)).toBe(false);
  });
});
