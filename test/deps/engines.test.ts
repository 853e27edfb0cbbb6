// package.json says Node.js >= 20. npm must agree: installing the locked tree on this Node
// prints no EBADENGINE (npm's own engine check, made strict), and no package portwatch runs
// (the dependencies, not the dev tools) asks more than our engines range. The override that
// keeps fastify's inject helper on a Node-20 cookie package must leave inject working.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fastify } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../alerts/stack.js';

// semver is the library npm itself uses for ranges; it ships no types of its own.
const semver = createRequire(import.meta.url)('semver') as { subset(sub: string, dom: string): boolean };

interface LockedPackage {
  dev?: boolean;
  engines?: Record<string, string> | string[];
}

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockedPackage>;
};
const dir = mkdtempSync(join(tmpdir(), 'portwatch-engines-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Node.js versions', () => {
  it('npm installs the locked tree on this Node with --engine-strict', () => {
    for (const f of ['package.json', 'package-lock.json']) copyFileSync(join(ROOT, f), join(dir, f));
    const args = [
      'install',
      '--dry-run',
      '--engine-strict',
      '--ignore-scripts',
      '--offline',
      '--no-audit',
      '--no-fund',
    ];
    const r = spawnSync('npm', args, { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/EBADENGINE|notsup/);
    expect(r.status, r.stderr).toBe(0);
  });

  it(`every runtime dependency supports every Node.js our engines admit (${pkg.engines.node})`, () => {
    const narrower = Object.entries(lock.packages)
      .filter(([path, p]) => path !== '' && p.dev !== true)
      .flatMap(([path, p]) => {
        const node = Array.isArray(p.engines) ? undefined : p.engines?.['node'];
        return node === undefined || semver.subset(pkg.engines.node, node) ? [] : [`${path}: node ${node}`];
      });
    expect(narrower).toEqual([]);
  });

  it('fastify inject still sends cookies (light-my-request with the cookie package it is given)', async () => {
    const app = fastify();
    app.get('/', (request) => Promise.resolve(request.headers.cookie ?? ''));
    const res = await app.inject({ method: 'GET', url: '/', cookies: { session: 'a b', theme: 'dark' } });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('session=a%20b; theme=dark');
    await app.close();
  });
});
