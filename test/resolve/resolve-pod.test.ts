import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CLI } from '../helpers/daemon.js';
import { Namespaces } from '../helpers/netns.js';
import { addressesOf, labSkipReason, ResolverLab } from '../helpers/resolver-lab.js';
import { describeOrSkip } from '../helpers/skip.js';

// Names resolved in a namespace made like a Kubernetes pod of namespace "shop": the
// resolv.conf kubelet writes (search list, ndots:5) and Debian's dnsmasq as the cluster DNS,
// knowing only fully qualified names and answering NXDOMAIN for every other one, as CoreDNS
// does. Every name must come out exactly as getent ahosts (glibc's getaddrinfo) gives it there.

const skip = labSkipReason(['dnsmasq']);

const POD_RESOLV =
  'search shop.svc.cluster.local svc.cluster.local cluster.local\nnameserver 127.0.0.1\noptions ndots:5\n';
const DNSMASQ = [
  '--host-record=web.shop.svc.cluster.local,192.0.2.10',
  '--host-record=postgres.db.svc.cluster.local,192.0.2.11,2001:db8::11',
  '--host-record=kubernetes.default.svc.cluster.local,192.0.2.1',
  '--host-record=v6only.shop.svc.cluster.local,2001:db8::12',
  '--host-record=api.example.com,192.0.2.20',
  '--host-record=a.b.c.d.e.example,192.0.2.21',
  '--host-record=cluster.local,192.0.2.99',
  '--cname=alias.shop.svc.cluster.local,web.shop.svc.cluster.local',
  // Everything else does not exist: no upstream to ask.
  '--address=/#/',
];

const NAMES = [
  'web', // a Service of the pod's own namespace
  'postgres.db', // service.namespace
  'kubernetes.default.svc', // what the shipped kustomize config checks
  'kubernetes.default.svc.cluster.local', // 4 dots: still fewer than ndots, so the search list first
  'a.b.c.d.e.example', // 5 dots: asked as it is first
  'api.example.com.', // absolute: no search
  'api.example.com', // found only as it is, after the search list
  'alias', // a CNAME to web
  'v6only', // AAAA only
  'WEB', // names have no case
  'in-hosts', // /etc/hosts first
  'nobody.example', // a name nobody knows
];

describeOrSkip(skip, 'resolution in a pod-like namespace', () => {
  const spaces = new Namespaces();
  let lab: ResolverLab;

  beforeAll(async () => {
    await spaces.prepare(async () => {
      lab = new ResolverLab(spaces, { resolv: POD_RESOLV, hosts: '127.0.0.1 localhost\n192.0.2.30 in-hosts\n' });
      await lab.startDnsmasq(DNSMASQ);
    });
  }, 30_000);
  afterAll(() => {
    lab?.stop();
    spaces.cleanup();
  });

  // Some answers spelled out, so that the comparison cannot pass on two empty results.
  it.each([
    [
      'both families',
      undefined,
      { 'postgres.db': ['192.0.2.11', '2001:db8::11'], alias: ['192.0.2.10'], 'in-hosts': ['192.0.2.30'] },
    ],
    ['IPv4 only (getaddrinfo AF_INET)', { ipv4: true, ipv6: false }, { 'postgres.db': ['192.0.2.11'], v6only: [] }],
    ['IPv6 only (getaddrinfo AF_INET6)', { ipv4: false, ipv6: true }, { 'postgres.db': ['2001:db8::11'], web: [] }],
  ])('gives every name form what getent gives, %s', async (_, want, samples) => {
    const glibc = await lab.getent(NAMES, want === undefined ? {} : { want });
    const ours = await lab.ours(NAMES, want === undefined ? {} : { want });
    expect(Object.fromEntries(NAMES.map((n) => [n, addressesOf(ours[n]!)]))).toEqual(glibc);
    expect(glibc).toMatchObject(samples);
    expect(ours['nobody.example']).toMatchObject({
      reason: 'dns-failure',
      message: 'cannot resolve nobody.example: ENOTFOUND',
    });
  });

  it('resolves the names of the shipped kustomize example', async () => {
    const config = parse(
      readFileSync(new URL('../../deploy/kubernetes/base/portwatch.yaml', import.meta.url), 'utf8'),
    ) as { monitors: Array<{ hosts?: string[] }> };
    const hosts = config.monitors.flatMap((m) => m.hosts ?? []);
    expect(hosts.length).toBeGreaterThan(0);
    const ours = await lab.ours(hosts);
    const glibc = await lab.getent(hosts);
    for (const host of hosts) {
      expect(ours[host], host).toHaveProperty('addresses');
      expect(addressesOf(ours[host]!), host).toEqual(glibc[host]);
    }
  });

  it('probes a service.namespace name end to end with `portwatch probe` inside the pod', async () => {
    const r = await spaces.run(lab.ns, process.execPath, [
      CLI,
      'probe',
      '--json',
      '--timeout=500ms',
      'postgres.db:5432',
      'nobody.example:80',
    ]);
    const rows = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    // Nothing listens in the pod: each address of the name is probed (refused or unreachable);
    // the unknown name is an error.
    expect(rows.map((row) => [row['host'], row['ip'], row['port']])).toEqual([
      ['postgres.db', '192.0.2.11', 5432],
      ['postgres.db', '2001:db8::11', 5432],
      ['nobody.example', '', 80],
    ]);
    expect(rows[2]).toMatchObject({ state: 'error', reason: 'dns-failure' });
    expect(r.stderr).toBe('portwatch probe: cannot resolve nobody.example: ENOTFOUND\n');
  });
});
