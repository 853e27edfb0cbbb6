import { openFilesLimit } from '../open-files.js';

const FALLBACK_FD_LIMIT = 1024;

/** Sockets are cheap, but thousands of SYNs in one burst are not polite: the cap whatever the fd limit. */
export const MAX_DEFAULT_CONCURRENCY = 4096;

/**
 * Connect attempts that fit the soft open-files limit with room to spare for the HTTP
 * server, logs and DNS: three quarters of it less 32, at most 4096, at least 1. Attempts
 * to silent (firewalled) ports wait out their timeout holding a socket, so this is what
 * bounds how many of those are waited for at once.
 */
export function defaultGlobalConcurrency(): number {
  return concurrencyForFdLimit(openFilesLimit() ?? FALLBACK_FD_LIMIT);
}

/**
 * The socket budget for attempts presumed silent: the same share of the fd limit, without
 * the politeness cap (those SYNs are already out), at most 32768.
 */
export function defaultSocketBudget(): number {
  return socketsForFdLimit(openFilesLimit() ?? FALLBACK_FD_LIMIT);
}

export function socketsForFdLimit(limit: number): number {
  return Math.max(1, Math.min(MAX_SOCKETS, Math.floor(limit * 0.75) - 32));
}

const MAX_SOCKETS = 32_768;

export function concurrencyForFdLimit(limit: number): number {
  return Math.max(1, Math.min(MAX_DEFAULT_CONCURRENCY, Math.floor(limit * 0.75) - 32));
}
