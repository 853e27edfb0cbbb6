// Which connections the HTTP server keeps when there are too many. A connection is untrusted
// from its accept until it carries a request that passed authentication (any request but
// /-/healthy and /-/ready when there are no users): TLS handshakes, silent sockets, 401s and
// probes all are. Untrusted connections have a small room of their own, where a newcomer
// pushes out the oldest idle one and where an idle one is closed after a few seconds; a flood
// of sockets that never say anything therefore churns only that room and never takes the
// places of the connections Prometheus scrapes over, nor keeps a new probe out for long.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server, Socket } from 'node:net';
import type { Logger } from 'pino';

export interface ConnectionLimits {
  /** Connections that carried an authorized request, kept at once (--web.max-connections). */
  maxTrusted: number;
  /** Connections not trusted yet, kept at once. */
  maxUntrusted: number;
  /** An untrusted connection with no request under way is closed after this. */
  untrustedIdleMs: number;
  /**
   * A new connection must have begun its first request (its TLS handshake done) within this;
   * each gets a deadline between 60% and 100% of it, so that a flood opened at once is not
   * closed at once, to come back at once.
   */
  firstRequestMs: number;
}

interface Connection {
  readonly socket: Socket;
  /** Requests under way on it: a busy connection is never the one pushed out. */
  busy: number;
  /** When it is closed if still untrusted and idle. */
  deadline: number;
}

/** How often idle untrusted connections are looked for: often, so that closing them is spread out too. */
const SWEEP_MS = 250;

/** Evictions are logged at most this often, with their count: a flood must not flood the log. */
const LOG_EVERY_MS = 60_000;

export class ConnectionAccounting {
  readonly #limits: ConnectionLimits;
  readonly #log: Logger | undefined;
  /** By remote address and port; in order of arrival. */
  readonly #untrusted = new Map<string, Connection>();
  /** In order of last use. */
  readonly #trusted = new Map<string, Connection>();
  #evicted = { untrusted: 0, trusted: 0, refused: 0 };
  #loggedAt = 0;

  constructor(limits: ConnectionLimits, log?: Logger) {
    this.#limits = limits;
    this.#log = log;
  }

  get counts(): { trusted: number; untrusted: number } {
    return { trusted: this.#trusted.size, untrusted: this.#untrusted.size };
  }

  /** Accounts for every connection `server` accepts (the raw TCP socket, before any TLS) and every request. */
  attach(server: Server): void {
    server.on('connection', (socket: Socket) => this.#admit(socket));
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.#track(req, res));
    const sweeper = setInterval(() => this.#closeIdleUntrusted(Date.now()), SWEEP_MS);
    sweeper.unref();
    server.once('close', () => clearInterval(sweeper));
  }

  /** The connection carrying `req` passed authentication: it leaves the untrusted room. */
  trust(req: IncomingMessage): void {
    const key = keyOf(req.socket);
    const conn = key === undefined ? undefined : this.#untrusted.get(key);
    if (key === undefined || conn === undefined) return;
    this.#untrusted.delete(key);
    this.#trusted.set(key, conn);
    if (this.#trusted.size <= this.#limits.maxTrusted) return;
    if (this.#evictOldestIdle(this.#trusted, conn)) this.#count('trusted');
  }

  #admit(socket: Socket): void {
    const key = keyOf(socket);
    if (key === undefined) return;
    if (this.#untrusted.size >= this.#limits.maxUntrusted) {
      if (!this.#evictOldestIdle(this.#untrusted, undefined)) {
        // Every untrusted connection is in the middle of a request: the newcomer waits its turn outside.
        socket.destroy();
        this.#count('refused');
        return;
      }
      this.#count('untrusted');
    }
    const deadline = Date.now() + this.#limits.firstRequestMs * (0.6 + 0.4 * Math.random());
    const conn: Connection = { socket, busy: 0, deadline };
    this.#untrusted.set(key, conn);
    socket.once('close', () => {
      if (this.#untrusted.get(key) === conn) this.#untrusted.delete(key);
      if (this.#trusted.get(key) === conn) this.#trusted.delete(key);
    });
  }

  #track(req: IncomingMessage, res: ServerResponse): void {
    const key = keyOf(req.socket);
    if (key === undefined) return;
    const conn = this.#trusted.get(key) ?? this.#untrusted.get(key);
    if (conn === undefined) return;
    if (this.#trusted.get(key) === conn) {
      // Least recently used last: the one to push out is the first idle one.
      this.#trusted.delete(key);
      this.#trusted.set(key, conn);
    }
    conn.busy += 1;
    res.once('close', () => {
      conn.busy -= 1;
      conn.deadline = Date.now() + this.#limits.untrustedIdleMs;
    });
  }

  /** Closes the first idle connection of `room` other than `keep`; false when every one is busy. */
  #evictOldestIdle(room: Map<string, Connection>, keep: Connection | undefined): boolean {
    for (const [key, conn] of room) {
      if (conn.busy > 0 || conn === keep) continue;
      room.delete(key);
      conn.socket.destroy();
      return true;
    }
    return false;
  }

  #closeIdleUntrusted(now: number): void {
    for (const [key, conn] of this.#untrusted) {
      if (conn.busy > 0 || now < conn.deadline) continue;
      this.#untrusted.delete(key);
      conn.socket.destroy();
    }
  }

  #count(what: 'untrusted' | 'trusted' | 'refused'): void {
    this.#evicted[what] += 1;
    const now = Date.now();
    if (now - this.#loggedAt < LOG_EVERY_MS) return;
    this.#loggedAt = now;
    const { maxTrusted, maxUntrusted } = this.#limits;
    this.#log?.warn(
      { closed: this.#evicted, limits: { maxTrusted, maxUntrusted } },
      'HTTP connections at their limit: closing the oldest idle ones ' +
        '(a flood of connections, or --web.max-connections too low)',
    );
    this.#evicted = { untrusted: 0, trusted: 0, refused: 0 };
  }
}

/** Unique among the open connections of one listening socket; the same for a TLS socket and the TCP socket under it. */
function keyOf(socket: Socket): string | undefined {
  const { remoteAddress, remotePort } = socket;
  return remoteAddress === undefined || remotePort === undefined ? undefined : `${remoteAddress}|${remotePort}`;
}
