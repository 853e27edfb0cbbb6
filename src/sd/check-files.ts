// What `portwatch check-config` says of the file_sd files a config names: it reads the
// files the patterns match now, as the daemon would at start.
import { readFile } from 'node:fs/promises';
import { formatProblem } from '../config/errors.js';
import { cannotRead } from '../config/load.js';
import type { Config } from '../config/types.js';
import { parseFile } from './file-sd.js';
import { filePattern, listMatches } from './glob.js';

export interface SdFileReport {
  /** One line per file: `path: OK: N hosts`, a pattern that matches nothing yet, or a problem. */
  lines: { text: string; problem: boolean }[];
  ok: boolean;
}

export async function checkSdFiles(config: Config): Promise<SdFileReport> {
  const lines: SdFileReport['lines'] = [];
  let ok = true;
  for (const m of config.monitors) {
    for (const sd of m.fileSd ?? []) {
      for (const pattern of sd.files) {
        const p = filePattern(pattern, sd.baseDir);
        const files = await listMatches(p);
        if (files.length === 0) lines.push({ text: `monitor ${m.name}: ${pattern}: matches no file yet`, problem: false });
        for (const file of files) {
          let text: string;
          try {
            text = await readFile(file, 'utf8');
          } catch (err) {
            ok = false;
            lines.push({ text: formatProblem(file, cannotRead(err)), problem: true });
            continue;
          }
          const parsed = parseFile(text);
          if (Array.isArray(parsed)) {
            ok = false;
            for (const problem of parsed) lines.push({ text: formatProblem(file, problem), problem: true });
          } else lines.push({ text: `${file}: OK: ${parsed.hosts.length} hosts`, problem: false });
        }
      }
    }
  }
  return { lines, ok };
}
