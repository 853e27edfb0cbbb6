import bcrypt from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import { BasicAuth, parseBasic } from '../../src/web/auth.js';
import { CredentialCache } from '../../src/web/credential-cache.js';
import { parseWebConfig } from '../../src/web/config.js';
import { WebServing } from '../../src/web/serving.js';
import { serve } from '../http/server-fixture.js';
import { basic } from './certs.js';

// Hashes are made here with bcryptjs at a low cost, so the tests stay fast. Bodies are always
// read: a response left unread holds its connection open and the server's close waits for it.
async function fetchStatus(url: string, init: RequestInit = {}): Promise<number> {
  const res = await fetch(url, init);
  await res.arrayBuffer();
  return res.status;
}

const hash = (password: string, cost = 4) => bcrypt.hashSync(password, cost);

async function serveWithUsers(users: Record<string, string>, extra = '') {
  const yaml = `basic_auth_users:\n${Object.entries(users)
    .map(([u, h]) => `  ${u}: "${h}"\n`)
    .join('')}${extra}`;
  const web = new WebServing(await parseWebConfig(yaml, 'web.yml', '/'));
  return { ...(await serve({ web })), web };
}

describe('basic auth', () => {
  it(
    '200 with the right credentials; 401 with a realm without them, ' + 'with a wrong user or a wrong password',
    async () => {
      const { base } = await serveWithUsers({ alice: hash('s3cret'), bob: hash('other') });
      const get = async (auth?: string) => {
        const res = await fetch(`${base}/metrics`, auth === undefined ? {} : { headers: { authorization: auth } });
        await res.arrayBuffer();
        return res;
      };
      expect((await get(basic('alice', 's3cret'))).status).toBe(200);
      expect((await get(basic('bob', 'other'))).status).toBe(200);
      for (const auth of [
        undefined,
        basic('mallory', 's3cret'),
        basic('alice', 'wrong'),
        basic('alice', ''),
        'Bearer abc',
        'Basic !!!',
      ]) {
        const res = await get(auth);
        expect(res.status, String(auth)).toBe(401);
        expect(res.headers.get('www-authenticate')).toBe('Basic realm="portwatch"');
      }
    },
  );

  it('guards every route but /-/healthy and /-/ready, unknown ones and the re-check API included', async () => {
    const { base } = await serveWithUsers({ alice: hash('s3cret') });
    for (const path of ['/-/healthy', '/-/ready']) {
      const res = await fetch(`${base}${path}`);
      expect([res.status, await res.text()], path).toEqual([200, path === '/-/ready' ? 'Ready' : 'Healthy']);
    }
    const guarded = [
      ['GET', '/'],
      ['GET', '/metrics'],
      ['POST', '/-/reload'],
      ['GET', '/nope'],
      ['POST', '/api/v1/check'],
    ] as const;
    for (const [method, path] of guarded) {
      expect(await fetchStatus(`${base}${path}`, { method }), `${method} ${path}`).toBe(401);
    }
  });

  it('adds the configured headers to every response, 401s included', async () => {
    const { base } = await serveWithUsers(
      { alice: hash('s3cret') },
      'http_server_config:\n  headers:\n    X-Content-Type-Options: nosniff\n',
    );
    for (const path of ['/metrics', '/-/healthy']) {
      const res = await fetch(`${base}${path}`);
      await res.arrayBuffer();
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
    }
  });

  it('a reload swaps the users', async () => {
    const { base, web } = await serveWithUsers({ alice: hash('s3cret') });
    web.apply(await parseWebConfig(`basic_auth_users:\n  carol: "${hash('new')}"\n`, 'web.yml', '/'));
    expect(await fetchStatus(`${base}/metrics`, { headers: { authorization: basic('alice', 's3cret') } })).toBe(401);
    expect(await fetchStatus(`${base}/metrics`, { headers: { authorization: basic('carol', 'new') } })).toBe(200);
  });

  it('a flood of wrong passwords does not stall the server', async () => {
    // Cost 10, as htpasswd -nBC 10 makes: each comparison takes tens of ms of CPU.
    const { base } = await serveWithUsers({ alice: hash('s3cret', 10) });
    let settled = 0;
    const flood = Array.from({ length: 40 }, (_, i) =>
      fetchStatus(`${base}/metrics`, { headers: { authorization: basic('alice', `guess${i}`) } }).finally(
        () => settled++,
      ),
    );
    await new Promise((r) => setTimeout(r, 50));
    expect(await fetchStatus(`${base}/-/healthy`)).toBe(200);
    // Answered while comparisons are still queued: a stalled event loop would serve it after them.
    // Counting instead of timing holds however loaded the machine is.
    expect(settled).toBeLessThan(flood.length);
    const statuses = await Promise.all(flood);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
  });
});

describe('BasicAuth', () => {
  it('caches results: a repeated right password is not compared again', async () => {
    const auth = new BasicAuth(new Map([['alice', hash('s3cret', 8)]]));
    expect(await auth.check(basic('alice', 's3cret'))).toBe('ok');
    // CPU time of the process, bcrypt's worker thread included: comparing each time would cost
    // seconds of it, whatever else the machine is doing meanwhile.
    const cpu = process.cpuUsage();
    for (let i = 0; i < 100; i++) expect(await auth.check(basic('alice', 's3cret'))).toBe('ok');
    const { user, system } = process.cpuUsage(cpu);
    expect((user + system) / 1000).toBeLessThan(200);
    expect(await auth.check(basic('alice', 's3cret!'))).toBe('denied');
  });

  it('turns comparisons away beyond its queue', async () => {
    const auth = new BasicAuth(new Map([['alice', hash('s3cret', 8)]]), { maxQueued: 2 });
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => auth.check(basic('alice', `x${i}`))));
    expect(results.filter((r) => r === 'busy')).toHaveLength(4);
    expect(results.filter((r) => r === 'denied')).toHaveLength(2);
  });

  it('a password that is not UTF-8 is compared as its bytes, as Go does', async () => {
    // Openwall's vector for the bytes ff ff a3 (see bcrypt.test.ts). Decoded as UTF-8 they,
    // fe fe a3 and the text "\ufffd\ufffd\ufffd" would all be the same password.
    const auth = new BasicAuth(new Map([['alice', '$2b$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e']]));
    const header = (password: Buffer) => `Basic ${Buffer.concat([Buffer.from('alice:'), password]).toString('base64')}`;
    expect(await auth.check(header(Buffer.from([0xff, 0xff, 0xa3])))).toBe('ok');
    expect(await auth.check(header(Buffer.from([0xfe, 0xfe, 0xa3])))).toBe('denied');
    expect(await auth.check(header(Buffer.from('\ufffd\ufffd\ufffd', 'utf8')))).toBe('denied');
  });

  it('keeps verified credentials through a flood of distinct wrong ones, and across a change of users', async () => {
    const cache = new CredentialCache({ verified: 4, refused: 8 });
    const users = new Map([['alice', hash('s3cret')]]);
    const auth = new BasicAuth(users, { cache });
    expect(await auth.check(basic('alice', 's3cret'))).toBe('ok');
    for (let i = 0; i < 40; i++) expect(await auth.check(basic('alice', `wrong${i}`))).toBe('denied');
    expect(cache.size).toEqual({ verified: 1, refused: 8 });
    // A queue that turns every comparison away: what is answered now comes from the cache alone.
    const noQueue = new BasicAuth(users, { cache, maxQueued: 0 });
    expect(await noQueue.check(basic('alice', 's3cret'))).toBe('ok');
    expect(await noQueue.check(basic('alice', 'wrong39'))).toBe('denied');
    expect(await noQueue.check(basic('alice', 'wrong0'))).toBe('busy');
    // A reload that adds a user keeps alice's verdict; a new hash for her is a new credential.
    const reloaded = noQueue.withUsers(new Map([...users, ['bob', hash('other')]]));
    expect(await reloaded.check(basic('alice', 's3cret'))).toBe('ok');
    expect(await reloaded.withUsers(new Map([['alice', hash('s3cret')]])).check(basic('alice', 's3cret'))).toBe('busy');
  });

  it('parses Basic headers into bytes, passwords with colons included', () => {
    const text = (c: ReturnType<typeof parseBasic>) =>
      c && { user: c.user.toString('latin1'), password: c.password.toString('latin1') };
    expect(text(parseBasic(basic('a', 'b:c')))).toEqual({ user: 'a', password: 'b:c' });
    expect(text(parseBasic('basic ' + Buffer.from('x:').toString('base64')))).toEqual({ user: 'x', password: '' });
    const bytes = 'Basic ' + Buffer.from([0x61, 0x3a, 0xff, 0xfe]).toString('base64');
    expect(text(parseBasic(bytes))).toEqual({ user: 'a', password: '\xff\xfe' });
    expect(parseBasic('Basic bm9jb2xvbg==')).toBeUndefined();
    expect(parseBasic(undefined)).toBeUndefined();
  });
});
