import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { isMap, isSeq, parseDocument } from 'yaml';
import { VANTAGE_RULES_FILE } from '../../deploy/generate.mjs';
import { findBinary, missingTool, read, ROOT } from './files.js';
import { describeOrSkip } from '../helpers/skip.js';

// The vantage rules are checked and unit-tested with the real promtool (Debian package
// prometheus). The unit tests run on a copy without annotations: they test when the two
// vantage rules fire and with which labels; the annotation text is that of portwatch.rules.yml.
const noPromtool = missingTool('promtool', 'Debian package prometheus; .ci/run installs it');

function promtool(args: string[]): { code: number | null; out: string } {
  const r = spawnSync(findBinary('promtool')!, args, { encoding: 'utf8', timeout: 30_000, cwd: ROOT });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describeOrSkip(noPromtool, 'vantage rules with promtool', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portwatch-vantage-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('pass promtool check rules', () => {
    const r = promtool(['check', 'rules', VANTAGE_RULES_FILE]);
    expect(r.out).toContain('SUCCESS');
    expect(r.code, r.out).toBe(0);
  });

  it('pass their promtool unit tests: exposed from any vantage point, unreachable only from all', () => {
    const doc = parseDocument(read(VANTAGE_RULES_FILE));
    const groups = doc.get('groups');
    if (!isSeq(groups)) throw new Error('no groups');
    for (const g of groups.items) {
      const rules = isMap(g) ? g.get('rules') : undefined;
      if (!isSeq(rules)) throw new Error('a group without rules');
      for (const r of rules.items) if (isMap(r)) r.delete('annotations');
    }
    writeFileSync(join(dir, 'portwatch-vantage.rules.yml'), doc.toString());
    copyFileSync(join(ROOT, 'test/deploy/promtool/portwatch-vantage.yml'), join(dir, 'portwatch-vantage.yml'));
    const r = promtool(['test', 'rules', join(dir, 'portwatch-vantage.yml')]);
    expect(r.code, r.out).toBe(0);
  });
});
