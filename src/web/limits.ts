// Limits of the HTTP server against slow, stalled, silent or greedy clients. A scrape is one
// small request every few seconds from a handful of Prometheus servers; nothing legitimate
// comes near them.
import { openFilesLimit } from '../open-files.js';

export interface HttpLimits {
  /** Bytes of request line and headers; more is answered 431. */
  maxHeaderSize: number;
  /** A request's headers must arrive within this (Slowloris). */
  headersTimeoutMs: number;
  /** A whole request must arrive within this. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** A socket with no traffic at all is dropped after this (a large scrape in progress is not idle). */
  idleTimeoutMs: number;
  /**
   * A new connection must be through its TLS handshake and into its first request within this
   * (each within 60-100% of it, see connections.ts); Node's own handshake default is two minutes.
   */
  firstRequestTimeoutMs: number;
  /** Connections that carried an authorized request, kept open at once (--web.max-connections). */
  maxConnections: number;
  /** Connections not yet trusted (handshaking, silent, unauthenticated, probes), kept open at once. */
  maxUntrustedConnections: number;
  /** An untrusted connection with no request under way is closed after this. */
  untrustedIdleTimeoutMs: number;
  /**
   * Bytes of a request body read at most; a request answered before its body has all arrived
   * gets its connection closed after the answer (unread-body.ts).
   */
  maxBodyBytes: number;
}

export const DEFAULT_MAX_CONNECTIONS = 512;

/**
 * A quarter of the open-files limit (the probes' budget is the rest), 32 to 4096. Held rather
 * than pushed out, a flood of silent sockets that fits costs a descriptor each and no work;
 * one that does not fit makes the server close and accept, and every new connection, a
 * scrape's too, then queues behind the flood's in the kernel.
 */
export function untrustedForFdLimit(limit: number): number {
  return Math.max(32, Math.min(4096, Math.floor(limit / 4)));
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  maxHeaderSize: 8 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 30_000,
  idleTimeoutMs: 60_000,
  firstRequestTimeoutMs: 5_000,
  maxConnections: DEFAULT_MAX_CONNECTIONS,
  maxUntrustedConnections: untrustedForFdLimit(openFilesLimit() ?? 1024),
  untrustedIdleTimeoutMs: 10_000,
  maxBodyBytes: 1024,
};
