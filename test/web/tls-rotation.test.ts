import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadWebConfigFile } from '../../src/web/config.js';
import { WebServing } from '../../src/web/serving.js';
import { serve } from '../http/server-fixture.js';
import { httpsRequest, makeCerts, signServer, type Certs } from './certs.js';

// Certificates renewed on disk are used for new connections without a reload, as
// exporter-toolkit reads them at every handshake: files overwritten in place, and the
// symlink swap of a Kubernetes secret volume. A pair that does not work yet is logged once
// and the working one kept.
describe('certificate files changed under a running server', () => {
  let certs: Certs;
  let dir: string;
  let logs: { level: number; msg: string; problem?: string; subject?: string; warning?: string }[];
  let web: WebServing;

  beforeAll(() => {
    certs = makeCerts();
    signServer(certs.dir, 'server3');
  });
  afterAll(() => certs?.remove());
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function serveFrom(yaml: string) {
    writeFileSync(join(dir, 'web.yml'), yaml);
    logs = [];
    const write = (line: string) => logs.push(JSON.parse(line) as (typeof logs)[number]);
    const logger = pino({ level: 'debug' }, { write });
    web = new WebServing(await loadWebConfigFile(join(dir, 'web.yml')), { file: join(dir, 'web.yml'), logger });
    const { server } = await serve({ web });
    return async () => {
      const res = await httpsRequest(`https://127.0.0.1:${server.port}/-/healthy`, { ca: certs.pem('ca') });
      return res.serial;
    };
  }

  const serial = (name: string) => new X509Certificate(readFileSync(join(certs.dir, `${name}.crt`))).serialNumber;
  const put = (name: string, as: 'tls') => {
    copyFileSync(join(certs.dir, `${name}.crt`), join(dir, `${as}.crt`));
    copyFileSync(join(certs.dir, `${name}.key`), join(dir, `${as}.key`));
  };

  it('files overwritten: the next connection gets the new pair; a broken pair keeps the old, said once', async () => {
    dir = mkdtempSync(join(tmpdir(), 'portwatch-rotate-'));
    put('server', 'tls');
    const scrape = await serveFrom('tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n');
    expect(await scrape()).toBe(serial('server'));

    put('server2', 'tls');
    expect(await scrape()).toBe(serial('server2'));
    const changed = logs.filter((l) => l.msg.startsWith('TLS files changed;'));
    expect(changed.map((l) => l.subject)).toEqual(['CN=portwatch test server2']);

    // The certificate renewed, its key not yet.
    copyFileSync(join(certs.dir, 'server3.crt'), join(dir, 'tls.crt'));
    const still = serial('server2');
    expect([await scrape(), await scrape(), await scrape()]).toEqual([still, still, still]);
    const broken = logs.filter((l) => l.level === 50);
    expect(broken).toHaveLength(1);
    const msg = 'TLS files changed but cannot be used; keeping the certificate in use until fixed';
    expect(broken[0]).toMatchObject({ msg });
    expect(broken[0]!.problem).toMatch(/^key_file: cannot use the key with the certificate: /);

    copyFileSync(join(certs.dir, 'server3.key'), join(dir, 'tls.key'));
    expect(await scrape()).toBe(serial('server3'));
  });

  it('a file that vanishes keeps the certificate in use until it is back', async () => {
    dir = mkdtempSync(join(tmpdir(), 'portwatch-rotate-'));
    put('server', 'tls');
    const scrape = await serveFrom('tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n');
    rmSync(join(dir, 'tls.key'));
    expect(await scrape()).toBe(serial('server'));
    const problems = logs.filter((l) => l.level === 50).map((l) => l.problem);
    expect(problems).toEqual([`key_file: cannot read ${join(dir, 'tls.key')}: ENOENT: no such file or directory`]);
    put('server2', 'tls');
    expect(await scrape()).toBe(serial('server2'));
  });

  it('a reload logs what the new file asks that is served otherwise', async () => {
    dir = mkdtempSync(join(tmpdir(), 'portwatch-rotate-'));
    put('server', 'tls');
    await serveFrom('tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n');
    expect(logs.filter((l) => l.level === 40)).toEqual([]);
    const tls11 = 'tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n  min_version: TLS11\n';
    writeFileSync(join(dir, 'web.yml'), tls11);
    web.apply(await web.prepare());
    expect(logs.filter((l) => l.level === 40).map((l) => [l.msg, l.warning])).toEqual([
      [
        'web config: served differently than asked',
        expect.stringMatching(/web\.yml:4:16: tls_server_config\.min_version: TLS11 is not offered/),
      ],
    ]);
  });

  it('a Kubernetes secret volume: the ..data symlink swapped to a new directory', async () => {
    dir = mkdtempSync(join(tmpdir(), 'portwatch-rotate-'));
    const version = (name: string, certName: string) => {
      mkdirSync(join(dir, name));
      copyFileSync(join(certs.dir, `${certName}.crt`), join(dir, name, 'tls.crt'));
      copyFileSync(join(certs.dir, `${certName}.key`), join(dir, name, 'tls.key'));
    };
    version('..v1', 'server');
    symlinkSync('..v1', join(dir, '..data'));
    symlinkSync('..data/tls.crt', join(dir, 'tls.crt'));
    symlinkSync('..data/tls.key', join(dir, 'tls.key'));
    const scrape = await serveFrom('tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n');
    expect(await scrape()).toBe(serial('server'));

    // As the kubelet does it: a new directory, a new link, renamed over the old one at once.
    version('..v2', 'server2');
    symlinkSync('..v2', join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    expect(await scrape()).toBe(serial('server2'));
    expect(logs.filter((l) => l.level >= 50)).toEqual([]);
  });
});
