import { describe, expect, it } from 'vitest';
import { walkSources, type Answer } from '../../src/resolve/host-sources.js';
import type { NssStatus } from '../../src/resolve/nsswitch.js';
import { hostSources } from '../../src/resolve/nsswitch.js';
import { parseResolvConf } from '../../src/resolve/resolv-conf.js';

// Which source answers a name for a given hosts line: the walk of host-sources.ts with its
// two steps (getaddrinfo, portwatch's DNS) recorded instead of made. Real lookups through
// nsswitch.conf are compared with getent in resolve-servers.test.ts.

const FROM_LOOKUP: Answer = { addresses: ['192.0.2.1'], ttlMs: 30_000 };
const FROM_DNS: Answer = { addresses: ['192.0.2.2'], ttlMs: 60_000 };

async function walk(
  line: string,
  name: string,
  dns: NssStatus,
  hosts: string[] = [],
): Promise<{ answer: Answer; steps: string[] }> {
  const steps: string[] = [];
  const view = {
    resolv: parseResolvConf({ text: '', hostname: 'node7' }),
    hostsNames: new Set(hosts),
    sources: hostSources(`hosts: ${line}\n`),
    hostname: 'node7',
  };
  const answer = await walkSources(name, view, {
    lookup: () => Promise.resolve((steps.push('getaddrinfo'), FROM_LOOKUP)),
    dns: () => {
      steps.push('dns');
      return Promise.resolve({
        status: dns,
        answer:
          dns === 'success' ? FROM_DNS : { reason: 'dns-failure', code: dns === 'notfound' ? 'ENOTFOUND' : 'ETIMEOUT' },
      });
    },
  });
  return { answer, steps };
}

describe('walkSources', () => {
  it.each<[string, string, NssStatus, string[], string[]]>([
    ['files dns', 'db', 'success', ['db'], ['getaddrinfo']],
    ['files dns', 'DB', 'success', ['db'], ['getaddrinfo']],
    ['files dns', 'db.', 'success', ['db'], ['dns']],
    ['files dns', 'web', 'success', [], ['dns']],
    ['files dns ldap', 'web', 'notfound', [], ['dns', 'getaddrinfo']],
    ['files dns ldap', 'web', 'unavail', [], ['dns']],
    ['files dns [NOTFOUND=return] ldap', 'web', 'notfound', [], ['dns']],
    ['files ldap dns', 'web', 'notfound', [], ['dns', 'getaddrinfo']],
    ['files [NOTFOUND=return] dns', 'web', 'success', [], []],
    ['files mdns4_minimal [NOTFOUND=return] dns', 'printer.local', 'success', [], ['getaddrinfo']],
    ['files mdns4_minimal [NOTFOUND=return] dns', 'web', 'success', [], ['dns']],
    ['files myhostname dns', 'node7', 'success', [], ['getaddrinfo']],
    ['files myhostname [NOTFOUND=return] dns', 'web', 'success', [], []],
    ['files dns myhostname', 'a.localhost', 'unavail', [], ['dns', 'getaddrinfo']],
    ['dns [!UNAVAIL=return] files', 'db', 'notfound', ['db'], ['dns']],
    ['dns [!UNAVAIL=return] files', 'db', 'unavail', ['db'], ['dns', 'getaddrinfo']],
  ])('hosts: %s, %s with DNS %s', async (line, name, dns, hosts, steps) => {
    const walked = await walk(line, name, dns, hosts);
    expect(walked.steps).toEqual(steps);
    const last = steps.at(-1);
    if (last === 'getaddrinfo') expect(walked.answer).toBe(FROM_LOOKUP);
    else if (last === 'dns' && dns === 'success') expect(walked.answer).toBe(FROM_DNS);
    else expect(walked.answer).toHaveProperty('reason', 'dns-failure');
  });
});
