import dgram from 'node:dgram';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { MAX_TIMER_MS } from '../timers.js';
import type { PortState, ProbeResult, Reason } from '../types.js';

interface Verdict {
  state: PortState;
  reason: Reason;
  code?: string;
}

const OPEN: Verdict = { state: 'open', reason: 'udp-response' };
const SILENT: Verdict = { state: 'open|filtered', reason: 'no-response' };

/** What an ICMP error reported on a connected UDP socket means, as nmap -sU names it. */
const BY_CODE: ReadonlyMap<string, Verdict> = new Map<string, Verdict>([
  ['ECONNREFUSED', { state: 'closed', reason: 'port-unreach' }],
  ['EHOSTUNREACH', { state: 'filtered', reason: 'admin-prohibited' }],
  ['ENETUNREACH', { state: 'filtered', reason: 'net-unreach' }],
  ['EACCES', { state: 'filtered', reason: 'admin-prohibited' }],
  ['EPERM', { state: 'filtered', reason: 'admin-prohibited' }],
  ['ENOPROTOOPT', { state: 'filtered', reason: 'proto-unreach' }],
  ['EMFILE', { state: 'error', reason: 'fd-exhausted' }],
  ['ENFILE', { state: 'error', reason: 'fd-exhausted' }],
  ['EADDRNOTAVAIL', { state: 'error', reason: 'addr-unavailable' }],
  ['ENOBUFS', { state: 'error', reason: 'no-buffers' }],
]);

function verdictOf(err: unknown): Verdict {
  const code = (err as { code?: unknown } | null)?.code;
  const known = typeof code === 'string' ? BY_CODE.get(code) : undefined;
  const text = typeof code === 'string' ? code : 'EINVAL';
  return { ...(known ?? { state: 'error', reason: 'local-error' }), code: text };
}

/** One UDP probe of a literal address: a connected socket, an empty datagram, the first answer or error. */
export function probeUdp(address: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const family = net.isIP(address);
    let socket: dgram.Socket | undefined;
    let timer: NodeJS.Timeout | undefined;
    const finish = (verdict: Verdict): void => {
      if (timer === undefined && socket === undefined) return;
      clearTimeout(timer);
      timer = undefined;
      const s = socket;
      socket = undefined;
      s?.close();
      const result: ProbeResult = { ...verdict, durationSeconds: (performance.now() - started) / 1000 };
      resolve(result);
    };
    if (family === 0) return resolve({ ...verdictOf(undefined), durationSeconds: 0 });
    try {
      socket = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
      socket.on('error', (err) => finish(verdictOf(err)));
      socket.on('message', () => finish(OPEN));
      timer = setTimeout(() => finish(SILENT), Math.min(timeoutMs, MAX_TIMER_MS));
      socket.connect(port, address, () => socket?.send(Buffer.alloc(0), (err) => err && finish(verdictOf(err))));
    } catch (err) {
      finish(verdictOf(err));
    }
  });
}
