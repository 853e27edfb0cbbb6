import { readFileSync } from 'node:fs';

/** The soft limit from /proc/self/limits text ("Max open files  1024  4096  files"); unlimited is Infinity. */
export function softNofile(limits: string): number | undefined {
  const match = /^Max open files\s+(\d+|unlimited)\s/m.exec(limits);
  if (match === null) return undefined;
  return match[1] === 'unlimited' ? Infinity : Number(match[1]);
}

/** This process's soft open-files limit, or undefined when it cannot be read (not Linux). */
export function openFilesLimit(): number | undefined {
  try {
    return softNofile(readFileSync('/proc/self/limits', 'utf8'));
  } catch {
    return undefined;
  }
}
