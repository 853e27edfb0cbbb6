import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { ProbeResult } from '../types.js';
import { classifyError, TIMED_OUT, type Classification } from './classify.js';
import { connectHandle, type HandleOutcome } from './tcp-handle.js';

/** setTimeout fires at once (with a warning) above this. */
const MAX_TIMER_MS = 2 ** 31 - 1;

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
  return new Promise((resolve) => {
    const started = performance.now();
    let tries = 1;
    const finish = (attempt: Attempt): void => {
      if (attempt.selfConnect === true && tries < SELF_CONNECT_ATTEMPTS) {
        const left = timeoutMs - (performance.now() - started);
        if (left > 0) {
          tries++;
          start(left);
          return;
        }
      }
      const result: ProbeResult = { state: attempt.state, reason: attempt.reason, durationSeconds: (performance.now() - started) / 1000 };
      if (attempt.code !== undefined) result.code = attempt.code;
      resolve(result);
    };
    // A throw from the binding is still a result; on a retry it would otherwise escape from a libuv callback.
    const start = (ms: number): void => {
      try {
        connectOnce(address, port, ms, finish);
      } catch (err) {
        finish({ ...classifyError(undefined), code: codeOf(err) ?? 'EINVAL' });
      }
    };
    start(timeoutMs);
  });
}

function connectOnce(address: string, port: number, timeoutMs: number, done: (attempt: Attempt) => void): void {
  const family = net.isIP(address);
  // The port check mirrors net.connect's, which throws for these before any syscall.
  if (family !== 0 && Number.isInteger(port) && port > 0 && port < 65536) {
    if (connectHandle(address, family === 6 ? 6 : 4, port, Math.min(timeoutMs, MAX_TIMER_MS), (outcome) => done(attemptOf(outcome)))) return;
  }
  void connectSocket(address, port, timeoutMs).then(done);
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
    const timer = setTimeout(() => {
      socket.destroy();
      settle(TIMED_OUT);
    }, Math.min(timeoutMs, MAX_TIMER_MS));
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
      settle(self ? { state: 'error', reason: 'self-connect', selfConnect: true } : { state: 'open', reason: 'syn-ack' });
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
