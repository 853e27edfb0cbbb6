import net from 'node:net';
import type { Nameserver } from './resolv-conf.js';

/**
 * Queries over TCP to one server, each with its two-byte length, as a resolver falls back
 * to when a UDP answer comes back truncated (or `options use-vc` asks for it). Every reply
 * goes to `onReply` until it says the exchange is complete. Resolves with undefined then,
 * or with the error code that ended it (ETIMEOUT when `timeoutMs` passed first).
 */
export function tcpExchange(
  server: Nameserver,
  queries: readonly Buffer[],
  timeoutMs: number,
  onReply: (msg: Buffer) => boolean,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: server.address, port: server.port });
    let buffered = Buffer.alloc(0);
    let settled = false;
    const finish = (code: string | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(code);
    };
    const timer = setTimeout(() => finish('ETIMEOUT'), timeoutMs);
    socket.on('error', (err: NodeJS.ErrnoException) => finish(err.code ?? 'ECONNRESET'));
    socket.on('close', () => finish('ECONNRESET'));
    socket.on('connect', () => {
      for (const q of queries) socket.write(Buffer.concat([lengthOf(q), q]));
    });
    socket.on('data', (data: Buffer) => {
      buffered = Buffer.concat([buffered, data]);
      while (!settled && buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const reply = buffered.subarray(2, 2 + buffered.readUInt16BE(0));
        buffered = buffered.subarray(2 + reply.length);
        if (onReply(reply)) finish(undefined);
      }
    });
  });
}

function lengthOf(msg: Buffer): Buffer {
  const out = Buffer.alloc(2);
  out.writeUInt16BE(msg.length);
  return out;
}
