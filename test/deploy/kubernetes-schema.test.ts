import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import { expect, it } from 'vitest';
import { findBinary, missingTool, ROOT, yamlDocuments } from './files.js';
import { describeOrSkip } from '../helpers/skip.js';

// What `kubectl kustomize` renders of the base and of every overlay, validated against the
// API's own schemas: Kubernetes' OpenAPI for the core objects (npm kubernetes-models) and the
// prometheus-operator's CRD schemas for ServiceMonitor and PrometheusRule
// (@kubernetes-models/prometheus-operator). These schemas check types, required fields, enums
// and patterns; like the API server without strict field validation, they let unknown fields
// through, which kubernetes.test.ts covers for the fields portwatch relies on.

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
}
interface Model {
  validate(): void;
}
type ModelClass = new (data: never) => Model;

const MODELS: Record<string, ModelClass> = {
  'v1 ConfigMap': ConfigMap,
  'v1 Service': Service,
  'apps/v1 StatefulSet': StatefulSet,
  'policy/v1 PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1 NetworkPolicy': NetworkPolicy,
  'monitoring.coreos.com/v1 ServiceMonitor': ServiceMonitor,
  'monitoring.coreos.com/v1 PrometheusRule': PrometheusRule,
};

const OVERLAYS = 'deploy/kubernetes/overlays';
const DIRS = ['deploy/kubernetes/base', ...readdirSync(join(ROOT, OVERLAYS)).map((d) => `${OVERLAYS}/${d}`)];

const noKubectl = missingTool('kubectl', 'kubectl kustomize renders the manifests');

function render(dir: string): Manifest[] {
  const r = spawnSync(findBinary('kubectl')!, ['kustomize', dir], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`kubectl kustomize ${dir} failed: ${r.stderr}`);
  return yamlDocuments<Manifest>(r.stdout, dir);
}

/** The schema's complaints about `object`, or undefined when it is valid. */
function problems(object: Manifest): string | undefined {
  const model = MODELS[`${object.apiVersion} ${object.kind}`];
  if (model === undefined) return `no schema known for ${object.apiVersion} ${object.kind}`;
  try {
    new model(object as never).validate();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

describeOrSkip(noKubectl, 'rendered manifests against the API schemas', () => {
  it.each(DIRS)('%s: every object is valid', (dir) => {
    const objects = render(dir);
    expect(objects.map((o) => `${o.apiVersion} ${o.kind}`).sort()).toEqual(Object.keys(MODELS).sort());
    const found = objects.map((o) => ({ object: `${o.kind}/${o.metadata.name}`, problems: problems(o) }));
    expect(found.filter((f) => f.problems !== undefined)).toEqual([]);
  });

  // The schemas catch what the API server would refuse: each change below makes one object invalid.
  let rendered: Manifest[] | undefined;
  const base = (): Manifest[] => (rendered ??= render(DIRS[0]!));
  type Node = Record<string | number, unknown>;
  // The node at `path` in a copy of one of our rendered objects, whose shape the cases below know.
  const at = (node: unknown, ...path: (string | number)[]): Node =>
    path.reduce<unknown>((n, key) => (n as Node)[key], node) as Node;
  const broken = (kind: string, change: (spec: Node) => void): string | undefined => {
    const object = structuredClone(base().find((o) => o.kind === kind)!);
    change(at(object, 'spec'));
    return problems(object);
  };

  it('refuses wrong types, enums and patterns that kubectl apply would refuse', () => {
    expect(broken('StatefulSet', (s) => (s['replicas'] = '3'))).toMatch(/spec\/replicas must be integer/);
    expect(broken('StatefulSet', (s) => (s['podManagementPolicy'] = 'AllAtOnce'))).toMatch(
      /podManagementPolicy must be equal to one of/,
    );
    expect(broken('StatefulSet', (s) => delete s['selector'])).toMatch(/spec must have required property selector/);
    expect(broken('NetworkPolicy', (s) => (at(s, 'ingress', 0)['from'] = 'prometheus'))).toMatch(
      /ingress\/0\/from must be array/,
    );
    expect(broken('PodDisruptionBudget', (s) => (s['maxUnavailable'] = true))).toMatch(/maxUnavailable/);
    expect(broken('ServiceMonitor', (s) => (at(s, 'endpoints', 0)['interval'] = '30 seconds'))).toMatch(
      /interval must match pattern/,
    );
    expect(broken('PrometheusRule', (s) => (at(s, 'groups', 0, 'rules', 0)['for'] = '5 minutes'))).toMatch(
      /for must match pattern/,
    );
    expect(broken('PrometheusRule', (s) => delete at(s, 'groups', 0)['name'])).toMatch(
      /groups\/0 must have required property name/,
    );
  });
});
