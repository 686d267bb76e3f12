/**
 * helm/rustchat with a real helm 3 (test/k8s-tools.ts): `helm lint --strict` and `helm template`
 * for the default values and every scenario in helm/rustchat/ci/ (ingress + TLS, autoscaling,
 * existingSecret, ServiceMonitor, backups), each rendered object validated against the
 * Kubernetes OpenAPI schemas (kubernetes-models; the ServiceMonitor against the Prometheus
 * operator's CRD schema, @kubernetes-models/prometheus-operator), then what each scenario
 * promises, and the settings the chart refuses.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { k8sTools } from '../test/k8s-tools.ts';
import { runCli } from '../test/process.ts';

const chart = new URL('../helm/rustchat', import.meta.url).pathname;
const ciDir = join(chart, 'ci');
const scenarios = ['default', ...readdirSync(ciDir).filter((f) => f.endsWith('-values.yaml'))];
const tmp = mkdtempSync(join(tmpdir(), 'rustchat-helm-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

function helm(args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(k8sTools().helm, args, { encoding: 'utf8', env: { ...process.env, HELM_CACHE_HOME: join(tmp, 'cache'), HELM_CONFIG_HOME: join(tmp, 'config'), HELM_DATA_HOME: join(tmp, 'data') } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const valuesArgs = (scenario: string, extra: string[] = []) => [...(scenario === 'default' ? [] : ['-f', join(ciDir, scenario)]), ...extra];

function render(scenario: string, extra: string[] = []): K8sObject[] {
  const r = helm(['template', 'rc', chart, '--namespace', 'chat', ...valuesArgs(scenario, extra)]);
  if (r.code !== 0) throw new Error(`helm template (${scenario}) failed:\n${r.err}`);
  return parseAllDocuments(r.out)
    .map((d) => {
      if (d.errors.length) throw new Error(`${scenario}: rendered YAML does not parse: ${d.errors[0].message}`);
      return d.toJS() as K8sObject;
    })
    .filter(Boolean);
}

/** The kubernetes-models class for an object's apiVersion and kind (core v1 lives at "v1"). */
async function modelFor(o: K8sObject): Promise<new (data: unknown) => { validate(): void }> {
  const mod = o.apiVersion.startsWith('monitoring.coreos.com/') ? await import(`@kubernetes-models/prometheus-operator/${o.apiVersion}`) : await import(`kubernetes-models/${o.apiVersion}`);
  const cls = mod[o.kind];
  if (!cls) throw new Error(`no schema for ${o.apiVersion} ${o.kind}`);
  return cls;
}

const byKind = (objs: K8sObject[], kind: string) => objs.filter((o) => o.kind === kind);
const one = (objs: K8sObject[], kind: string) => {
  const all = byKind(objs, kind);
  assert.is(all.length, 1, `exactly one ${kind}`);
  return all[0];
};

for (const scenario of scenarios) {
  test(`${scenario}: helm lint --strict`, () => {
    const r = helm(['lint', '--strict', chart, ...valuesArgs(scenario)]);
    assert.is(r.code, 0, r.out + r.err);
    assert.match(r.out, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    assert.not.match(r.out, /\[(WARNING|ERROR)\]/, r.out);
  });

  test(`${scenario}: every rendered object is valid against its Kubernetes schema`, async () => {
    const objs = render(scenario);
    assert.ok(objs.length >= 5, `${objs.length} objects`);
    for (const o of objs) {
      const Model = await modelFor(o);
      try {
        new Model(o).validate();
      } catch (e) {
        throw new Error(`${scenario}: ${o.kind}/${o.metadata.name}: ${(e as Error).message}`);
      }
      assert.ok(o.metadata.labels?.['app.kubernetes.io/instance'] === 'rc', `${o.kind} carries the release labels`);
    }
  });
}

test('the schema check catches what a cluster would refuse', async () => {
  // Proof that the validation above can fail: the rendered Deployment, broken two ways.
  const dep = structuredClone(one(render('default'), 'Deployment'));
  const Model = await modelFor(dep);
  dep.spec.template.spec.containers[0].ports[0].containerPort = 'eighty';
  assert.throws(() => new Model(dep).validate(), /containerPort must be integer/);
  dep.spec.template.spec.containers[0].ports[0].containerPort = 8080;
  new Model(dep).validate();
  delete dep.spec.selector;
  assert.throws(() => new Model(dep).validate(), /must have required property selector/);
});

test('default: one pod on the embedded database, data on a kept volume, hardened and probed', () => {
  const objs = render('default');
  const dep = one(objs, 'Deployment');
  const pod = dep.spec.template.spec;
  const c = pod.containers[0];
  assert.is(dep.spec.replicas, 1);
  assert.is(dep.spec.strategy.type, 'Recreate', 'the old pod releases the embedded database first');
  assert.equal(c.args, ['serve'], 'migrates at start (no hook job on the embedded database)');
  assert.is(byKind(objs, 'Job').length, 0);
  assert.is(c.livenessProbe.httpGet.path, '/api/v1/health/live');
  assert.is(c.readinessProbe.httpGet.path, '/api/v1/health/ready');
  assert.is(c.startupProbe.httpGet.path, '/api/v1/health/live');
  assert.equal(c.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
  assert.is(pod.securityContext.runAsNonRoot, true);
  assert.is(pod.securityContext.runAsUser, 10001, 'the uid of the Dockerfile');
  assert.ok(pod.terminationGracePeriodSeconds > 5 + 8, 'grace period above preStop + drain');
  assert.equal(c.lifecycle.preStop.exec.command, ['sleep', '5']);
  assert.ok(pod.topologySpreadConstraints.some((t: any) => t.topologyKey === 'kubernetes.io/hostname'));
  const pvc = one(objs, 'PersistentVolumeClaim');
  assert.is(pvc.metadata.annotations?.['helm.sh/resource-policy'], 'keep');
  assert.is(pod.volumes.find((v: any) => v.name === 'data').persistentVolumeClaim.claimName, pvc.metadata.name);
  assert.is(byKind(objs, 'PodDisruptionBudget').length, 0, 'no PDB for a single pod');
  assert.is(one(objs, 'Service').spec.selector['app.kubernetes.io/component'], 'server');
});

test('the ConfigMap holds a rustchat.toml that `rustchat config check` accepts', async () => {
  for (const scenario of ['default', 'production-values.yaml']) {
    const toml = one(render(scenario), 'ConfigMap').data!['rustchat.toml'];
    const file = join(tmp, `${scenario}.toml`);
    writeFileSync(file, toml);
    const r = await runCli(['config', 'check', '--config', file, '--json'], { env: { RUSTCHAT_DATA_DIR: tmp } });
    assert.is(r.code, 0, `${scenario}: ${r.stderr}`);
    assert.not.match(r.stderr, /unknown configuration key/, r.stderr);
    const cfg = JSON.parse(r.stdout);
    // Client addresses: X-Forwarded-For from the ingress controller's pods (never loopback in a pod).
    assert.is(cfg.server.trust_proxy, false);
    assert.match(cfg.server.trusted_proxies, scenario === 'default' ? '10.0.0.0/8' : '10.244.0.0/16');
    if (scenario !== 'default') assert.is(cfg.s3.bucket, 'rustchat-files');
  }
});

test('production: ingress with TLS from cert-manager, WebSocket timeouts and body size; migrations in a hook', () => {
  const objs = render('production-values.yaml');
  const ing = one(objs, 'Ingress');
  assert.is(ing.metadata.annotations!['cert-manager.io/cluster-issuer'], 'letsencrypt-prod');
  assert.equal(ing.spec.tls, [{ hosts: ['chat.example.com'], secretName: 'rustchat-tls' }]);
  assert.is(ing.metadata.annotations!['nginx.ingress.kubernetes.io/proxy-read-timeout'], '3600');
  assert.is(ing.metadata.annotations!['nginx.ingress.kubernetes.io/proxy-body-size'], '100m');
  assert.is(ing.spec.rules[0].http.paths[0].backend.service.port.name, 'http');
  const dep = one(objs, 'Deployment');
  assert.is(dep.spec.replicas, 3);
  assert.is(dep.spec.strategy.rollingUpdate.maxUnavailable, 0);
  assert.equal(dep.spec.template.spec.containers[0].args, ['serve', '--no-migrate']);
  const job = one(objs, 'Job');
  assert.is(job.metadata.annotations!['helm.sh/hook'], 'pre-install,pre-upgrade');
  assert.equal(job.spec.template.spec.containers[0].args, ['migrate']);
  // The hook runs before the release's own Secret exists: it reads a hook Secret made just before it.
  const hookSecret = byKind(objs, 'Secret').find((s) => s.metadata.annotations?.['helm.sh/hook']);
  assert.ok(hookSecret, 'a hook Secret for the migration job');
  assert.ok(Number(hookSecret!.metadata.annotations!['helm.sh/hook-weight']) < Number(job.metadata.annotations!['helm.sh/hook-weight']));
  assert.is(job.spec.template.spec.containers[0].env.find((e: any) => e.name === 'RUSTCHAT_DATABASE_URL').valueFrom.secretKeyRef.name, hookSecret!.metadata.name);
  assert.not.equal(job.spec.template.metadata.labels['app.kubernetes.io/component'], 'server', 'job pods are not Service endpoints');
  assert.is(one(objs, 'PodDisruptionBudget').spec.minAvailable, 1);
});

test('autoscaling: autoscaling/v2 HPA on CPU and live sockets per pod; the Deployment leaves replicas to it', () => {
  const objs = render('autoscaling-values.yaml');
  const hpa = one(objs, 'HorizontalPodAutoscaler');
  assert.is(hpa.apiVersion, 'autoscaling/v2');
  assert.equal([hpa.spec.minReplicas, hpa.spec.maxReplicas], [2, 12]);
  assert.equal(hpa.spec.metrics[0].resource, { name: 'cpu', target: { type: 'Utilization', averageUtilization: 65 } });
  assert.is(hpa.spec.metrics[1].pods.metric.name, 'rustchat_websocket_connections');
  assert.is(one(objs, 'Deployment').spec.replicas, undefined);
});

test('existingSecret: the chart makes no Secret and every secret reference names the existing one', () => {
  const objs = render('existing-secret-values.yaml');
  assert.is(byKind(objs, 'Secret').length, 0);
  const refs = [one(objs, 'Deployment'), one(objs, 'Job')].flatMap((o) => o.spec.template.spec.containers.flatMap((c: any) => c.env.filter((e: any) => e.valueFrom?.secretKeyRef)));
  assert.ok(refs.length >= 3);
  for (const e of refs) assert.is(e.valueFrom.secretKeyRef.name, 'rustchat-credentials', e.name);
});

test('servicemonitor: scrapes /metrics on the http port with the bearer token; backups go to S3', () => {
  const objs = render('servicemonitor-values.yaml');
  const sm = one(objs, 'ServiceMonitor');
  assert.is(sm.metadata.labels!.release, 'kube-prometheus-stack');
  assert.is(sm.spec.endpoints[0].port, 'http');
  assert.is(sm.spec.endpoints[0].path, '/metrics');
  assert.is(sm.spec.endpoints[0].authorization.credentials.key, 'metrics-token');
  const env = one(objs, 'Deployment').spec.template.spec.containers[0].env;
  assert.is(env.find((e: any) => e.name === 'RUSTCHAT_METRICS_ALLOW_FROM').value, '10.0.0.0/8');
  const cron = one(objs, 'CronJob').spec.jobTemplate.spec.template.spec;
  assert.equal(cron.initContainers[0].args, ['backup', 'create', '--output', '/backups/', '--keep', '14']);
  assert.match(cron.containers[0].command.join(' '), 'mc cp /backups/*.tar.gz "backup/rustchat-backups/rustchat/"');
  assert.is(cron.containers[0].env.find((e: any) => e.name === 'MC_HOST_backup').value, 'http://$(S3_ACCESS_KEY):$(S3_SECRET_KEY)@minio.storage.svc:9000');
});

test("embedded backups run on the server's node, on its data volume, into a kept backup volume", () => {
  const objs = render('embedded-backup-values.yaml');
  const cron = one(objs, 'CronJob').spec.jobTemplate.spec.template.spec;
  assert.equal(cron.containers[0].args, ['backup', 'create', '--output', '/backups/', '--keep', '7']);
  assert.is(cron.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector.matchLabels['app.kubernetes.io/component'], 'server');
  const claims = byKind(objs, 'PersistentVolumeClaim').map((p) => p.metadata.name);
  assert.equal(cron.volumes.filter((v: any) => v.persistentVolumeClaim).map((v: any) => v.persistentVolumeClaim.claimName).sort(), claims.sort());
});

test('refused with a reason: several pods without PostgreSQL, Redis or S3; a grace period shorter than the drain', () => {
  const fails = (args: string[], message: RegExp) => {
    const r = helm(['template', 'rc', chart, ...args]);
    assert.is.not(r.code, 0);
    assert.match(r.err, message);
  };
  fails(['--set', 'replicaCount=2'], /needs an external PostgreSQL/);
  fails(['--set', 'autoscaling.enabled=true'], /needs an external PostgreSQL/);
  const db = ['--set', 'secrets.databaseUrl=postgres://u:p@db/rc', '--set', 'secrets.jwtSecret=0123456789abcdef0123456789abcdef'];
  fails([...db, '--set', 'replicaCount=2', '--set', 'config.s3.bucket=b'], /secrets.redisUrl is required/);
  fails([...db, '--set', 'replicaCount=2', '--set', 'secrets.redisUrl=redis://r'], /config.s3.bucket is required/);
  fails([...db, '--set', 'secrets.jwtSecret=short'], /at least 32 characters/);
  fails(['--set', 'terminationGracePeriodSeconds=10'], /must exceed/);
});

test.run();
