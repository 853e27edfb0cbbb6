// Limits of the HTTP server against slow, stalled, silent or greedy clients. A scrape is one
// small request every few seconds from a handful of Prometheus servers; nothing legitimate
// comes near them.

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
  /** A TLS handshake must be over within this (Node's own default is two minutes). */
  tlsHandshakeTimeoutMs: number;
  /** Connections that carried an authorized request, kept open at once (--web.max-connections). */
  maxConnections: number;
  /** Connections not yet trusted (handshaking, silent, unauthenticated, probes), kept open at once. */
  maxUntrustedConnections: number;
  /** An untrusted connection with no request under way is closed after this. */
  untrustedIdleTimeoutMs: number;
  /** Bytes of a request body read at most; a request whose body is longer or unread gets its answer and its connection closed. */
  maxBodyBytes: number;
}

export const DEFAULT_MAX_CONNECTIONS = 512;

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  maxHeaderSize: 8 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 30_000,
  idleTimeoutMs: 60_000,
  tlsHandshakeTimeoutMs: 5_000,
  maxConnections: DEFAULT_MAX_CONNECTIONS,
  maxUntrustedConnections: 256,
  untrustedIdleTimeoutMs: 10_000,
  maxBodyBytes: 1024,
};
