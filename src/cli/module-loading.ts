// Node's module loader reads the files of a module graph all at once: under a low open-files
// limit (ulimit -n 96) it fails with EMFILE before portwatch has run a line. Below
// GENTLE_BELOW, loading goes through load-hooks.ts, which reads a few files at a time; below
// MIN_OPEN_FILES Node's own loader threads fail in ways no hook can help (hangs, packages
// "not found"), so portwatch says which limit to raise instead of trying.
// Imports only Node's built-ins and one small file: it runs before anything else is loaded.
import * as nodeModule from 'node:module';
import { openFilesLimit } from '../open-files.js';

const GENTLE_BELOW = 1024;
export const MIN_OPEN_FILES = 64;

/** Makes the imports that follow read a few files at a time when the open-files limit is low. */
export function loadGentlyIfFewFiles(): void {
  const limit = openFilesLimit();
  // module.register came with Node 20.6; without it, loading is Node's own.
  if (limit === undefined || limit >= GENTLE_BELOW || typeof nodeModule.register !== 'function') return;
  nodeModule.register('./load-hooks.js', import.meta.url);
}

/** The line to exit with when the open-files limit is too low to load portwatch at all. */
export function tooFewFiles(): string | undefined {
  const limit = openFilesLimit();
  if (limit === undefined || limit >= MIN_OPEN_FILES) return undefined;
  return (
    `portwatch: the open-files limit is ${limit}, too low to start: ` +
    `raise it to at least ${MIN_OPEN_FILES} (ulimit -n; 1024 or more for real use)\n`
  );
}

/** Whether `err` is the process (or the system) running out of file descriptors. */
export function isOutOfFiles(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EMFILE' || code === 'ENFILE';
}

/** The one line said when portwatch could not start for lack of file descriptors. */
export function outOfFilesMessage(): string {
  const limit = openFilesLimit();
  const now = limit === undefined ? '' : ` (the open-files limit is ${limit})`;
  return `portwatch: cannot start: too many open files${now}; raise the limit, e.g. ulimit -n 1024\n`;
}
