import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, posix } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LISTEN_ADDRESS, parseDaemonArgs } from '../../src/cli/flags.js';
import { DAEMON_NODE_FLAGS } from '../../src/cli/node-flags.js';
import { loadConfigFile } from '../../src/config/load.js';
import { parseListenAddress } from '../../src/http/listen-address.js';
import { startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';
import {
  execForm,
  exists,
  expandArgs,
  filesUnder,
  isIgnored,
  parseDockerfile,
  parseDockerignore,
  read,
  ROOT,
  splitOptions,
  type Instruction,
} from './files.js';

// What can be checked of the image without building it: every file it copies is in the
// build context, what it runs is what `npm run build` produces, its flags are flags the CLI
// accepts, and its port, user and health check are the daemon's.

const instructions = parseDockerfile(read('Dockerfile'));
const ignore = parseDockerignore(read('.dockerignore'));
const pkg = JSON.parse(read('package.json')) as {
  bin: Record<string, string>;
  scripts: Record<string, string>;
  engines: { node: string };
};
const DEFAULT_PORT = parseListenAddress(DEFAULT_LISTEN_ADDRESS).port;

interface Stage {
  name: string | undefined;
  image: string;
  /** `--platform` of its FROM, if any. */
  platform: string | undefined;
  workdir: string;
  /** Absolute paths copied or built in the stage, files or directories with all they hold. */
  paths: Set<string>;
  /** Repository path of each file or directory copied from the build context, by destination. */
  fromContext: Map<string, string>;
  /** `--chown` of each COPY destination that has one. */
  owners: Map<string, string>;
  instructions: Instruction[];
}

/** Whether `path` exists in the stage: copied or built there, inside such a path, or holding one. */
function known(stage: Stage, path: string): boolean {
  const p = posix.resolve(path);
  return [...stage.paths].some((q) => p === q || p.startsWith(`${q}/`) || q.startsWith(`${p}/`));
}

/** Paths a COPY from `from` of `src` makes under `target`: a directory's contents, or the file itself. */
function copiedPaths(from: Stage, src: string, target: string): string[] {
  const dir = posix.resolve(src);
  const inside = [...from.paths].filter((q) => q.startsWith(`${dir}/`));
  if (inside.length === 0) return [target];
  return inside.map((q) => posix.join(target, q.slice(dir.length + 1)));
}

/** tsconfig files a `tsc -p FILE` reads, following `extends` inside the repository. */
function tsconfigChain(file: string): { files: string[]; outDir: string | undefined; include: string[] } {
  const files: string[] = [];
  let outDir: string | undefined;
  let include: string[] | undefined;
  for (let f: string | undefined = file; f !== undefined;) {
    files.push(f);
    const json = JSON.parse(read(f)) as {
      extends?: string | string[];
      compilerOptions?: { outDir?: string };
      include?: string[];
    };
    outDir ??= json.compilerOptions?.outDir;
    include ??= json.include;
    const parent = [json.extends ?? []].flat().find((e) => e.startsWith('.'));
    f = parent === undefined ? undefined : posix.join(posix.dirname(f), parent);
  }
  return { files, outDir, include: include ?? [] };
}

/** A COPY: its destinations exist in `stage`, its sources must exist in the context or `stages`. */
function copy(stage: Stage, stages: Stage[], ins: Instruction, problems: string[]): void {
  const where = `Dockerfile:${ins.line}`;
  const { options, rest } = splitOptions(ins.args);
  const words = execForm(rest) ?? rest.split(/\s+/);
  const dest = words.pop()!;
  const sources = words;
  const intoDir = dest.endsWith('/') || dest === '.' || sources.length > 1;
  const from = options['from'] === undefined ? undefined : stages.find((s) => s.name === options['from']);
  if (options['from'] !== undefined && !from) {
    problems.push(`${where}: --from=${options['from']} is not an earlier stage`);
  }
  const chown = options['chown'];
  for (const src of sources) {
    // A source ending in / is a directory whose contents are copied, not the directory itself.
    const into = intoDir && !src.endsWith('/');
    const target = posix.resolve(stage.workdir, into ? posix.join(dest, basename(src)) : dest);
    const made = from ? copiedPaths(from, src, target) : [target];
    for (const path of made) {
      stage.paths.add(path);
      if (chown !== undefined) stage.owners.set(path, chown);
    }
    if (chown !== undefined) stage.owners.set(target, chown);
    if (from) {
      if (!known(from, src)) problems.push(`${where}: ${src} does not exist in stage ${from.name}`);
      const repo = from.fromContext.get(src);
      if (repo !== undefined) stage.fromContext.set(target, repo);
      continue;
    }
    if (!exists(src)) problems.push(`${where}: ${src} is not in the repository`);
    else if (filesUnder(src).every((f) => isIgnored(ignore, f))) {
      problems.push(`${where}: ${src} is left out of the build context by .dockerignore`);
    } else {
      const leftOut = filesUnder(src).filter((f) => isIgnored(ignore, f));
      const list = leftOut.join(', ');
      if (leftOut.length > 0) problems.push(`${where}: .dockerignore leaves out ${list}, copied by this COPY`);
    }
    stage.fromContext.set(target, src);
  }
}

/** A RUN: what its `mkdir -p`, `npm ci` and `npm run <tsc script>` commands need and make. */
function run(stage: Stage, ins: Instruction, problems: string[]): void {
  const where = `Dockerfile:${ins.line}`;
  const has = (f: string): boolean => stage.paths.has(posix.join(stage.workdir, f));
  for (const command of ins.args.split(/\s*&&\s*/)) {
    const mkdir = /^mkdir -p (\S+)$/.exec(command);
    if (mkdir) stage.paths.add(posix.resolve(stage.workdir, mkdir[1]!));
    if (/^npm ci\b/.test(command)) {
      for (const f of ['package.json', 'package-lock.json']) {
        if (!has(f)) problems.push(`${where}: npm ci without ${f} in ${stage.workdir}`);
      }
      stage.paths.add(posix.join(stage.workdir, 'node_modules'));
    }
    const script = /^npm run (\S+)/.exec(command);
    if (!script) continue;
    const tsc = /^tsc -p (\S+)$/.exec(pkg.scripts[script[1]!] ?? '');
    if (!tsc) {
      problems.push(`${where}: npm run ${script[1]} is not a "tsc -p FILE" script this test understands`);
      continue;
    }
    const chain = tsconfigChain(tsc[1]!);
    for (const f of chain.files) if (!has(f)) problems.push(`${where}: ${f} (read by tsc) was not copied`);
    for (const dir of chain.include) if (!has(dir)) problems.push(`${where}: ${dir} (compiled by tsc) was not copied`);
    if (!has('node_modules')) problems.push(`${where}: tsc runs before npm ci`);
    if (chain.outDir === undefined) problems.push(`${where}: ${tsc[1]} has no outDir`);
    else stage.paths.add(posix.join(stage.workdir, chain.outDir));
  }
}

/** A FROM: a new stage, starting from an earlier one when it names it. */
function newStage(ins: Instruction, args: ReadonlyMap<string, string>, stages: Stage[]): Stage {
  const m = /^(?:--platform=(\S+)\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
  const image = expandArgs(m![2]!, args);
  const parent = stages.find((s) => s.name === image);
  return {
    name: m![3],
    image: parent?.image ?? image,
    platform: m![1],
    workdir: parent?.workdir ?? '/',
    paths: new Set(parent?.paths ?? []),
    fromContext: new Map(parent?.fromContext ?? []),
    owners: new Map(parent?.owners ?? []),
    instructions: [],
  };
}

/** Walks the Dockerfile as the builder would, recording what exists in each stage. */
function simulate(): { stages: Stage[]; problems: string[] } {
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  const problems: string[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'ARG' && stages.length === 0) {
      const [name, value] = ins.args.split('=');
      if (value !== undefined) args.set(name!, value);
      continue;
    }
    if (ins.keyword === 'FROM') {
      stages.push(newStage(ins, args, stages));
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) {
      problems.push(`Dockerfile:${ins.line}: ${ins.keyword} before FROM`);
      continue;
    }
    stage.instructions.push(ins);
    // WORKDIR makes an empty directory: what is under it exists only once copied or built there.
    if (ins.keyword === 'WORKDIR') stage.workdir = posix.resolve(stage.workdir, ins.args);
    else if (ins.keyword === 'COPY') copy(stage, stages, ins, problems);
    else if (ins.keyword === 'RUN') run(stage, ins, problems);
  }
  return { stages, problems };
}

const { stages, problems } = simulate();
const final = stages.at(-1)!;
const last = (keyword: string): Instruction | undefined =>
  final.instructions.filter((i) => i.keyword === keyword).at(-1);
/** Where the final stage holds the application: the directory package.json was copied into. */
const appDir = posix.dirname([...final.paths].find((p) => p.endsWith('/package.json')) ?? '/package.json-not-copied');

describe('Dockerfile', () => {
  it('copies only what exists, and runs only what the build stage produced', () => {
    expect(problems).toEqual([]);
  });

  it('builds in one stage and runs in another, on the same current Node.js LTS', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const images = new Set(stages.map((s) => s.image));
    expect(images.size).toBe(1);
    const m = /^node:(\d+)-/.exec([...images][0]!);
    expect(m, 'a node:<major>-<variant> image').not.toBeNull();
    const major = Number(m![1]);
    // JavaScript is the same everywhere: compiled once on the builder's platform, not emulated.
    expect(stages.slice(0, -1).map((s) => s.platform)).toEqual(stages.slice(0, -1).map(() => '$BUILDPLATFORM'));
    expect(final.platform, 'the final stage is of the platform built for').toBeUndefined();
    expect(major % 2, 'an LTS line (even major)').toBe(0);
    expect(major).toBeGreaterThanOrEqual(Number(/\d+/.exec(pkg.engines.node)![0]));
    // The compiler stays in the build stage: the image only installs or prunes to production.
    expect(final.instructions.filter((i) => i.keyword === 'RUN')).toEqual([]);
    const build = stages.find((s) => s.instructions.some((i) => /npm prune --omit=dev/.test(i.args)));
    expect(build, 'a stage that prunes the dev dependencies').toBeDefined();
  });

  it("runs the CLI of package.json as ENTRYPOINT, with the daemon's Node.js flags", () => {
    const entrypoint = execForm(last('ENTRYPOINT')!.args)!;
    const cli = posix.join(appDir, pkg.bin['portwatch']!);
    expect(entrypoint).toEqual(['node', ...DAEMON_NODE_FLAGS, cli]);
    expect(known(final, cli)).toBe(true);
    const packageJson = posix.join(appDir, 'package.json');
    expect(final.paths.has(packageJson), 'package.json next to dist/, for the version').toBe(true);
    expect(final.paths.has(posix.join(appDir, 'node_modules'))).toBe(true);
  });

  it('starts the daemon with the same Node.js flags in npm start', () => {
    const start = pkg.scripts['start']!.split(' ');
    expect(start.slice(0, DAEMON_NODE_FLAGS.length + 2)).toEqual(['node', ...DAEMON_NODE_FLAGS, pkg.bin['portwatch']]);
  });

  it('passes in CMD only flags the daemon accepts, with the config it copied to /etc/portwatch', async () => {
    const cmd = execForm(last('CMD')!.args)!;
    const args = parseDaemonArgs(cmd, () => 'not-a-statefulset-pod');
    expect(args.kind).toBe('run');
    const flags = args.kind === 'run' ? args.flags : expect.unreachable();
    expect(flags.configFile).toBe('/etc/portwatch/portwatch.yaml');
    const source = final.fromContext.get(flags.configFile);
    expect(source, `${flags.configFile} is copied from the repository`).toBeDefined();
    await expect(loadConfigFile(join(ROOT, source!))).resolves.toBeDefined();
    // Without --config.file the daemon reads the embedded default next to dist/.
    expect(final.paths.has(posix.join(appDir, 'config'))).toBe(true);
  });

  it('works in /var/lib/portwatch, a VOLUME owned by the user it runs as', () => {
    expect(final.workdir).toBe('/var/lib/portwatch');
    expect(last('VOLUME')?.args).toBe(final.workdir);
    const made = final.paths.has(final.workdir);
    expect(made, `${final.workdir} is made by a COPY, not by WORKDIR (owned by root)`).toBe(true);
    expect(final.owners.get(final.workdir)).toBe(last('USER')!.args);
    // Relative paths (the state portwatch keeps) land on the volume, never inside the application.
    expect(final.workdir.startsWith(`${appDir}/`)).toBe(false);
  });

  it('exposes the default listen port', () => {
    expect(last('EXPOSE')!.args.split(/\s+/)).toEqual([`${DEFAULT_PORT}`]);
  });

  it('runs as a numeric non-root user, with no capabilities added', () => {
    const user = last('USER')!.args;
    const [uid] = user.split(':');
    expect(uid, 'numeric, so that Kubernetes runAsNonRoot can verify it').toMatch(/^\d+$/);
    expect(Number(uid)).not.toBe(0);
    expect(instructions.map((i) => i.args).join('\n')).not.toMatch(/setcap|cap_net|--privileged/i);
  });

  it('has a HEALTHCHECK that asks /-/healthy on the default port with Node.js itself', () => {
    const { options, rest } = splitOptions(last('HEALTHCHECK')!.args);
    expect(Object.keys(options).sort()).toEqual(['interval', 'retries', 'start-period', 'timeout']);
    const cmd = execForm(rest.replace(/^CMD\s+/, ''))!;
    expect(cmd.slice(0, 2)).toEqual(['node', '-e']);
    expect(cmd[2]).toContain(`http://127.0.0.1:${DEFAULT_PORT}/-/healthy`);
  });
});

describe('the HEALTHCHECK command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portwatch-docker-'));
  let daemon: RunningDaemon;
  const script = (): string => execForm(splitOptions(last('HEALTHCHECK')!.args).rest.replace(/^CMD\s+/, ''))![2]!;
  const runAgainst = (port: number): number | null =>
    spawnSync(process.execPath, ['-e', script().replace(`:${DEFAULT_PORT}/`, `:${port}/`)], { timeout: 10_000 }).status;

  beforeAll(async () => {
    const config = join(dir, 'portwatch.yaml');
    writeFileSync(
      config,
      'defaults: {interval: 1h}\nmonitors:\n  - name: self\n    hosts: [127.0.0.1]\n    expect_closed: [1]\n',
    );
    daemon = await startDaemon([`--config.file=${config}`]);
  });

  afterAll(async () => {
    await daemon?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits 0 against a running portwatch', () => {
    expect(runAgainst(daemon.port)).toBe(0);
  });

  it('exits 1 when nothing answers', async () => {
    expect(runAgainst(await freePort())).toBe(1);
  });
});

describe('.dockerignore', () => {
  it('leaves out node_modules, dist and .git, wherever they are', () => {
    for (const path of [
      'node_modules/yaml/package.json',
      'dist/cli.js',
      '.git/HEAD',
      'src/node_modules/x.js',
      'config/dist/x',
    ]) {
      expect(isIgnored(ignore, path), path).toBe(true);
    }
  });

  it('keeps the sources in', () => {
    for (const path of [
      'package.json',
      'package-lock.json',
      'tsconfig.build.json',
      'src/cli.ts',
      'config/portwatch.yaml',
    ]) {
      expect(isIgnored(ignore, path), path).toBe(false);
    }
  });

  it('is read the way Docker reads it', () => {
    const p = parseDockerignore('*\n!src\n**/*.log\n!keep.log\n/docs/\n');
    expect(isIgnored(p, 'README.md')).toBe(true);
    expect(isIgnored(p, 'src/a/b.ts')).toBe(false);
    expect(isIgnored(p, 'src/a/debug.log')).toBe(true);
    expect(isIgnored(p, 'keep.log')).toBe(false);
    expect(isIgnored(p, 'docs/x.md')).toBe(true);
  });
});
