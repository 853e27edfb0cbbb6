// Reading the state file at start. Whatever is wrong with it, portwatch starts: fresh when
// there is no file, and fresh with the file renamed aside (kept, for whoever wants to look)
// when it is damaged or of another format version.
import { readFile, rename } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { decodeState } from './decode.js';
import { STATE_FILE, type SavedState } from './format.js';
import type { SavedTarget } from '../state/saved.js';
import { reason } from './reason.js';

export type LoadedState = SavedState & { targets: SavedTarget[] };

/** `state.json.bad-20261127T101500.123Z`: sorts by time, and never matches the name portwatch reads. */
export function setAsideName(nowMs: number): string {
  return `${STATE_FILE}.bad-${new Date(nowMs).toISOString().replace(/[-:]/g, '')}`;
}

/** The state saved in `dir`, or undefined (logged once) when there is none to use. */
export async function loadState(
  dir: string,
  log: Logger,
  now: () => number = Date.now,
): Promise<LoadedState | undefined> {
  // Absolute in logs: whoever reads them may not know the working directory.
  const file = resolve(dir, STATE_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') log.info({ file }, 'no saved state, starting fresh');
    else log.warn({ file, err: reason(err) }, 'cannot read the saved state, starting fresh; see --storage.path');
    return undefined;
  }
  const decoded = decodeState(text);
  if (decoded.ok) return decoded.state;
  const aside = resolve(dir, setAsideName(now()));
  try {
    await rename(file, aside);
    log.warn({ file, setAside: aside, problem: decoded.problem }, 'saved state is unusable, set aside; starting fresh');
  } catch (err) {
    log.warn(
      { file, problem: decoded.problem, err: reason(err) },
      'saved state is unusable and could not be set aside; starting fresh, the next write replaces it',
    );
  }
  return undefined;
}
