import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';

// test/helpers/build.ts builds dist/ with --noCheck for speed: the promise that this emits what
// `npm run build` does holds only while every module compiles on its own, which a change to the
// tsconfig files could end.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const dir = mkdtempSync(join(tmpdir(), 'pw-emit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs tsc on tsconfig.build.json into `outDir` with `flags`; type errors are typecheck's to report. */
async function emit(outDir: string, flags: string[]): Promise<void> {
  const args = [TSC, '-p', 'tsconfig.build.json', '--outDir', outDir, ...flags];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: 'ignore' });
  await once(child, 'close');
}

function files(outDir: string): Map<string, string> {
  const names = readdirSync(outDir, { recursive: true, encoding: 'utf8', withFileTypes: false });
  const texts = new Map<string, string>();
  for (const name of names.sort()) {
    try {
      texts.set(name, readFileSync(join(outDir, name), 'utf8'));
    } catch {
      // A directory: its files are listed on their own.
    }
  }
  return texts;
}

it('emits with --noCheck the same files, byte for byte, as the build that type-checks', async () => {
  const checked = join(dir, 'checked');
  const unchecked = join(dir, 'unchecked');
  await Promise.all([emit(checked, []), emit(unchecked, ['--noCheck'])]);
  const want = files(checked);
  expect(want.has('cli.js')).toBe(true);
  const got = files(unchecked);
  expect([...got.keys()]).toEqual([...want.keys()]);
  for (const [name, text] of want) expect(got.get(name), name).toBe(text);
}, 240_000);
