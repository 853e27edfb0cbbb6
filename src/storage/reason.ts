/**
 * An error as a one-line reason (message and code), without a stack: a full disk or a
 * read-only volume is the machine's problem, not a bug.
 */
export function reason(err: unknown): Error {
  const e = new Error(err instanceof Error ? err.message : String(err));
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined) Object.assign(e, { code });
  delete e.stack;
  return e;
}
