// Module loading hooks (node:module register) used under a low open-files limit: at most
// MAX_LOADING files are read at once, and a read that meets EMFILE (another part of the
// process holding descriptors for a moment) is tried again a little later.
import type { LoadHook } from 'node:module';

const MAX_LOADING = 8;
const RETRIES = 50;
const RETRY_PAUSE_MS = 20;

let loading = 0;
const waiting: Array<() => void> = [];

export const load: LoadHook = async (url, context, nextLoad) => {
  if (loading >= MAX_LOADING) await new Promise<void>((resolve) => waiting.push(resolve));
  loading += 1;
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        return await nextLoad(url, context);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EMFILE' || attempt >= RETRIES) throw err;
        await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
      }
    }
  } finally {
    loading -= 1;
    waiting.shift()?.();
  }
};
