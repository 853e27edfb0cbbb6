import { spawnSync } from 'node:child_process';
import { join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { UsageError } from '../../src/cli/args.js';
import { DEFAULT_LISTEN_ADDRESS, parseDaemonArgs } from '../../src/cli/flags.js';
import type { DaemonFlags } from '../../src/daemon.js';
import { loadConfigFile } from '../../src/config/load.js';
import { parseListenAddress } from '../../src/http/listen-address.js';
import { exists, findBinary, imageRuntime, missingTool, parseDockerfile } from './files.js';
import { read, readYaml, ROOT, yamlDocuments } from './files.js';
import { describeOrSkip } from '../helpers/skip.js';

// deploy/kubernetes/, checked without a cluster: every file the kustomizations name exists,
// selectors select, named ports and probes meet, the pods are locked down with their state on
// a volume claim where the image keeps it, only Prometheus reaches the port, drains take one
// pod at a time, and the sharded overlay runs as many pods as shards, each pod taking its own
// shard. The same is checked once more on what `kubectl kustomize` renders (kubernetes-schema
// validates those objects against the API schemas).

const BASE = 'deploy/kubernetes/base';
const OVERLAY = 'deploy/kubernetes/overlays/sharded-3';
const pkg = JSON.parse(read('package.json')) as { version: string };
const image = imageRuntime(parseDockerfile(read('Dockerfile')));

interface Kustomization {
  resources?: string[];
  configMapGenerator?: { name: string; files: string[] }[];
  images?: { name: string; newName?: string; newTag?: string }[];
  replicas?: { name: string; count: number }[];
  patches?: { target: { kind: string; name: string }; patch: string }[];
}

type Labels = Record<string, string>;
interface Probe {
  httpGet: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  args?: string[];
  ports: { name: string; containerPort: number }[];
  livenessProbe: Probe;
  readinessProbe: Probe;
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  securityContext: {
    allowPrivilegeEscalation: boolean;
    readOnlyRootFilesystem: boolean;
    capabilities: { drop?: string[]; add?: string[] };
  };
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface StatefulSet {
  kind: 'StatefulSet';
  metadata: { name: string; labels: Labels };
  spec: {
    serviceName: string;
    replicas: number;
    selector: { matchLabels: Labels };
    template: {
      metadata: { labels: Labels };
      spec: {
        automountServiceAccountToken?: boolean;
        securityContext: PodSecurityContext;
        containers: Container[];
        volumes: { name: string; configMap?: { name: string } }[];
      };
    };
    volumeClaimTemplates?: VolumeClaimTemplate[];
  };
}
interface PodSecurityContext {
  runAsNonRoot: boolean;
  runAsUser: number;
  runAsGroup: number;
  fsGroup?: number;
  seccompProfile: { type: string };
}
interface VolumeClaimTemplate {
  metadata: { name: string };
  spec: { accessModes: string[]; resources: { requests: { storage: string } } };
}
interface PodDisruptionBudget {
  spec: { selector: { matchLabels: Labels }; maxUnavailable?: number | string; minAvailable?: number | string };
}
interface NetworkPolicy {
  spec: {
    podSelector: { matchLabels: Labels };
    policyTypes: string[];
    ingress: {
      from: { namespaceSelector?: object; podSelector?: { matchLabels: Labels } }[];
      ports: { port: string | number; protocol: string }[];
    }[];
    egress?: unknown[];
  };
}
interface Resource {
  kind: string;
  apiVersion: string;
  metadata: { name: string; labels?: Labels };
  spec?: unknown;
  data?: Record<string, string>;
}
interface Service {
  metadata: { name: string; labels?: Labels };
  spec: { clusterIP?: string; selector: Labels; ports: { name: string; port: number; targetPort: string | number }[] };
}
interface ServiceMonitor {
  spec: { selector: { matchLabels: Labels }; endpoints: { port: string; path: string }[] };
}

const base = readYaml<Kustomization>(`${BASE}/kustomization.yaml`);
const resources = (base.resources ?? []).map((r) => readYaml<Resource>(`${BASE}/${r}`));
const byKind = (list: Resource[], kind: string): Resource[] => list.filter((r) => r.kind === kind);
const one = <T = Resource>(list: Resource[], kind: string): T => {
  const found = byKind(list, kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
  return found[0] as T;
};
const contains = (labels: Labels | undefined, wanted: Labels): boolean =>
  Object.entries(wanted).every(([k, v]) => labels?.[k] === v);

/** The checks every rendering of the manifests must pass; `configMapName` is the generated ConfigMap's. */
function checkManifests(list: Resource[], configMapName: string): void {
  const sts = one<StatefulSet>(list, 'StatefulSet');
  const svc = one<Service>(list, 'Service');
  const sm = one<ServiceMonitor>(list, 'ServiceMonitor');
  const pdb = one<PodDisruptionBudget>(list, 'PodDisruptionBudget');
  const netpol = one<NetworkPolicy>(list, 'NetworkPolicy');
  one(list, 'PrometheusRule');

  // Selectors select.
  const podLabels = sts.spec.template.metadata.labels;
  expect(contains(podLabels, sts.spec.selector.matchLabels), 'StatefulSet selector matches its pods').toBe(true);
  expect(contains(podLabels, svc.spec.selector), 'Service selector matches the pods').toBe(true);
  expect(
    contains(svc.metadata.labels, sm.spec.selector.matchLabels),
    'ServiceMonitor selector matches the Service',
  ).toBe(true);
  expect(contains(podLabels, pdb.spec.selector.matchLabels), 'PodDisruptionBudget selects the pods').toBe(true);
  expect(contains(podLabels, netpol.spec.podSelector.matchLabels), 'NetworkPolicy selects the pods').toBe(true);
  expect(sts.spec.serviceName).toBe(svc.metadata.name);
  expect(svc.spec.clusterIP, 'headless').toBe('None');

  // Named ports meet: container -> Service -> ServiceMonitor, and the probes.
  const [container] = sts.spec.template.spec.containers;
  const c = container!;
  const flags = argsFlags(c.args ?? [], 'portwatch-0');
  expect(c.ports).toHaveLength(1);
  const port = c.ports[0]!;
  expect(port.containerPort).toBe(parseListenAddress(flags.listenAddress).port);
  expect(flags.listenAddress).toBe(DEFAULT_LISTEN_ADDRESS);
  expect(svc.spec.ports.map((p) => p.targetPort)).toEqual([port.name]);
  expect(sm.spec.endpoints.map((e) => [e.port, e.path])).toEqual([[svc.spec.ports[0]!.name, '/metrics']]);
  expect(c.livenessProbe.httpGet).toEqual({ path: '/-/healthy', port: port.name });
  expect(c.readinessProbe.httpGet).toEqual({ path: '/-/ready', port: port.name });

  // The config file is the ConfigMap's key, mounted where --config.file points.
  const mount = c.volumeMounts.find((m) => flags.configFile.startsWith(`${m.mountPath}/`));
  expect(mount, `a volume mounted at the directory of ${flags.configFile}`).toBeDefined();
  expect(mount!.readOnly).toBe(true);
  const volume = sts.spec.template.spec.volumes.find((v) => v.name === mount!.name);
  expect(volume?.configMap?.name).toBe(configMapName);

  // Locked down: non-root, read-only, no privilege escalation, no capabilities, default seccomp.
  const pod = sts.spec.template.spec;
  expect(pod.securityContext.runAsNonRoot).toBe(true);
  expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
  expect(pod.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
  expect(pod.automountServiceAccountToken).toBe(false);
  expect(c.securityContext).toEqual({
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
  });
  for (const kind of ['requests', 'limits'] as const)
    expect(Object.keys(c.resources[kind]).sort(), kind).toEqual(['cpu', 'memory']);

  checkState(sts);
  // Voluntary disruptions take one pod at a time, and never block a drain.
  expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: pdb.spec.selector });
  checkNetworkPolicy(netpol, port.name);
}

/** Each pod's claim is mounted where the image keeps its state, writable by the image's user. */
function checkState(sts: StatefulSet): void {
  const pod = sts.spec.template.spec;
  const c = pod.containers[0]!;
  expect(image.volumes, 'the Dockerfile declares its working directory a VOLUME').toEqual([image.workdir]);
  const claims = sts.spec.volumeClaimTemplates ?? [];
  expect(claims.map((t) => t.metadata.name)).toHaveLength(1);
  const claim = claims[0]!;
  expect(claim.spec.accessModes).toEqual(['ReadWriteOnce']);
  expect(claim.spec.resources.requests.storage).toMatch(/^\d+[MG]i$/);
  const mount = c.volumeMounts.find((m) => m.name === claim.metadata.name);
  expect(mount, 'the claim is mounted').toBeDefined();
  expect(mount!.mountPath).toBe(image.workdir);
  expect(mount!.readOnly ?? false).toBe(false);
  const [uid, gid] = image.user.split(':').map(Number);
  expect([pod.securityContext.runAsUser, pod.securityContext.runAsGroup]).toEqual([uid, gid ?? uid]);
  expect(pod.securityContext.fsGroup, "the volume is made writable for the image user's group").toBe(gid ?? uid);
  expect(
    pod.volumes.map((v) => v.name),
    'the claim is no pod volume as well',
  ).not.toContain(claim.metadata.name);
}

/** Ingress to the metrics port from Prometheus pods only; egress not restricted at all. */
function checkNetworkPolicy(netpol: NetworkPolicy, portName: string): void {
  expect(netpol.spec.policyTypes).toEqual(['Ingress']);
  expect(netpol.spec.egress).toBeUndefined();
  expect(netpol.spec.ingress).toHaveLength(1);
  const [rule] = netpol.spec.ingress;
  expect(rule!.ports).toEqual([{ port: portName, protocol: 'TCP' }]);
  expect(rule!.from.length).toBeGreaterThan(0);
  // Every peer names the Prometheus pods: a peer without a podSelector would admit whole namespaces.
  const prometheus = { 'app.kubernetes.io/name': 'prometheus' };
  for (const peer of rule!.from) expect(peer.podSelector?.matchLabels).toEqual(prometheus);
}

function argsFlags(args: string[], hostname: string): DaemonFlags {
  const parsed = parseDaemonArgs(args, () => hostname);
  if (parsed.kind !== 'run') throw new Error(`args ${args.join(' ')} do not run the daemon`);
  return parsed.flags;
}

/** RFC 6902 add and replace, enough for the overlays' patches. */
function applyPatch(doc: unknown, ops: { op: string; path: string; value: unknown }[]): unknown {
  const copy = structuredClone(doc) as Record<string, unknown>;
  for (const { op, path, value } of ops) {
    const keys = path
      .split('/')
      .slice(1)
      .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = keys.pop()!;
    let at: unknown = copy;
    for (const k of keys) {
      at = (at as Record<string, unknown>)[k];
      if (at === undefined) throw new Error(`patch path ${path} does not exist`);
    }
    if (Array.isArray(at)) {
      if (op === 'add') at.splice(last === '-' ? at.length : Number(last), 0, value);
      else if (op === 'replace') at[Number(last)] = value;
      else throw new Error(`op ${op} not supported here`);
    } else if (op === 'add' || op === 'replace') (at as Record<string, unknown>)[last] = value;
    else throw new Error(`op ${op} not supported here`);
  }
  return copy;
}

describe('kustomize base', () => {
  it('names only files that exist', () => {
    for (const r of base.resources ?? []) expect(exists(`${BASE}/${r}`), r).toBe(true);
    for (const g of base.configMapGenerator ?? [])
      for (const f of g.files) expect(exists(`${BASE}/${f.split('=').pop()}`), f).toBe(true);
  });

  it('holds a StatefulSet, a headless Service, a PDB, a NetworkPolicy, a ServiceMonitor and a PrometheusRule', () => {
    expect(resources.map((r) => `${r.apiVersion} ${r.kind}`).sort()).toEqual([
      'apps/v1 StatefulSet',
      'monitoring.coreos.com/v1 PrometheusRule',
      'monitoring.coreos.com/v1 ServiceMonitor',
      'networking.k8s.io/v1 NetworkPolicy',
      'policy/v1 PodDisruptionBudget',
      'v1 Service',
    ]);
  });

  it('fits together: selectors, named ports, probes, config mount, security context', () => {
    checkManifests(resources, base.configMapGenerator![0]!.name);
  });

  it('ships a config portwatch accepts, under the name --config.file reads', async () => {
    const sts = one<StatefulSet>(resources, 'StatefulSet');
    const flags = argsFlags(sts.spec.template.spec.containers[0]!.args ?? [], 'portwatch-0');
    const [gen] = base.configMapGenerator!;
    expect(gen!.files.map((f) => f.split('=')[0])).toEqual([posix.basename(flags.configFile)]);
    await expect(loadConfigFile(join(ROOT, BASE, gen!.files[0]!))).resolves.toBeDefined();
  });

  it('runs the image of this version', () => {
    const sts = one<StatefulSet>(resources, 'StatefulSet');
    const image = base.images?.find((i) => i.name === sts.spec.template.spec.containers[0]!.image);
    expect(image?.newTag).toBe(pkg.version);
  });

  it('is one unsharded portwatch', () => {
    const sts = one<StatefulSet>(resources, 'StatefulSet');
    expect(sts.spec.replicas).toBe(1);
    expect(argsFlags(sts.spec.template.spec.containers[0]!.args ?? [], 'portwatch-0').shard).toEqual({
      index: 0,
      count: 1,
    });
  });
});

describe('overlay sharded-3', () => {
  const overlay = readYaml<Kustomization>(`${OVERLAY}/kustomization.yaml`);
  const baseSts = one<StatefulSet>(resources, 'StatefulSet');

  function patched(): StatefulSet {
    let sts: unknown = baseSts;
    for (const p of overlay.patches ?? []) {
      if (p.target.kind !== 'StatefulSet' || p.target.name !== baseSts.metadata.name)
        throw new Error(`patch of ${p.target.kind}/${p.target.name} matches nothing`);
      sts = applyPatch(sts, parse(p.patch) as { op: string; path: string; value: unknown }[]);
    }
    const s = sts as StatefulSet;
    const replicas = overlay.replicas?.find((r) => r.name === s.metadata.name);
    if (overlay.replicas?.length !== 1 || !replicas) throw new Error('replicas must name the StatefulSet');
    return { ...s, spec: { ...s.spec, replicas: replicas.count } };
  }

  it('builds on the base', () => {
    expect(overlay.resources).toEqual(['../../base']);
    expect(exists(posix.join(OVERLAY, '../../base/kustomization.yaml'))).toBe(true);
  });

  it('runs as many pods as shards, pod portwatch-i checking shard i', () => {
    const sts = patched();
    const args = sts.spec.template.spec.containers[0]!.args ?? [];
    const count = argsFlags(args, 'portwatch-0').shard.count;
    expect(count).toBe(3);
    expect(sts.spec.replicas).toBe(count);
    for (let i = 0; i < count; i++)
      expect(argsFlags(args, `${sts.metadata.name}-${i}`).shard).toEqual({ index: i, count });
    // One pod too many would refuse to start rather than check a shard twice.
    expect(() => argsFlags(args, `${sts.metadata.name}-${count}`)).toThrow(UsageError);
  });
});

// kustomize itself, or kubectl's.
const noKubectl = missingTool('kubectl', 'or kustomize; kubectl kustomize renders the manifests');
const kustomize = findBinary('kustomize')
  ? ['kustomize', 'build']
  : noKubectl === undefined
    ? ['kubectl', 'kustomize']
    : undefined;

describeOrSkip(kustomize === undefined ? noKubectl : undefined, 'kustomize build', () => {
  function build(dir: string): Resource[] {
    const r = spawnSync(findBinary(kustomize![0]!)!, [...kustomize!.slice(1), dir], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (r.status !== 0) throw new Error(`${kustomize!.join(' ')} ${dir} failed: ${r.stderr}`);
    return yamlDocuments<Resource>(r.stdout, dir);
  }

  it.each([
    [BASE, 1],
    [OVERLAY, 3],
  ])('renders %s into manifests that fit together, %i shards', (dir, shards) => {
    const list = build(dir);
    const configMap = one(list, 'ConfigMap');
    expect(Object.keys(configMap.data ?? {})).toEqual(['portwatch.yaml']);
    checkManifests(list, configMap.metadata.name);
    const sts = one<StatefulSet>(list, 'StatefulSet');
    expect(sts.spec.replicas).toBe(shards);
    expect(argsFlags(sts.spec.template.spec.containers[0]!.args ?? [], 'portwatch-0').shard.count).toBe(shards);
    expect(sts.spec.template.spec.containers[0]!.image).toBe(`ghcr.io/portwatch/portwatch:${pkg.version}`);
  });
});
