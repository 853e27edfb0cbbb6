// Builds the repository's Dockerfile with Debian's podman and opens the result for a test,
// without a container runtime: crun cannot start containers under these machines' cgroup
// setup, so the image's filesystem is mounted (`podman image mount`) and run with chroot.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { filesUnder, isIgnored, parseDockerignore, read, ROOT } from '../files.js';

const STAND_IN_SCRIPT = join(ROOT, 'test/deploy/image/stand-in-base.sh');
/** Built images are tagged with a hash of their inputs, so an unchanged tree is not built again. */
export const TEST_REPOSITORY = 'localhost/portwatch-test';

export interface ImageConfig {
  User: string;
  WorkingDir: string;
  Entrypoint: string[];
  Cmd: string[];
  Env: string[];
  Volumes?: Record<string, object>;
  ExposedPorts?: Record<string, object>;
  Healthcheck?: { Test: string[] } | undefined;
}

interface Run {
  code: number | null;
  stdout: string;
  /** stdout and stderr, for error messages. */
  all: string;
}

function run(cmd: string, args: string[], timeoutMs: number): Run {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  return {
    code: r.status,
    stdout: r.stdout ?? '',
    all: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`,
  };
}

/** The command's stdout; its whole output in the error when it fails. */
function must(cmd: string, args: string[], timeoutMs: number, what: string): string {
  const r = run(cmd, args, timeoutMs);
  if (r.code !== 0) {
    throw new Error(`${what} failed (${cmd} ${args.join(' ')}, exit ${r.code}):\n${r.all.slice(-4000)}`);
  }
  return r.stdout;
}

/**
 * The base to build on: PORTWATCH_TEST_NODE_IMAGE where a registry serves the official node
 * images (pulled), else the stand-in for node:24-trixie-slim (made once, then taken from
 * podman's store).
 */
export function baseImage(): string {
  const official = process.env['PORTWATCH_TEST_NODE_IMAGE'];
  if (official) {
    must('podman', ['pull', '--quiet', official], 10 * 60_000, `podman pull ${official}`);
    return official;
  }
  const out = must('bash', [STAND_IN_SCRIPT, '24'], 30 * 60_000, 'making the stand-in base image');
  return out.trim().split('\n').at(-1)!;
}

function imageId(image: string): string {
  return must(
    'podman',
    ['image', 'inspect', '--format', '{{.Id}}', image],
    60_000,
    `podman image inspect ${image}`,
  ).trim();
}

/** Files of the build context, as .dockerignore leaves them: top-level entries let in, then their files. */
function contextFiles(): string[] {
  const ignore = parseDockerignore(read('.dockerignore'));
  const top = readdirSync(ROOT).filter((name) => !isIgnored(ignore, name));
  return top
    .flatMap((name) => filesUnder(name))
    .filter((f) => !isIgnored(ignore, f))
    .sort();
}

/** A tag naming the Dockerfile, the build context and the base image's id. */
function inputsTag(baseId: string): string {
  const hash = createHash('sha256').update(`base ${baseId}\n`);
  for (const f of ['Dockerfile', '.dockerignore', ...contextFiles()]) {
    hash.update(`${f} ${statSync(join(ROOT, f)).mode & 0o111 ? 'x' : '-'}\n`).update(readFileSync(join(ROOT, f)));
  }
  return `${TEST_REPOSITORY}:${hash.digest('hex').slice(0, 16)}`;
}

/**
 * Builds the Dockerfile on `base` as `docker build` would (docker format, so HEALTHCHECK is
 * kept), or takes the image built from the same inputs before; test images of other inputs
 * that are more than a day old are removed.
 */
export function buildImage(base: string, log: (line: string) => void): string {
  const tag = inputsTag(imageId(base));
  if (run('podman', ['image', 'exists', tag], 60_000).code === 0) {
    log(`image: ${tag} was built from these inputs already`);
    return tag;
  }
  const started = Date.now();
  must(
    'podman',
    [
      'build',
      '--isolation=chroot',
      '--network=host',
      '--format=docker',
      '--build-arg',
      `NODE_IMAGE=${base}`,
      '--tag',
      tag,
      '.',
    ],
    30 * 60_000,
    'podman build of the Dockerfile',
  );
  log(`image: built ${tag} in ${Math.round((Date.now() - started) / 1000)} s`);
  // Only images older than a day: another checkout's run may be using a younger one.
  const list = [
    'images',
    '--filter',
    `reference=${TEST_REPOSITORY}`,
    '--filter',
    'until=24h',
    '--format',
    '{{.Repository}}:{{.Tag}}',
  ];
  for (const old of must('podman', list, 60_000, 'podman images').split('\n')) {
    if (old.startsWith(`${TEST_REPOSITORY}:`) && old !== tag) run('podman', ['rmi', old], 60_000);
  }
  return tag;
}

/** The image's run-time settings; podman reports the HEALTHCHECK beside them, not in them. */
export function imageConfig(image: string): ImageConfig {
  const inspect = must('podman', ['image', 'inspect', image], 60_000, 'podman image inspect');
  const [info] = JSON.parse(inspect) as { Config: ImageConfig; Healthcheck?: ImageConfig['Healthcheck'] }[];
  return { ...info!.Config, Healthcheck: info!.Config.Healthcheck ?? info!.Healthcheck };
}

/** Mounts the image's filesystem (read-only) and returns its path. */
export function mountImage(image: string): string {
  return must('podman', ['image', 'mount', image], 60_000, 'podman image mount').trim();
}

export function unmountImage(image: string): void {
  run('podman', ['image', 'unmount', image], 60_000);
}
