/**
 * One connect attempt on Node's own TCP handle (the one net.Socket wraps), when this Node
 * still exposes it. A probe needs no stream: skipping net.Socket's streams, its error
 * objects with stack traces and their garbage makes a loopback probe about twice as
 * cheap, which is what a 65535-port sweep is made of. Returns undefined when the handle
 * is not available, and the caller falls back to net.connect.
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
  oncomplete: (status: number) => void;
}

interface TcpWrapBinding {
  TCP: new (type: number) => TcpHandle;
  TCPConnectWrap: new () => ConnectReq;
  constants: { SOCKET: number };
}

export type HandleOutcome =
  | { kind: 'connected'; selfConnect: boolean }
  | { kind: 'failed'; code: string }
  | { kind: 'timeout' };

function load(): TcpWrapBinding | undefined {
  try {
    // process.binding is deprecated for general use but keeps tcp_wrap on its allow list in Node 20-24.
    const binding = (process as unknown as { binding(name: string): unknown }).binding('tcp_wrap') as Partial<TcpWrapBinding>;
    if (typeof binding.TCP !== 'function' || typeof binding.TCPConnectWrap !== 'function' || binding.constants?.SOCKET === undefined) return undefined;
    const probe = new binding.TCP(binding.constants.SOCKET);
    const usable = typeof probe.connect === 'function' && typeof probe.reset === 'function' && typeof probe.getsockname === 'function';
    probe.close();
    return usable ? (binding as TcpWrapBinding) : undefined;
  } catch {
    return undefined;
  }
}

const binding = process.env['PORTWATCH_PROBE_NET'] === '1' ? undefined : load();

export const handleProbesAvailable = binding !== undefined;

/** Connects once to a literal address; never rejects. Undefined when the handle is not available. */
export function connectHandle(address: string, family: 4 | 6, port: number, timeoutMs: number): Promise<HandleOutcome> | undefined {
  if (binding === undefined) return undefined;
  const { TCP, TCPConnectWrap, constants } = binding;
  return new Promise((resolve) => {
    const handle = new TCP(constants.SOCKET);
    const req = new TCPConnectWrap();
    let settled = false;
    const settle = (outcome: HandleOutcome): void => {
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const timer = setTimeout(() => {
      if (settled) return;
      // Closing cancels the pending connect; its late completion is ignored below.
      handle.close();
      settle({ kind: 'timeout' });
    }, timeoutMs);
    req.oncomplete = (status: number) => {
      if (settled) return;
      if (status !== 0) {
        handle.close();
        settle({ kind: 'failed', code: getSystemErrorName(status) });
        return;
      }
      const local: SockAddr = {};
      const remote: SockAddr = {};
      handle.getsockname(local);
      handle.getpeername(remote);
      const selfConnect = local.port === remote.port && local.address === remote.address;
      // An RST rather than a FIN: no TIME_WAIT left behind. If the reset cannot be queued, a plain close.
      if (handle.reset(() => undefined) !== 0) handle.close();
      settle({ kind: 'connected', selfConnect });
    };
    const err = family === 6 ? handle.connect6(req, address, port) : handle.connect(req, address, port);
    if (err !== 0) {
      handle.close();
      settle({ kind: 'failed', code: getSystemErrorName(err) });
    }
  });
}
