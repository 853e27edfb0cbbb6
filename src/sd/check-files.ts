// What `portwatch check-config` says of the file_sd files a config names: it reads the
// files the patterns match now, as the daemon would at start.
import { formatProblem } from '../config/errors.js';
import { cannotRead, readRegularFile } from '../config/read-file.js';
import type { Config } from '../config/types.js';
import { filePattern, listMatches } from './glob.js';
import { dialectOf, parseGroupsBytes, SD_LIMIT } from './parse-groups.js';

export interface SdFileReport {
  /** One line per file: `path: OK: N hosts`, a pattern that matches nothing yet, or a problem. */
  lines: { text: string; problem: boolean }[];
  ok: boolean;
}

export async function checkSdFiles(config: Config): Promise<SdFileReport> {
  const lines: SdFileReport['lines'] = [];
  let ok = true;
  const fail = (text: string): void => {
    ok = false;
    lines.push({ text, problem: true });
  };
  for (const m of config.monitors) {
    for (const sd of m.fileSd ?? []) {
      for (const pattern of sd.files) {
        const files = await listMatches(filePattern(pattern, sd.baseDir));
        if (files.length === 0)
          lines.push({ text: `monitor ${m.name}: ${pattern}: matches no file yet`, problem: false });
        for (const file of files) {
          let bytes: Buffer;
          try {
            bytes = await readRegularFile(file, SD_LIMIT);
          } catch (err) {
            fail(formatProblem(file, cannotRead(err)));
            continue;
          }
          const parsed = await parseGroupsBytes(bytes, dialectOf(file));
          if (!parsed.ok) {
            for (const problem of parsed.problems) fail(formatProblem(file, problem));
            continue;
          }
          const { hosts, dropped, droppedCount } = parsed.value;
          // Targets left out are hosts nobody watches: worth failing the check for.
          for (const problem of dropped) fail(`${formatProblem(file, problem)} (left out)`);
          if (droppedCount > dropped.length)
            fail(`${file}: and ${droppedCount - dropped.length} more targets left out`);
          if (droppedCount === 0) lines.push({ text: `${file}: OK: ${hosts.length} hosts`, problem: false });
          else fail(`${file}: ${hosts.length} hosts, ${droppedCount} targets left out`);
        }
      }
    }
  }
  return { lines, ok };
}
