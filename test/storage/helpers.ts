// Shared by the storage tests.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { decodeState } from '../../src/storage/decode.js';
import type { LoadedState } from '../../src/storage/load.js';

export interface LogRecord {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** A logger at debug that keeps its lines. */
export function capture(): { log: Logger; lines: LogRecord[] } {
  const lines: LogRecord[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as LogRecord) });
  return { log, lines };
}

export const LEVEL = { debug: 20, info: 30, warn: 40, error: 50 } as const;

/** The state file in `dir`, decoded; fails the test when it does not decode. */
export function readState(dir: string): LoadedState {
  const decoded = decodeState(readFileSync(join(dir, 'state.json'), 'utf8'));
  if (!decoded.ok) throw new Error(`state.json does not decode: ${decoded.problem}`);
  return decoded.state;
}

/** The files in `dir`, sorted. */
export function filesIn(dir: string): string[] {
  return readdirSync(dir).sort();
}

/** Why a test that must be root cannot run, or undefined (for itOrSkip in test/helpers/skip.ts). */
export function rootSkipReason(what: string): string | undefined {
  if (process.getuid?.() === 0) return undefined;
  return `${what} needs root`;
}

/** Polls `ok` every 20 ms until it holds, or fails after timeoutMs saying `what`. */
export async function until(ok: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
