// The quick start's promise of a `portwatch` command: in a checkout, `npm run build` leaves
// dist/cli.js executable, `npx portwatch` runs it, and `npm install -g .` puts `portwatch` on
// PATH. Done in a copy of the checkout (its node_modules linked, npm offline), so that this
// build never rewrites the dist/ that other test files are running.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../alerts/stack.js';

const VERSION_LINE = /^portwatch \d+\.\d+\.\d+ \(node v\d+\.\d+\.\d+\)\n$/;
const CHECKOUT_FILES = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src', 'config'];

const dir = mkdtempSync(join(tmpdir(), 'portwatch-command-'));
const checkout = join(dir, 'checkout');
const prefix = join(dir, 'prefix');

function run(cmd: string, args: string[], cwd: string, path?: string): SpawnSyncReturns<string> {
  const env = { ...process.env, npm_config_update_notifier: 'false', ...(path === undefined ? {} : { PATH: path }) };
  return spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 120_000 });
}

function ok(r: SpawnSyncReturns<string>): string {
  expect(r.error, String(r.error)).toBeUndefined();
  expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

beforeAll(() => {
  for (const f of CHECKOUT_FILES) cpSync(join(ROOT, f), join(checkout, f), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(checkout, 'node_modules'));
  ok(run('npm', ['run', 'build', '--silent'], checkout));
}, 180_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the portwatch command', () => {
  it('npm run build makes dist/cli.js an executable script with a node shebang', () => {
    expect(statSync(join(checkout, 'dist/cli.js')).mode & 0o111).toBe(0o111);
    expect(ok(run(join(checkout, 'dist/cli.js'), ['--version'], dir))).toMatch(VERSION_LINE);
  });

  it('npx portwatch runs it in the checkout', () => {
    expect(ok(run('npx', ['--offline', 'portwatch', '--version'], checkout))).toMatch(VERSION_LINE);
    const usage = run('npx', ['--offline', 'portwatch', 'probe', '--help'], checkout);
    expect(ok(usage)).toMatch(/^usage: portwatch probe /);
  });

  it('npm install -g . puts portwatch on PATH, and it runs from any directory', () => {
    ok(run('npm', ['install', '-g', '.', '--prefix', prefix, '--offline', '--no-audit', '--no-fund'], checkout));
    const path = [join(prefix, 'bin'), process.env['PATH'] ?? ''].join(delimiter);
    expect(ok(run('portwatch', ['--version'], dir, path))).toMatch(VERSION_LINE);
    // Outside the checkout, with the dependencies of the checkout it links to.
    const check = run('portwatch', ['check-config', join(checkout, 'config/portwatch.yaml')], dir, path);
    expect(ok(check)).toMatch(/: OK: 1 monitors, \d+ host:port targets\n$/);
  });
});
