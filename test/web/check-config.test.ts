import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../helpers/daemon.js';
import { makeCerts, type Certs } from './certs.js';
import { UPSTREAM_DIR } from './upstream.js';

// `portwatch check-config --web.config.file=FILE`, alone and with config files: the built
// CLI, its output and exit code.
function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'check-config', ...args], { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('portwatch check-config --web.config.file', () => {
  let certs: Certs;
  beforeAll(() => {
    certs = makeCerts();
  });
  afterAll(() => certs?.remove());

  it('a good web config: OK with what it serves, warnings on stderr, exit 0', () => {
    const file = join(certs.dir, 'web.yml');
    const tls = 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS11\n';
    writeFileSync(file, `${tls}basic_auth_users:\n  a: $2b$04$abcdefghijklmnopqrstuuPoPUxmOfPUfmWpLpZ4fb9MHNN2wYYce\n`);
    const r = cli([`--web.config.file=${file}`]);
    expect(r).toEqual({
      code: 0,
      stdout: `${file}: OK: HTTPS (TLSv1.2-TLSv1.3, NoClientCert), 1 basic auth users\n`,
      stderr:
        `warning: ${file}:4:16: tls_server_config.min_version: TLS11 is not offered: ` +
        "portwatch serves TLS 1.2 and 1.3 only (Node.js's OpenSSL refuses 1.0 and 1.1 at its default security level)\n",
    });
  });

  it('with config files: checks each, the web config first', () => {
    const web = join(UPSTREAM_DIR, 'web_config_headers.good.yml');
    const r = cli(['--web.config.file', web, 'config/portwatch.yaml']);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout.split('\n')).toEqual([
      `${web}: OK: plain HTTP, no basic auth, headers X-Frame-Options, Strict-Transport-Security, ` +
        'X-Content-Type-Options, X-XSS-Protection, Content-Security-Policy',
      expect.stringMatching(/^config\/portwatch\.yaml: OK: 1 monitors, \d+ host:port targets$/),
      '',
    ]);
  });

  it('a bad web config: every problem with its place, exit 1, the other files still checked', () => {
    const file = join(UPSTREAM_DIR, 'web_config_noAuth_certPath_keyPath_empty.bad.yml');
    const r = cli([`--web.config.file=${file}`, 'config/portwatch.yaml']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      `${file}:2:3: tls_server_config: missing cert_file (or cert): TLS needs a certificate`,
      `${file}:2:3: tls_server_config: missing key_file (or key): TLS needs the private key of the certificate`,
      `${file}:4:21: tls_server_config.client_auth_type: client_auth_type must be one of NoClientCert, ` +
        'RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven, RequireAndVerifyClientCert, got "x"',
    ]);
    expect(r.stdout).toMatch(/^config\/portwatch\.yaml: OK/);
  });

  it('misuse (nothing to check, an unknown flag, a flag without its value) is exit 2, one line and the usage', () => {
    const usage = 'usage: portwatch check-config [--web.config.file=FILE] [FILE...]\n';
    for (const [args, line] of [
      [[], 'nothing to check: give a config FILE or --web.config.file'],
      [['--web.config'], 'unknown flag --web.config'],
      [['--config.file=x.yml'], 'unknown flag --config.file'],
      [['--web.config.file'], '--web.config.file needs a file name'],
    ] as const) {
      const r = cli([...args]);
      expect([r.code, r.stderr], args.join(' ')).toEqual([2, `portwatch check-config: ${line}\n${usage}`]);
    }
    expect(cli(['--help'])).toMatchObject({ code: 0, stdout: usage });
  });
});
