import { afterAll, beforeAll, expect, it } from 'vitest';
import bcrypt from 'bcryptjs';
import { basic } from '../web/certs.js';
import { Namespaces, netnsSkipReason } from '../helpers/netns.js';
import { IDLE_CONFIG, startAbuseDaemon, tempFiles, type AbuseDaemon } from './helpers/daemon.js';
import { BODY_FLOOD } from './helpers/clients.js';
import { describeOrSkip } from '../helpers/skip.js';

// Finding: a body sent to /-/healthy or to any request answered 401 was read in full and
// thrown away (100 MB accepted; 5.3 GB in 10 s over four chunked streams). Here each is sent
// 100 MB as fast as the socket takes it, inside a namespace whose TCP buffers are at most
// 64 KiB: what the client could write is what portwatch read plus those buffers, so it shows
// how much portwatch read. The answer must arrive and the connection close.
const skip = netnsSkipReason();
const password = 's3cret';
/** What the client may get written: portwatch's 1 KiB limit, Node's own read-ahead and both sockets' buffers. */
const MAX_WRITTEN = 1024 * 1024;

interface Sent {
  status: number;
  written: number;
  ms: number;
  closed: boolean;
}

describeOrSkip(skip, 'long bodies', () => {
  const spaces = new Namespaces();
  let ns = '';
  let files: ReturnType<typeof tempFiles>;
  let daemon: AbuseDaemon | undefined;

  beforeAll(async () => {
    files = tempFiles({
      'portwatch.yaml': IDLE_CONFIG,
      'web.yml': `basic_auth_users:\n  prometheus: "${bcrypt.hashSync(password, 4)}"\n`,
    });
    await spaces.prepare(async () => {
      ns = spaces.create();
      // Network namespaces have TCP buffer sizes of their own: small ones make the bytes read visible.
      spaces.exec(ns, 'sysctl', [
        '-q',
        '-w',
        'net.ipv4.tcp_rmem=4096 16384 65536',
        'net.ipv4.tcp_wmem=4096 16384 65536',
      ]);
      daemon = await startAbuseDaemon({
        netns: ns,
        args: [`--config.file=${files.path('portwatch.yaml')}`, `--web.config.file=${files.path('web.yml')}`],
      });
    });
  });
  afterAll(async () => {
    await daemon?.stop();
    spaces.cleanup();
    files?.remove();
  });

  const send = async (
    method: string,
    path: string,
    mode: 'length' | 'chunked',
    headers: Record<string, string>,
    streams = 1,
  ): Promise<Sent[]> => {
    const r = await spaces.run(
      ns,
      process.execPath,
      ['-e', BODY_FLOOD, '--', String(daemon!.port), method, path, mode, JSON.stringify(headers), String(streams)],
      30_000,
    );
    if (r.code !== 0) throw new Error(`client failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as Sent[];
  };
  const auth = { authorization: basic('prometheus', password) };

  it.each([
    ['GET /-/healthy with a Content-Length', 'GET', '/-/healthy', 'length', {}, 200],
    ['GET /-/healthy chunked', 'GET', '/-/healthy', 'chunked', {}, 200],
    ['GET /metrics without credentials (401)', 'GET', '/metrics', 'length', {}, 401],
    ['POST /-/reload chunked without credentials (401)', 'POST', '/-/reload', 'chunked', {}, 401],
    [
      'POST /api/v1/check chunked with credentials (413)',
      'POST',
      '/api/v1/check',
      'chunked',
      { ...auth, 'content-type': 'application/json' },
      413,
    ],
    [
      'POST /api/v1/check with a Content-Length over the limit (413)',
      'POST',
      '/api/v1/check',
      'length',
      { ...auth, 'content-type': 'application/json' },
      413,
    ],
  ] as const)(
    '%s: answered, closed, at most 1 MiB of 100 MB taken',
    async (what, method, path, mode, headers, status) => {
      const [sent] = await send(method, path, mode, headers);
      console.log(
        `bodies: ${what}: ${sent!.status} after ${sent!.ms} ms, ` +
          `${sent!.written} bytes taken of 100 MB, closed ${sent!.closed}`,
      );
      expect([sent!.status, sent!.closed]).toEqual([status, true]);
      expect(sent!.written).toBeLessThan(MAX_WRITTEN);
    },
  );

  it('four chunked streams at once to /-/healthy: each answered and closed', async () => {
    const sent = await send('GET', '/-/healthy', 'chunked', {}, 4);
    const total = sent.reduce((n, s) => n + s.written, 0);
    console.log(`bodies: four chunked streams: ${sent.map((s) => s.status).join(',')}, ${total} bytes taken in all`);
    expect(sent.map((s) => [s.status, s.closed])).toEqual(Array(4).fill([200, true]));
    expect(total).toBeLessThan(4 * MAX_WRITTEN);
  });
});
