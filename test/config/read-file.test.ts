import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeText, readRegularFile } from '../../src/config/read-file.js';

// Files are read only when regular, up to a size, within a deadline: real files, a real FIFO
// and the kernel's own files.

const LIMIT = { maxBytes: 1024, what: 'test files' };

async function refusal(path: string, limit = LIMIT): Promise<string> {
  return readRegularFile(path, limit).then(
    () => 'read',
    (err: unknown) => (err as Error).message,
  );
}

describe('readRegularFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portwatch-read-file-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a regular file whole, up to its limit', async () => {
    const file = join(dir, 'ok.yaml');
    writeFileSync(file, 'x'.repeat(1024));
    expect((await readRegularFile(file, LIMIT)).toString()).toBe('x'.repeat(1024));
  });

  it('refuses a file over its limit, saying how large it is', async () => {
    const file = join(dir, 'big.yaml');
    writeFileSync(file, 'x'.repeat(1025));
    expect(await refusal(file)).toBe('the file is 1,025 bytes; portwatch reads test files of at most 1 KiB');
  });

  it('refuses what is not a regular file, at once: a FIFO nobody writes to, a directory, a device', async () => {
    const fifo = join(dir, 'pipe.yaml');
    execFileSync('mkfifo', [fifo]);
    expect(await refusal(fifo)).toBe('it is a named pipe (FIFO), not a regular file');
    expect(await refusal(dir)).toBe('it is a directory, not a regular file');
    expect(await refusal('/dev/zero')).toBe('it is a character device, not a regular file');
  });

  it('reads a file whose size the kernel gives as 0 to its end, and not past the limit', async () => {
    const status = (
      await readRegularFile('/proc/self/status', { maxBytes: 1024 * 1024, what: 'test files' })
    ).toString();
    expect(status).toMatch(/^Name:/);
    expect(status).toMatch(/VmRSS:/);
    expect(await refusal('/proc/self/status', { maxBytes: 16, what: 'test files' })).toBe(
      'the file is larger than 16 bytes, the most portwatch reads of test files',
    );
  });

  it('says what the system said of a file it cannot open', async () => {
    expect(await refusal(join(dir, 'missing.yaml'))).toMatch(/^ENOENT: no such file or directory/);
  });
});

describe('decodeText', () => {
  it('takes UTF-8, keeping a byte-order mark for the parser to judge', () => {
    expect(decodeText(Buffer.from('\ufeffa: ü'), true)).toEqual({ ok: true, text: '\ufeffa: ü' });
  });

  it('says where text stops being UTF-8, or makes bad bytes U+FFFD when told to', () => {
    const bytes = Buffer.from('a: M\xfcnchen', 'latin1');
    expect(decodeText(bytes, true)).toEqual({ ok: false, offset: 4 });
    expect(decodeText(bytes, false)).toEqual({ ok: true, text: 'a: M\ufffdnchen' });
  });
});
