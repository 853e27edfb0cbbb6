import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  importProblems,
  mapProblems,
  parseFolderMap,
  staleExceptions,
  type KnownException,
} from './layers/folder-map.js';
import { findCycles, readImportGraph, unitGraph } from './layers/import-graph.js';

const repo = new URL('..', import.meta.url).pathname;
const rows = parseFolderMap(readFileSync(join(repo, 'CONTRIBUTING.md'), 'utf8'));

/** Up-imports other #15 branches remove; each goes from this list when its fix is on main. */
const EXCEPTIONS: readonly KnownException[] = [];

describe('the import graph of src/ follows the folder map of CONTRIBUTING.md', () => {
  const graph = readImportGraph(join(repo, 'src'));

  it('reads a map of every layer, each row allowing only lower layers', () => {
    expect(rows.map((row) => row.unit)).toEqual(expect.arrayContaining(['types', 'config', 'probe', 'daemon', 'cli']));
    expect(mapProblems(rows)).toEqual([]);
  });

  it('imports nothing the map does not allow', () => {
    expect(importProblems(graph, rows, EXCEPTIONS)).toEqual([]);
  });

  it('lists as exceptions only imports that still exist', () => {
    expect(staleExceptions(graph, EXCEPTIONS)).toEqual([]);
  });

  it('has no import cycle between files', () => {
    expect(findCycles(graph)).toEqual([]);
  });

  it('has no import cycle between folders, the exceptions aside', () => {
    const excepted = new Set(EXCEPTIONS.map((e) => `${e.from} -> ${e.to}`));
    const allowed = new Map([...graph].map(([file, to]) => [file, to.filter((t) => !excepted.has(`${file} -> ${t}`))]));
    expect(findCycles(unitGraph(allowed))).toEqual([]);
  });
});

describe('the import-graph check on a planted tree', () => {
  const root = mkdtempSync(join(tmpdir(), 'portwatch-layers-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const plant = (files: Record<string, string>): string => {
    const dir = mkdtempSync(join(root, 'src-'));
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), text);
    }
    return dir;
  };

  it('reads static, type-only, re-exported, side-effect and dynamic imports, and no packages', () => {
    const dir = plant({
      'daemon.ts': [
        "import { a } from './config/a.js';",
        "import type { B } from './probe/b.js';",
        "export { c } from './state/c.js';",
        "import './log/d.js';",
        "const e = await import('./http/e.js');",
        "import { pino } from 'pino';",
        "import { readFileSync } from 'node:fs';",
      ].join('\n'),
    });
    const targets = ['config/a.ts', 'probe/b.ts', 'state/c.ts', 'log/d.ts', 'http/e.ts'];
    expect(readImportGraph(dir).get('daemon.ts')).toEqual(targets);
  });

  it('reports an up-import: config importing the daemon', () => {
    const dir = plant({
      'types.ts': 'export type T = 1;\n',
      'config/load.ts': "import type { T } from '../types.js';\nimport { Daemon } from '../daemon.js';\n",
      'daemon.ts': "import { load } from './config/load.js';\n",
    });
    expect(importProblems(readImportGraph(dir), rows)).toEqual([
      'config/load.ts imports daemon.ts, but config may import only types',
    ]);
  });

  it('passes the same up-import when it is a listed exception, and reports the exception once it is gone', () => {
    const dir = plant({ 'config/load.ts': "import { Daemon } from '../daemon.js';\n", 'daemon.ts': '' });
    const graph = readImportGraph(dir);
    const exception = { from: 'config/load.ts', to: 'daemon.ts', issue: 15 };
    expect(importProblems(graph, rows, [exception])).toEqual([]);
    const gone = { from: 'config/load.ts', to: 'probe/tcp.ts', issue: 15 };
    expect(staleExceptions(graph, [exception, gone])).toEqual([gone]);
  });

  it('reports a file outside the map, and an import between two folders of one layer', () => {
    const dir = plant({
      'plugins/x.ts': "import { y } from '../types.js';\n",
      'storage/save.ts': "import { render } from '../metrics/render.js';\n",
    });
    expect(importProblems(readImportGraph(dir), rows)).toEqual([
      'plugins/x.ts: plugins is not in the folder map',
      'storage/save.ts imports metrics/render.ts, but storage may import only state, sd, types',
    ]);
  });

  it('finds a cycle between files and the cycle it makes between folders', () => {
    const dir = plant({
      'web/config.ts': "import { readTls } from './tls.js';\nimport { load } from '../config/load.js';\n",
      'web/tls.ts': "import type { WebConfig } from './config.js';\n",
      'config/load.ts': "import { LIMIT } from '../web/limits.js';\n",
      'web/limits.ts': '',
    });
    const graph = readImportGraph(dir);
    expect(findCycles(graph)).toEqual([['web/config.ts', 'web/tls.ts']]);
    expect(findCycles(unitGraph(graph))).toEqual([['config', 'web']]);
  });

  it('rejects a map that lets a folder import its own layer or a higher one', () => {
    const map = [
      '## Folder map',
      '| layer | folder | what it is | may import |',
      '| 0 | `types.ts` | types | nothing |',
      '| 1 | `config/` | config | `types`, `probe` |',
      '| 1 | `probe/` | probe | `config` |',
      '| 2 | `cli/` | cli | everything below |',
    ].join('\n');
    const planted = parseFolderMap(map);
    expect(planted.find((row) => row.unit === 'cli')?.mayImport).toEqual(new Set(['types', 'config', 'probe']));
    expect(mapProblems(planted)).toEqual([
      'config (layer 1) may import probe (layer 1): not a lower layer',
      'probe (layer 1) may import config (layer 1): not a lower layer',
    ]);
  });
});
