import dgram from 'node:dgram';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { MAX_TIMER_MS } from '../timers.js';
import type { ProbeResult } from '../types.js';
import { classifyError, type Classification } from './classify.js';
import { payloadFor } from './payloads/index.js';
import { classifyIcmpError } from './udp-classify.js';

/**
 * Datagrams a silent probe sends in all, spread evenly over its timeout: a datagram lost,
 * or an ICMP answer the target's rate limit dropped, gets another chance, as nmap -sU retries.
 */
export const UDP_SENDS = 3;

const OPEN: Classification = { state: 'open', reason: 'udp-response' };
const SILENT: Classification = { state: 'open|filtered', reason: 'no-response' };

type Verdict = Classification & { code?: string };

/**
 * One UDP probe of a literal address, without privileges: a socket connect()ed to the
 * port, so that the kernel hands it the ICMP errors its datagrams draw; the port's
 * request (payloads/), resent on silence; the first datagram back (open) or ICMP error
 * (closed, filtered) ends it, silence until the timeout is open|filtered. Never rejects.
 */
export function probeUdp(address: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => new UdpProbe(address, port, timeoutMs, resolve).start());
}

class UdpProbe {
  readonly #started = performance.now();
  #socket: dgram.Socket | undefined;
  #timer: NodeJS.Timeout | undefined;
  #connected = false;
  #sent = 0;
  #done = false;

  constructor(
    readonly address: string,
    readonly port: number,
    readonly timeoutMs: number,
    readonly resolve: (result: ProbeResult) => void,
  ) {}

  start(): void {
    const family = net.isIP(this.address);
    // connect() would look a name up: a name here is a caller's bug, reported as a result.
    if (family === 0) return this.#finish({ ...classifyError(undefined), code: 'EINVAL' });
    try {
      const socket = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
      this.#socket = socket;
      socket.on('error', (err) => this.#failed(err));
      socket.on('message', () => this.#finish(OPEN));
      // A failed connect() (no route, a broadcast address) comes to this callback, not to 'error'.
      socket.connect(this.port, this.address, (err?: Error) => {
        if (err) return this.#failed(err);
        this.#connected = true;
        this.#send();
      });
    } catch (err) {
      // Invalid arguments (a bad port) throw synchronously: a result all the same.
      this.#failed(err);
    }
  }

  /** Sends the request and arms the next resend, or the end of the wait after the last one. */
  #send(): void {
    const socket = this.#socket;
    if (this.#done || socket === undefined) return;
    this.#sent++;
    // An ICMP error pending from the last datagram may come back from this send rather than a receive.
    socket.send(payloadFor(this.address, this.port), (err) => {
      if (err) this.#failed(err);
    });
    const left = this.timeoutMs - (performance.now() - this.#started);
    const nextIn = this.#sent < UDP_SENDS ? Math.min(left, this.timeoutMs / UDP_SENDS) : left;
    this.#timer = setTimeout(
      () => (this.#sent < UDP_SENDS ? this.#send() : this.#finish(SILENT)),
      Math.max(0, Math.min(nextIn, MAX_TIMER_MS)),
    );
  }

  /** Before connect() an error is this host's (no route, no descriptor); after it, usually an ICMP answer. */
  #failed(err: unknown): void {
    const code = codeOf(err);
    const icmp = this.#connected ? classifyIcmpError(code) : undefined;
    this.#finish({ ...(icmp ?? classifyError(code)), code: code ?? 'EINVAL' });
  }

  #finish(verdict: Verdict): void {
    if (this.#done) return;
    this.#done = true;
    clearTimeout(this.#timer);
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket !== undefined) {
      socket.removeAllListeners('message');
      // A late error (a second ICMP answer) must not become an uncaught exception.
      socket.on('error', () => {});
      try {
        socket.close();
      } catch {
        // Already closed by a failed bind: nothing left to release.
      }
    }
    const result: ProbeResult = {
      state: verdict.state,
      reason: verdict.reason,
      durationSeconds: (performance.now() - this.#started) / 1000,
    };
    if (verdict.code !== undefined) result.code = verdict.code;
    this.resolve(result);
  }
}

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
