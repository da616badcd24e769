// The Helm chart and the Dockerfile, checked with the real tools: `helm lint
// --strict` and `helm template` with the default and the production values,
// every rendered manifest validated against the Kubernetes schemas
// (kubernetes-models; the Prometheus operator's for ServiceMonitor and
// PrometheusRule); values.schema.json refusing bad values; the Dockerfile
// through dockerfilelint and the rules we hold it to. The tools come from
// scripts/test-deps/helm.sh.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ROOT, which } from '../helpers/procs.js';

const TOOLS = '/usr/local/lib/mgrd-test-tools';
const INSTALL = 'sudo bash scripts/test-deps/helm.sh (run by scripts/install-test-deps.sh)';
const CHART = join(ROOT, 'helm/mgrd');
const PROD = join(ROOT, 'test/fixtures/helm/production-values.yaml');

function helm(args: string[]): { code: number; out: string } {
  const r = spawnSync(which(`${TOOLS}/bin/helm`, INSTALL), args, { encoding: 'utf8' });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

type Manifest = { apiVersion: string; kind: string; metadata: { name: string }; spec?: Record<string, unknown> };

function render(extra: string[] = []): Manifest[] {
  const r = helm(['template', 'rel', CHART, '--namespace', 'ceph', ...extra]);
  expect(r.code, r.out).toBe(0);
  return parseAllDocuments(r.out).map((d) => d.toJS() as Manifest).filter((m) => m !== null);
}

/** The kubernetes-models class of a manifest, from the tools dir. */
async function modelOf(m: Manifest): Promise<new (data: unknown) => { validate(): void }> {
  which(`${TOOLS}/node_modules/kubernetes-models`, INSTALL);
  which(`${TOOLS}/node_modules/@kubernetes-models/prometheus-operator`, INSTALL);
  const [group, version] = m.apiVersion.includes('/') ? m.apiVersion.split('/') : ['', m.apiVersion];
  const pkg = group === 'monitoring.coreos.com' ? '@kubernetes-models/prometheus-operator/monitoring.coreos.com' : `kubernetes-models/${group ? `${group}/` : ''}`;
  const dir = group === 'monitoring.coreos.com' ? `${pkg}/${version}` : `${pkg}${version}`;
  const mod = (await import(pathToFileURL(join(TOOLS, 'node_modules', dir, 'index.js')).href)) as Record<string, new (data: unknown) => { validate(): void }>;
  const cls = mod[m.kind];
  if (!cls) throw new Error(`no schema for ${m.apiVersion} ${m.kind}`);
  return cls;
}

async function validateAll(ms: Manifest[]): Promise<void> {
  for (const m of ms) {
    const Model = await modelOf(m);
    expect(() => new Model(m).validate(), `${m.kind} ${m.metadata.name}`).not.toThrow();
  }
}

const kinds = (ms: Manifest[]): string[] => ms.map((m) => `${m.kind}/${m.metadata.name}`).sort();

describe('helm/mgrd', () => {
  it('lints strictly with the default and the production values', () => {
    for (const extra of [[], ['-f', PROD]]) {
      const r = helm(['lint', '--strict', CHART, ...extra]);
      expect(r.code, r.out).toBe(0);
    }
  });

  it('renders valid manifests with the default values (built-in etcd for trials)', async () => {
    const ms = render();
    expect(kinds(ms)).toEqual([
      'ConfigMap/rel-mgrd', 'PodDisruptionBudget/rel-mgrd', 'Secret/rel-mgrd-auth', 'Service/rel-mgrd-admin', 'Service/rel-mgrd-daemon',
      'Service/rel-mgrd-etcd', 'Service/rel-mgrd-metrics', 'Service/rel-mgrd-peers', 'StatefulSet/rel-mgrd', 'StatefulSet/rel-mgrd-etcd',
    ]);
    await validateAll(ms);
    const sts = ms.find((m) => m.kind === 'StatefulSet' && m.metadata.name === 'rel-mgrd')!;
    type Container = { args: string[]; securityContext: unknown; readinessProbe: { httpGet: unknown }; livenessProbe: { httpGet: unknown } };
    const pod = (sts.spec as { template: { spec: { containers: Container[] } } }).template.spec;
    const c = pod.containers[0]!;
    expect(c.readinessProbe.httpGet).toEqual({ path: '/api/v1/health?require=active', port: 'admin' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/api/v1/health', port: 'admin' });
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(c.args).toEqual(expect.arrayContaining(['--map-store=etcd', '--etcd-endpoints=http://rel-mgrd-etcd:2379', '--public-addr=$(POD_IP)', '--keyring=/etc/mgrd/auth/keyring']));
    // The Services other than the peers' route to ready pods only (the available active).
    for (const s of ms.filter((m) => m.kind === 'Service' && m.metadata.name !== 'rel-mgrd-peers')) expect(s.spec?.publishNotReadyAddresses).toBeUndefined();
  });

  it('renders valid manifests with the production values (external etcd, TLS, ServiceMonitor, PrometheusRule)', async () => {
    const ms = render(['-f', PROD]);
    expect(kinds(ms)).toEqual([
      'ConfigMap/rel-mgrd', 'PodDisruptionBudget/rel-mgrd', 'PrometheusRule/rel-mgrd', 'Service/rel-mgrd-admin', 'Service/rel-mgrd-daemon',
      'Service/rel-mgrd-metrics', 'Service/rel-mgrd-peers', 'ServiceMonitor/rel-mgrd', 'StatefulSet/rel-mgrd',
    ]);
    await validateAll(ms);
    const args = (ms.find((m) => m.kind === 'StatefulSet')!.spec as { template: { spec: { containers: Array<{ args: string[] }> } } }).template.spec.containers[0]!.args;
    expect(args).toEqual(expect.arrayContaining([
      '--etcd-endpoints=https://etcd-0.etcd:2379,https://etcd-1.etcd:2379,https://etcd-2.etcd:2379', '--cluster-name=prod-ceph',
      '--etcd-ca=/etc/mgrd/etcd-tls/ca.crt', '--etcd-user=mgrd', '--etcd-password-file=/etc/mgrd/etcd-password/password',
    ]));
    // The PrometheusRule carries dashboards/alerts.yaml's groups as they are; the ServiceMonitor sets
    // the job and cluster labels those rules select and group by.
    const alerts = parseAllDocuments(readFileSync(join(ROOT, 'dashboards/alerts.yaml'), 'utf8'))[0]!.toJS() as { groups: unknown[] };
    expect((ms.find((m) => m.kind === 'PrometheusRule')!.spec as { groups: unknown[] }).groups).toEqual(alerts.groups);
    const endpoint = (ms.find((m) => m.kind === 'ServiceMonitor')!.spec as { endpoints: Array<{ relabelings: Array<{ targetLabel: string; replacement: string }> }> }).endpoints[0]!;
    expect(Object.fromEntries(endpoint.relabelings.map((r) => [r.targetLabel, r.replacement]))).toEqual({ instance: 'rel-mgrd-metrics', job: 'ceph', cluster: 'prod-ceph' });
  });

  it("carries the same alert rules as dashboards/ (files/alerts.yaml is dashboards/alerts.yaml's copy)", () => {
    expect(readFileSync(join(CHART, 'files/alerts.yaml'), 'utf8'), 'helm/mgrd/files/alerts.yaml is stale: run npm run dashboards:build')
      .toBe(readFileSync(join(ROOT, 'dashboards/alerts.yaml'), 'utf8'));
  });

  it('values.schema.json refuses values out of range', () => {
    for (const bad of [['--set', 'replicaCount=0'], ['--set', 'etcd.leaseTtlSeconds=1'], ['--set', 'ports.metrics=70000'], ['--set', 'logLevel=loud']]) {
      const r = helm(['template', 'rel', CHART, ...bad]);
      expect(r.code, bad.join(' ')).not.toBe(0);
      expect(r.out).toMatch(/values don't meet the specifications of the schema/);
    }
  });
});

describe('Dockerfile', () => {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');

  it('passes dockerfilelint', () => {
    const r = spawnSync(which(`${TOOLS}/node_modules/.bin/dockerfilelint`, INSTALL), ['-o', 'json', join(ROOT, 'Dockerfile')], { encoding: 'utf8' });
    const report = JSON.parse(r.stdout) as { files: Array<{ issues_count: number; issues: unknown[] }> };
    expect(report.files[0]!.issues).toEqual([]);
  });

  it('is multi-stage, runs as non-root, installs runtime dependencies only, and pins its base image', () => {
    const froms = [...text.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const f of froms) expect(f).toMatch(/^node:20\.\d+-[a-z]+-slim$/);
    const final = text.slice(text.lastIndexOf('\nFROM '));
    expect(final).toMatch(/^USER node$/m);
    expect(final).not.toMatch(/npm (ci|install)(?!.*--omit=dev)/);
    expect(text).toMatch(/npm ci --omit=dev/);
    expect(text).not.toMatch(/^ADD\s+https?:/m);
  });
});
