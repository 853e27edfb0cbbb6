import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { WebServing } from '../../src/web/serving.js';
import { serve } from './server-fixture.js';

/** Writes `bytes` to the server and returns what it answers before closing, or within `waitMs`. */
function raw(port: number, bytes: string | Buffer, waitMs = 3_000): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let text = '';
    const timer = setTimeout(() => (socket.destroy(), resolve({ text, closed: false })), waitMs);
    socket.on('data', (d) => (text += d.toString('latin1')));
    socket.on('close', () => (clearTimeout(timer), resolve({ text, closed: true })));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') return; // closed on us: 'close' follows
      clearTimeout(timer);
      reject(err);
    });
    socket.write(bytes);
  });
}

const status = (text: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);

async function healthy(base: string): Promise<void> {
  const res = await fetch(`${base}/-/healthy`);
  expect([res.status, await res.text()]).toEqual([200, 'Healthy']);
}

const checkNow = () => Promise.resolve({ status: 200 as const, results: [] });

describe('malformed requests', () => {
  it.each([
    ['a garbage request line', 'GARBAGE\r\n\r\n'],
    ['binary noise', Buffer.from([0x16, 0x03, 0x01, 0x00, 0xff, 0x00, 0x00, 0x0d, 0x0a, 0x0d, 0x0a])],
    ['an unknown method', 'BREW /metrics HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['an invalid Content-Length', 'POST /-/reload HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n'],
    [
      'two different Content-Lengths',
      'POST /-/reload HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab',
    ],
    [
      'Content-Length with chunked encoding',
      'POST /-/reload HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    ],
    ['a header with a NUL byte', 'GET /metrics HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n'],
    ['a header line without a colon', 'GET /metrics HTTP/1.1\r\nHost x\r\n\r\n'],
    ['an unsupported HTTP version', 'GET /metrics HTTP/7.0\r\nHost: x\r\n\r\n'],
    ['a huge header', `GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`],
    [
      'too many headers in total',
      'GET /metrics HTTP/1.1\r\nHost: x\r\n' +
        `${Array.from({ length: 400 }, (_, i) => `X-H${i}: ${'b'.repeat(30)}\r\n`).join('')}\r\n`,
    ],
  ])('%s is answered 4xx or closed, and the server keeps serving', async (_what, bytes) => {
    const { base, server } = await serve({ checkNow });
    const { text, closed } = await raw(server.port, bytes);
    if (text === '') expect(closed).toBe(true);
    else expect(Math.floor(status(text) / 100)).toBe(4);
    await healthy(base);
  });

  it('a huge header is 431', async () => {
    const { server } = await serve();
    const { text } = await raw(server.port, `GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(status(text)).toBe(431);
  });

  it.each([
    ['bad JSON', '{"monitor": '],
    ['a body over the limit', JSON.stringify({ monitor: 'x'.repeat(5_000) })],
  ])('%s to /api/v1/check is 4xx', async (_what, body) => {
    const { base, server } = await serve({ checkNow });
    const { text } = await raw(
      server.port,
      'POST /api/v1/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    expect([400, 413]).toContain(status(text));
    await healthy(base);
  });

  it('a request that never finishes its headers is cut off', async () => {
    const web = new WebServing(undefined, { limits: { headersTimeoutMs: 500, requestTimeoutMs: 500 } });
    const { base, server } = await serve({ web });
    const started = Date.now();
    const { text, closed } = await raw(server.port, 'GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ', 8_000);
    expect(closed).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
    if (text !== '') expect(status(text)).toBe(408);
    await healthy(base);
  });

  it('silent connections beyond the untrusted room push out the oldest idle one, never a new request', async () => {
    const web = new WebServing(undefined, { limits: { maxUntrustedConnections: 2 } });
    const { base, server } = await serve({ web });
    const held: Socket[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const s = connect({ host: '127.0.0.1', port: server.port });
        s.on('error', () => undefined);
        await new Promise((r) => s.once('connect', r));
        held.push(s);
      }
      await new Promise((r) => setTimeout(r, 100));
      const closed = new Promise((r) => held[0]!.once('close', r));
      const { text } = await raw(server.port, 'GET /-/healthy HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 2_000);
      expect(status(text)).toBe(200);
      await closed;
      expect(held[1]!.destroyed).toBe(false);
    } finally {
      for (const s of held) s.destroy();
    }
    await healthy(base);
  });

  it('a connection that says nothing is closed after firstRequestTimeoutMs', async () => {
    const web = new WebServing(undefined, { limits: { firstRequestTimeoutMs: 500 } });
    const { server } = await serve({ web });
    const started = Date.now();
    const { closed } = await raw(server.port, '', 5_000);
    expect(closed).toBe(true);
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
