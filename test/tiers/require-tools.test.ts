import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The promise of PORTWATCH_REQUIRE_TOOLS=1, checked on a real vitest run: a test that cannot run
// here is skipped with its reason without the variable, and fails with it under the variable.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CONFIG = 'test/tiers/fixture/vitest.config.ts';

interface Run {
  code: number | null;
  output: string;
}

function vitest(requireTools: boolean): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', PORTWATCH_REQUIRE_TOOLS: requireTools ? '1' : '' };
  delete env['FORCE_COLOR'];
  // The vitest that runs this file, not whatever `npx` finds first.
  const bin = fileURLToPath(new URL('../../node_modules/vitest/vitest.mjs', import.meta.url));
  const child = spawn(process.execPath, [bin, 'run', '--config', CONFIG], { cwd: ROOT, env });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 100_000);
  return new Promise((resolve) => {
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('a test needing a tool this machine lacks', () => {
  it('is skipped with its reason when PORTWATCH_REQUIRE_TOOLS is not set', async () => {
    const { code, output } = await vitest(false);
    expect(code, output).toBe(0);
    expect(output).toContain('vitest: 1 passed, 0 failed, 3 skipped');
    const reason = 'portwatch-no-such-tool not found on PATH (a name no package installs)';
    expect(output).toContain(`skipped: a suite needing the missing tool: ${reason}`);
    expect(output).toContain('skipped: a test needing the missing tool: portwatch-no-such-tool not found');
    expect(output).toContain('skipped: a test finding out it needs the missing tool: portwatch-no-such-tool');
  }, 120_000);

  it('fails, saying what is missing, under PORTWATCH_REQUIRE_TOOLS=1', async () => {
    const { code, output } = await vitest(true);
    expect(code, output).toBe(1);
    expect(output).toContain('vitest: 1 passed, 3 failed, 0 skipped');
    const said = output.match(/PORTWATCH_REQUIRE_TOOLS=1 but portwatch-no-such-tool not found on PATH/g) ?? [];
    expect(said.length, output).toBeGreaterThanOrEqual(3);
  }, 120_000);
});
