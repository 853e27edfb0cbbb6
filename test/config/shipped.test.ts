import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/load.js';

describe('the configs we ship', () => {
  it('config/portwatch.yaml audits this machine: portwatch open, sensitive ports closed', async () => {
    const config = await loadConfigFile('config/portwatch.yaml');
    expect(config.monitors).toHaveLength(1);
    const [m] = config.monitors;
    expect(m?.hosts).toEqual(['127.0.0.1', '::1']);
    expect(m?.expectOpen).toEqual([9798]);
    expect(m?.expectClosed).toEqual(expect.arrayContaining([3306, 5432, 6379, 27017, 3389, 23, 5900, 445, 2375]));
    expect([m?.intervalMs, m?.timeoutMs, m?.retries]).toEqual([3_600_000, 3000, 2]);
  });

  const examples = readdirSync(join('config', 'examples')).filter((f) => f.endsWith('.yaml'));

  it('has examples', () => {
    expect(examples).toContain('web-and-database.yaml');
  });

  it('web-and-database.yaml routes each monitor to its team', async () => {
    const config = await loadConfigFile(join('config', 'examples', 'web-and-database.yaml'));
    expect(config.monitors.map((m) => [m.name, m.labels])).toEqual([
      ['web', { env: 'prod', team: 'web' }],
      ['database', { env: 'prod', team: 'dba' }],
      ['mail', { env: 'prod', service: 'smtp-relay', team: 'messaging' }],
    ]);
  });

  it.each(examples)('config/examples/%s loads', async (name) => {
    const config = await loadConfigFile(join('config', 'examples', name));
    expect(config.monitors.length).toBeGreaterThan(0);
  });
});
