import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeState } from '../../src/storage/format.js';
import { loadState } from '../../src/storage/load.js';
import { snapshotOf } from '../../src/storage/snapshot.js';
import { filledStore, NOW } from '../metrics/fixture.js';
import { capture, filesIn, LEVEL } from './helpers.js';

// Reading at start: whatever is in the directory, portwatch starts, and says once why fresh.
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pwload-'));
  dirs.push(dir);
  return dir;
}

const AT = Date.UTC(2026, 10, 27, 10, 15, 0, 123);

describe('loadState', () => {
  it('reads a good file', async () => {
    const dir = tempDir();
    const text = [...encodeState(snapshotOf({ store: filledStore(), httpSd: () => [] }, NOW))].join('');
    writeFileSync(join(dir, 'state.json'), text);
    const { log, lines } = capture();
    const state = await loadState(dir, log);
    expect(state?.targets).toHaveLength(5);
    expect(state?.writtenAt).toBe(NOW);
    expect(lines).toEqual([]);
    expect(filesIn(dir)).toEqual(['state.json']);
  });

  it('starts fresh without a word above info when there is no file or no directory', async () => {
    const dir = tempDir();
    const { log, lines } = capture();
    expect(await loadState(join(dir, 'missing'), log)).toBeUndefined();
    expect(lines.map((l) => [l.level, l.msg, l['file']])).toEqual([
      [LEVEL.info, 'no saved state, starting fresh', join(dir, 'missing', 'state.json')],
    ]);
  });

  it.each([
    ['garbage', 'garbage\n', /^not valid JSON/],
    [
      'a foreign version',
      '{"format":"portwatch-state","version":9,"written_at":"2026-11-27T00:00:00Z"}',
      'format version 9, written by a newer portwatch; this one reads version 2',
    ],
  ])('sets %s aside, under a name of its own, with one warning', async (_what, content, problem) => {
    const dir = tempDir();
    writeFileSync(join(dir, 'state.json'), content);
    const { log, lines } = capture();
    expect(await loadState(dir, log, () => AT)).toBeUndefined();
    expect(filesIn(dir)).toEqual(['state.json.bad-20261127T101500.123Z']);
    expect(readFileSync(join(dir, 'state.json.bad-20261127T101500.123Z'), 'utf8')).toBe(content);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: LEVEL.warn,
      msg: 'saved state is unusable, set aside; starting fresh',
      file: join(dir, 'state.json'),
      setAside: join(dir, 'state.json.bad-20261127T101500.123Z'),
    });
    if (typeof problem === 'string') expect(lines[0]!['problem']).toBe(problem);
    else expect(lines[0]!['problem']).toMatch(problem);
  });

  it('warns once and starts fresh when the path cannot be read (parent a file, state.json a directory)', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'file'), '');
    mkdirSync(join(dir, 'odd', 'state.json'), { recursive: true });
    for (const [path, code] of [
      [join(dir, 'file', 'data'), 'ENOTDIR'],
      [join(dir, 'odd'), 'EISDIR'],
    ] as const) {
      const { log, lines } = capture();
      expect(await loadState(path, log)).toBeUndefined();
      expect(lines).toHaveLength(1);
      const msg = 'cannot read the saved state, starting fresh; see --storage.path';
      expect(lines[0]).toMatchObject({ level: LEVEL.warn, msg, err: { code } });
    }
    expect(filesIn(join(dir, 'odd'))).toEqual(['state.json']);
  });
});
