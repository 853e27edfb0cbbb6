import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Tests that run portwatch as a process (the CLI, the daemon, probes in a child process or a
// network namespace) need dist/ to match src/. dist/ is built again only when something it is
// made from changed since this setup last built it, so a run after no change to src/ builds nothing.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// Outside dist/, which is what the package ships.
const STAMP = 'node_modules/.cache/portwatch/dist-built-for-tests';
// Beside src/, the compiler's settings and version decide what dist/ holds.
const INPUTS = ['tsconfig.json', 'tsconfig.build.json', 'node_modules/typescript/package.json'];

/** Whether this setup built dist/ after every input last changed, and dist/ has every module of src/. */
export function distIsCurrent(root: string): boolean {
  const stamp = join(root, STAMP);
  if (!existsSync(stamp)) return false;
  const sources = readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' }).map((f) => join('src', f));
  // Directories count too: removing or renaming a file changes its directory's time.
  const newest = Math.max(...[...sources, ...INPUTS].map((f) => statSync(join(root, f)).mtimeMs));
  const modules = sources.filter((f) => f.endsWith('.ts')).map((f) => join('dist', f.slice(4, -3) + '.js'));
  return newest <= statSync(stamp).mtimeMs && modules.every((f) => existsSync(join(root, f)));
}

/** Marks dist/ as built from the inputs as they were at `started`: anything saved later is newer. */
export function stampDist(root: string, started: Date): void {
  const stamp = join(root, STAMP);
  mkdirSync(dirname(stamp), { recursive: true });
  writeFileSync(stamp, '');
  utimesSync(stamp, started, started);
}

// Type errors are `npm run typecheck`'s to report (npm test runs it first), so the build only
// emits (--noCheck): every module compiles on its own (isolatedModules), so the files are those of
// `npm run build` (test/tiers/build.test.ts checks it). A failing tsc only warns and stamps nothing.
export default function setup(): void {
  if (distIsCurrent(ROOT)) return;
  const started = new Date();
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--noCheck'], { cwd: ROOT, stdio: 'pipe' });
  } catch (err) {
    const out = (err as { stdout?: Buffer }).stdout?.toString() ?? String(err);
    process.stderr.write(`warning: tsc reported errors while building dist/ for tests:\n${out}\n`);
    return;
  }
  stampDist(ROOT, started);
}
