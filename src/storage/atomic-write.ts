// A file replaced all at once: written beside it under a temporary name, flushed to disk,
// renamed over it, and the rename itself flushed (the directory), so that a crash or a
// power cut at any moment leaves either the old file or the new one, never half of one.
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Writes `pieces` as the file `name` in `dir` (created if missing); each piece is awaited,
 * so the event loop turns between them.
 */
export async function writeAtomically(dir: string, name: string, pieces: Iterable<string>): Promise<void> {
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `${name}.tmp`);
  const file = await open(tmp, 'w', 0o644);
  try {
    try {
      for (const piece of pieces) await file.write(piece);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, join(dir, name));
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  await syncDirectory(dir);
}

/**
 * Makes a rename in `dir` durable. Some file systems cannot fsync a directory (EINVAL): the
 * rename is then as durable as they make it.
 */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EINVAL') throw err;
  } finally {
    await handle.close();
  }
}
