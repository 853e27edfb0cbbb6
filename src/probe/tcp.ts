import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { MAX_TIMER_MS } from '../timers.js';
import type { ProbeResult } from '../types.js';
import { classifyError, TIMED_OUT, type Classification } from './classify.js';
import { connectHandle, handleProbesAvailable, type HandleListener, type HandleOutcome } from './tcp-handle.js';

/**
 * Which way TCP probes connect: on Node's own TCP handle ("tcp_wrap"), or through
 * net.connect ("net") when this Node has no such handle or PORTWATCH_PROBE_NET=1 asks for it.
 */
export const tcpProbePath: 'tcp_wrap' | 'net' = handleProbesAvailable ? 'tcp_wrap' : 'net';

/**
 * Connecting to a free loopback port from the same ephemeral port "succeeds" by TCP
 * simultaneous open. That is no answer from anyone, so we try again from another port.
 */
const SELF_CONNECT_ATTEMPTS = 3;

type Attempt = Classification & { code?: string; selfConnect?: true };

/**
 * One TCP connect to a literal address, as nmap -sT makes it: no DNS, no payload, and
 * an RST on success so that thousands of probes leave no TIME_WAIT behind. Never rejects:
 * every failure is a result.
 */
export function probeTcp(address: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  // One promise per probe, settled from the connect's own callback: this is the hot path
  // of every sweep, and each extra async layer is an allocation and a microtask per port.
  return new Promise((resolve) => new TcpProbe(address, port, timeoutMs, resolve).start(timeoutMs));
}

/** One probe and its tries; its methods are the callbacks, so a probe makes no closures but its promise's. */
class TcpProbe implements HandleListener {
  readonly #started = performance.now();
  #tries = 1;

  constructor(
    readonly address: string,
    readonly port: number,
    readonly timeoutMs: number,
    readonly resolve: (result: ProbeResult) => void,
  ) {}

  /** A throw from the binding is still a result; on a retry it would otherwise escape from a libuv callback. */
  start(ms: number): void {
    try {
      this.#connect(ms);
    } catch (err) {
      this.#finish({ ...classifyError(undefined), code: codeOf(err) ?? 'EINVAL' });
    }
  }

  settled(outcome: HandleOutcome): void {
    this.#finish(attemptOf(outcome));
  }

  #connect(ms: number): void {
    const family = net.isIP(this.address);
    // The port check mirrors net.connect's, which throws for these before any syscall.
    if (family !== 0 && Number.isInteger(this.port) && this.port > 0 && this.port < 65536) {
      if (connectHandle(this.address, family === 6 ? 6 : 4, this.port, Math.min(ms, MAX_TIMER_MS), this)) return;
    }
    void connectSocket(this.address, this.port, ms).then((attempt) => this.#finish(attempt));
  }

  #finish(attempt: Attempt): void {
    if (attempt.selfConnect === true && this.#tries < SELF_CONNECT_ATTEMPTS) {
      const left = this.timeoutMs - (performance.now() - this.#started);
      if (left > 0) {
        this.#tries++;
        this.start(left);
        return;
      }
    }
    const result: ProbeResult = {
      state: attempt.state,
      reason: attempt.reason,
      durationSeconds: (performance.now() - this.#started) / 1000,
    };
    if (attempt.code !== undefined) result.code = attempt.code;
    this.resolve(result);
  }
}

const OPEN: Attempt = { state: 'open', reason: 'syn-ack' };
const SELF_CONNECT: Attempt = { state: 'error', reason: 'self-connect', selfConnect: true };
/** Attempts are read, never changed: one per errno code, made once. */
const failedAttempts = new Map<string, Attempt>();

function attemptOf(outcome: HandleOutcome): Attempt {
  switch (outcome.kind) {
    case 'connected':
      return outcome.selfConnect ? SELF_CONNECT : OPEN;
    case 'timeout':
      return TIMED_OUT;
    case 'failed': {
      let attempt = failedAttempts.get(outcome.code);
      if (attempt === undefined) {
        attempt = { ...classifyError(outcome.code), code: outcome.code };
        failedAttempts.set(outcome.code, attempt);
      }
      return attempt;
    }
  }
}

/** The same attempt through net.connect, for a Node without the raw handle. */
function connectSocket(address: string, port: number, timeoutMs: number): Promise<Attempt> {
  return new Promise((resolve) => {
    // net.connect would look a name up; a name here is a caller's bug, reported as a result.
    if (net.isIP(address) === 0) {
      resolve({ ...classifyError(undefined), code: 'EINVAL' });
      return;
    }
    let socket: net.Socket;
    try {
      // autoSelectFamily off: with a literal there is nothing to race, and we want this exact address.
      socket = net.connect({ host: address, port, autoSelectFamily: false });
    } catch (err) {
      // Invalid arguments throw synchronously (a bad port, say); still a result, not an exception.
      resolve({ ...classifyError(undefined), code: codeOf(err) ?? 'EINVAL' });
      return;
    }
    // Our own timer rather than socket.setTimeout: that one only reports idleness and leaves the socket open.
    const timer = setTimeout(
      () => {
        socket.destroy();
        settle(TIMED_OUT);
      },
      Math.min(timeoutMs, MAX_TIMER_MS),
    );
    let settled = false;
    const settle = (attempt: Attempt): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off('connect', onConnect);
      resolve(attempt);
    };
    const onConnect = (): void => {
      const self = socket.localPort === socket.remotePort && socket.localAddress === socket.remoteAddress;
      socket.resetAndDestroy();
      settle(
        self ? { state: 'error', reason: 'self-connect', selfConnect: true } : { state: 'open', reason: 'syn-ack' },
      );
    };
    // Stays attached after settling: a late error (a failed reset, say) must not become an uncaught exception.
    socket.on('error', (err) => {
      socket.destroy();
      const code = codeOf(err);
      settle(code === undefined ? classifyError(undefined) : { ...classifyError(code), code });
    });
    socket.once('connect', onConnect);
  });
}

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
