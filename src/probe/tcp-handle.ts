/**
 * One connect attempt on Node's own TCP handle (the one net.Socket wraps), when this Node
 * still exposes it. A probe needs no stream: skipping net.Socket's streams, its error
 * objects with stack traces and their garbage makes each probe cheaper (docs/performance.md,
 * "The TCP probe path"). Returns false when the handle is not available, and the caller
 * falls back to net.connect.
 */
import { getSystemErrorName } from 'node:util';

interface SockAddr {
  address?: string;
  port?: number;
}

interface TcpHandle {
  connect(req: ConnectReq, address: string, port: number): number;
  connect6(req: ConnectReq, address: string, port: number): number;
  getsockname(out: SockAddr): number;
  getpeername(out: SockAddr): number;
  reset(cb: () => void): number;
  close(cb?: () => void): void;
}

interface ConnectReq {
  oncomplete: (this: ConnectReq, status: number) => void;
  /** The attempt this request belongs to; the request is what libuv calls back on. */
  attempt?: HandleAttempt | undefined;
}

interface TcpWrapBinding {
  TCP: new (type: number) => TcpHandle;
  TCPConnectWrap: new () => ConnectReq;
  constants: { SOCKET: number };
}

export type HandleOutcome =
  | { readonly kind: 'connected'; readonly selfConnect: boolean }
  | { readonly kind: 'failed'; readonly code: string }
  | { readonly kind: 'timeout' };

function load(): TcpWrapBinding | undefined {
  try {
    // process.binding is deprecated for general use but keeps tcp_wrap on its allow list in Node 20-24.
    const binding = (process as unknown as { binding(name: string): unknown }).binding(
      'tcp_wrap',
    ) as Partial<TcpWrapBinding>;
    if (
      typeof binding.TCP !== 'function' ||
      typeof binding.TCPConnectWrap !== 'function' ||
      binding.constants?.SOCKET === undefined
    )
      return undefined;
    const probe = new binding.TCP(binding.constants.SOCKET);
    const usable =
      typeof probe.connect === 'function' &&
      typeof probe.reset === 'function' &&
      typeof probe.getsockname === 'function';
    probe.close();
    return usable ? (binding as TcpWrapBinding) : undefined;
  } catch {
    return undefined;
  }
}

const binding = process.env['PORTWATCH_PROBE_NET'] === '1' ? undefined : load();

export const handleProbesAvailable = binding !== undefined;

// Outcomes are values, not events: shared, so that 65535 probes do not make 65535 of them.
const TIMEOUT: HandleOutcome = { kind: 'timeout' };
const CONNECTED: HandleOutcome = { kind: 'connected', selfConnect: false };
const SELF_CONNECTED: HandleOutcome = { kind: 'connected', selfConnect: true };
const failures = new Map<number, HandleOutcome>();

function failed(status: number): HandleOutcome {
  let outcome = failures.get(status);
  if (outcome === undefined) {
    outcome = { kind: 'failed', code: getSystemErrorName(status) };
    failures.set(status, outcome);
  }
  return outcome;
}

/** Who hears an attempt's outcome: an object with a method rather than a callback, so a caller needs no closure. */
export interface HandleListener {
  settled(outcome: HandleOutcome): void;
}

/**
 * The state of one attempt. Its callbacks are shared functions that find it through the
 * request or the timer argument, so an attempt allocates no closures: at 30k+ probes a
 * second, closures are a good part of the garbage. A class rather than an object literal, so
 * that V8 never pretenures it (see AddressCheck in check/checker.ts).
 */
class HandleAttempt {
  timer: NodeJS.Timeout | undefined = undefined;

  constructor(
    readonly handle: TcpHandle,
    public done: HandleListener | undefined,
  ) {}
}

function settle(attempt: HandleAttempt, outcome: HandleOutcome): void {
  const done = attempt.done!;
  attempt.done = undefined;
  clearTimeout(attempt.timer);
  done.settled(outcome);
}

function settleLater(listener: HandleListener, outcome: HandleOutcome): void {
  listener.settled(outcome);
}

function onTimeout(attempt: HandleAttempt): void {
  if (attempt.done === undefined) return;
  // Closing cancels the pending connect; its late completion is ignored below.
  attempt.handle.close();
  settle(attempt, TIMEOUT);
}

function onComplete(this: ConnectReq, status: number): void {
  const attempt = this.attempt!;
  this.attempt = undefined;
  if (attempt.done === undefined) return;
  const handle = attempt.handle;
  if (status !== 0) {
    handle.close();
    settle(attempt, failed(status));
    return;
  }
  const local: SockAddr = {};
  const remote: SockAddr = {};
  handle.getsockname(local);
  handle.getpeername(remote);
  const selfConnect = local.port === remote.port && local.address === remote.address;
  // An RST rather than a FIN: no TIME_WAIT left behind. If the reset cannot be queued, a plain close.
  if (handle.reset(noop) !== 0) handle.close();
  settle(attempt, selfConnect ? SELF_CONNECTED : CONNECTED);
}

function noop(): void {}

/**
 * Connects once to a literal address and tells `done` the outcome once (never before this
 * returns). False when the handle is not available: nothing was started.
 */
export function connectHandle(
  address: string,
  family: 4 | 6,
  port: number,
  timeoutMs: number,
  done: HandleListener,
): boolean {
  if (binding === undefined) return false;
  const { TCP, TCPConnectWrap, constants } = binding;
  const attempt = new HandleAttempt(new TCP(constants.SOCKET), done);
  const req = new TCPConnectWrap();
  req.oncomplete = onComplete;
  req.attempt = attempt;
  const err = family === 6 ? attempt.handle.connect6(req, address, port) : attempt.handle.connect(req, address, port);
  if (err !== 0) {
    attempt.handle.close();
    req.attempt = undefined;
    attempt.done = undefined;
    // Said on a later turn, as an answer from the network would be.
    process.nextTick(settleLater, done, failed(err));
    return true;
  }
  attempt.timer = setTimeout(onTimeout, timeoutMs, attempt);
  return true;
}
