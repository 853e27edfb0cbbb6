import { afterAll, beforeAll, expect, it } from 'vitest';
import bcrypt from 'bcryptjs';
import { basic, makeCerts, type Certs } from '../web/certs.js';
import { IDLE_CONFIG, prlimitMissing, startAbuseDaemon, tempFiles, type AbuseDaemon } from './helpers/daemon.js';
import { startAttacker, timedRequest, WRONG_PASSWORD_FLOOD, type Timed } from './helpers/clients.js';
import { describeOrSkip } from '../helpers/skip.js';

// Finding: the credential cache held 1,024 verdicts, oldest out first, wrong ones included:
// about a thousand distinct wrong passwords pushed Prometheus' credential out, and its next
// scrape met the full bcrypt queue and got 429. Here more than 1,200 distinct wrong passwords
// for Prometheus' own user are compared and refused (100 under way at once, so the queue is
// full and others are turned away with 429), while /-/healthy and Prometheus' scrape must
// answer 200 within 2 s all along.
const skip = prlimitMissing();
const REFUSED = 1_200;
const password = 'correct horse battery staple';

describeOrSkip(skip, 'a flood of distinct wrong passwords', () => {
  let certs: Certs;
  let files: ReturnType<typeof tempFiles>;
  let daemon: AbuseDaemon | undefined;

  beforeAll(() => {
    certs = makeCerts();
    // Cost 5 so that the flood's comparisons are quick and a thousand of them fit the test's time.
    const tls = `tls_server_config:\n  cert_file: ${certs.files.serverCert}\n  key_file: ${certs.files.serverKey}\n`;
    const web = `${tls}basic_auth_users:\n  prometheus: "${bcrypt.hashSync(password, 5)}"\n`;
    files = tempFiles({ 'portwatch.yaml': IDLE_CONFIG, 'web.yml': web });
  });
  afterAll(async () => {
    await daemon?.stop();
    certs?.remove();
    files?.remove();
  });

  it("never refuses nor delays Prometheus' verified credential, nor /-/healthy", async () => {
    daemon = await startAbuseDaemon({
      args: [`--config.file=${files.path('portwatch.yaml')}`, `--web.config.file=${files.path('web.yml')}`],
      nofile: 8192,
    });
    const ca = certs.pem('ca');
    const url = (path: string) => `https://127.0.0.1:${daemon!.port}${path}`;
    const scrape = () => timedRequest(url('/metrics'), { ca, authorization: basic('prometheus', password) });
    expect((await scrape()).status).toBe(200);
    const attacker = startAttacker(WRONG_PASSWORD_FLOOD, [
      String(daemon.port),
      'prometheus',
      '100',
      String(REFUSED),
      '60000',
    ]);
    const seen: Array<{ what: string } & Timed> = [];
    let flood: Record<string, number>;
    try {
      while ((attacker.last()['refused'] ?? 0) < REFUSED && attacker.proc.exitCode === null && seen.length < 400) {
        seen.push({ what: 'healthy', ...(await timedRequest(url('/-/healthy'), { ca })) });
        seen.push({ what: 'scrape', ...(await scrape()) });
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      flood = await attacker.stop();
    }
    const after = await scrape();
    const worst = Math.max(...seen.map((s) => s.ms));
    console.log(
      `wrong-passwords: ${flood['refused']} wrong passwords refused (401), ` +
        `${flood['busy']} turned away (429), ${flood['other']} other; ` +
        `${seen.length} requests meanwhile, slowest ${worst.toFixed(0)} ms; scrape after: ${after.status}`,
    );
    expect(flood['refused']).toBeGreaterThanOrEqual(REFUSED);
    expect(flood['busy']).toBeGreaterThan(0);
    for (const s of seen) {
      expect([s.what, s.status, s.error]).toEqual([s.what, 200, undefined]);
      expect(s.ms, s.what).toBeLessThan(2_000);
    }
    expect(after.status).toBe(200);
  }, 120_000);
});
