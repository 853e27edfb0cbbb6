import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { INLINE_MAX_BYTES } from '../../src/config/worker.js';

// A config file above INLINE_MAX_BYTES is parsed on a worker thread, which inherits the
// process's Node options: one of them, --input-type, makes a worker started from a file fail.
const dir = mkdtempSync(join(tmpdir(), 'pwworker-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LOAD = new URL('../../dist/config/load.js', import.meta.url).href;

describe('a large config read from a process started with --input-type', () => {
  it('is parsed on its worker all the same', () => {
    const hosts = Array.from({ length: 3000 }, (_, i) => `      - 127.0.${Math.floor(i / 250)}.${(i % 250) + 1}`);
    const text = `monitors:\n  - name: many\n    hosts:\n${hosts.join('\n')}\n    expect_closed: [23]\n`;
    expect(Buffer.byteLength(text)).toBeGreaterThan(INLINE_MAX_BYTES);
    const file = join(dir, 'portwatch.yml');
    writeFileSync(file, text);
    const script = `const { loadConfigFile } = await import(${JSON.stringify(LOAD)});
const config = await loadConfigFile(${JSON.stringify(file)});
console.log(config.monitors[0].hosts.length);`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(out.trim()).toBe('3000');
  });
});
