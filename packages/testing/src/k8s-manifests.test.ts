import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SHUTDOWN_DEADLINE_MS } from '@pulsegap/config';
import { describe, expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';

// The manifests of infra/k8s, read as the cluster would, and checked against the
// "restricted" Pod Security Standard (https://kubernetes.io/docs/concepts/security/pod-security-standards/)
// and what the processes need to start, serve and stop well.

const K8S = fileURLToPath(new URL('../../../infra/k8s/', import.meta.url));

type Json = Record<string, unknown>;

interface Manifest {
  readonly file: string;
  readonly kind: string;
  readonly name: string;
  readonly body: Json;
}

function manifests(): Manifest[] {
  return readdirSync(K8S)
    .filter((file) => file.endsWith('.yaml'))
    .flatMap((file) =>
      parseAllDocuments(readFileSync(`${K8S}${file}`, 'utf8')).map((document) => {
        expect(document.errors, file).toEqual([]);
        const body = document.toJS() as Json;
        return {
          file,
          kind: String(body.kind),
          name: String(object(body.metadata).name),
          body,
        };
      }),
    );
}

function object(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Json)
    : {};
}

/** A scalar as text (an object as JSON, so a mistake reads plainly). */
function text(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : JSON.stringify(value);
}

function list(value: unknown): Json[] {
  return Array.isArray(value) ? value.map(object) : [];
}

/** The pod template of a workload (Deployment, Job, StatefulSet, DaemonSet, CronJob). */
function podTemplate(manifest: Manifest): Json | null {
  const spec = object(manifest.body.spec);
  if (manifest.kind === 'CronJob') {
    return object(object(object(spec.jobTemplate).spec).template);
  }
  return ['Deployment', 'Job', 'StatefulSet', 'DaemonSet', 'ReplicaSet'].includes(manifest.kind)
    ? object(spec.template)
    : null;
}

const ALLOWED_VOLUMES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);

/**
 * What a pod spec breaks of the "restricted" Pod Security Standard (which includes
 * "baseline"), one line per rule broken; empty when it passes.
 */
function restrictedViolations(pod: Json): string[] {
  const problems: string[] = [];
  const podContext = object(pod.securityContext);
  const containers = [
    ...list(pod.initContainers),
    ...list(pod.containers),
    ...list(pod.ephemeralContainers),
  ];
  // Baseline.
  for (const field of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
    if (pod[field] === true) problems.push(`${field} is set`);
  }
  if (object(podContext.windowsOptions).hostProcess === true) problems.push('hostProcess pod');
  for (const volume of list(pod.volumes)) {
    const types = Object.keys(volume).filter((k) => k !== 'name');
    for (const type of types) {
      if (!ALLOWED_VOLUMES.has(type)) problems.push(`volume ${String(volume.name)} is ${type}`);
    }
  }
  for (const sysctl of list(podContext.sysctls)) {
    if (!SAFE_SYSCTLS.has(String(sysctl.name))) problems.push(`sysctl ${String(sysctl.name)}`);
  }
  const seccompOk = (context: Json) =>
    ['RuntimeDefault', 'Localhost'].includes(String(object(context.seccompProfile).type));
  const podSeccomp = seccompOk(podContext);
  if (object(podContext.seccompProfile).type === 'Unconfined')
    problems.push('pod seccomp Unconfined');
  if (object(podContext.appArmorProfile).type === 'Unconfined')
    problems.push('pod AppArmor Unconfined');
  if (podContext.runAsUser === 0) problems.push('pod runAsUser 0');
  const selinux = (context: Json, where: string) => {
    const options = object(context.seLinuxOptions);
    if (options.user !== undefined || options.role !== undefined) {
      problems.push(`${where} sets an SELinux user or role`);
    }
    if (
      options.type !== undefined &&
      !['container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t'].includes(
        text(options.type),
      )
    ) {
      problems.push(`${where} SELinux type ${text(options.type)}`);
    }
  };
  selinux(podContext, 'pod');

  for (const container of containers) {
    const name = `container ${String(container.name)}`;
    const context = object(container.securityContext);
    if (context.privileged === true) problems.push(`${name} is privileged`);
    if (object(context.windowsOptions).hostProcess === true) problems.push(`${name} hostProcess`);
    for (const port of list(container.ports)) {
      if (port.hostPort !== undefined && port.hostPort !== 0) {
        problems.push(`${name} uses hostPort ${text(port.hostPort)}`);
      }
    }
    if (context.procMount !== undefined && context.procMount !== 'Default') {
      problems.push(`${name} procMount ${text(context.procMount)}`);
    }
    if (object(context.appArmorProfile).type === 'Unconfined') {
      problems.push(`${name} AppArmor Unconfined`);
    }
    selinux(context, name);
    // Restricted.
    if (context.allowPrivilegeEscalation !== false) {
      problems.push(`${name} does not set allowPrivilegeEscalation: false`);
    }
    const nonRoot =
      context.runAsNonRoot === true ||
      (podContext.runAsNonRoot === true && context.runAsNonRoot !== false);
    if (!nonRoot) problems.push(`${name} may run as root (runAsNonRoot)`);
    if (context.runAsUser === 0) problems.push(`${name} runAsUser 0`);
    if (object(context.seccompProfile).type === 'Unconfined')
      problems.push(`${name} seccomp Unconfined`);
    if (!seccompOk(context) && !podSeccomp) {
      problems.push(`${name} has no seccompProfile RuntimeDefault or Localhost`);
    }
    const capabilities = object(context.capabilities);
    const drop = Array.isArray(capabilities.drop) ? capabilities.drop.map(String) : [];
    if (!drop.includes('ALL')) problems.push(`${name} does not drop ALL capabilities`);
    const add = Array.isArray(capabilities.add) ? capabilities.add.map(String) : [];
    for (const capability of add) {
      if (capability !== 'NET_BIND_SERVICE') problems.push(`${name} adds ${capability}`);
    }
  }
  return problems;
}

function matches(selector: Json, labels: Json): boolean {
  const wanted = object(selector.matchLabels);
  return (
    Object.keys(wanted).length > 0 && Object.entries(wanted).every(([k, v]) => labels[k] === v)
  );
}

/** A container port by name or number, as a probe or annotation names it. */
function containerPort(containers: Json[], port: unknown): number | null {
  for (const container of containers) {
    for (const p of list(container.ports)) {
      if (p.name === port || p.containerPort === port || String(p.containerPort) === port) {
        return Number(p.containerPort);
      }
    }
  }
  return null;
}

function env(container: Json, name: string): string | undefined {
  const entry = list(container.env).find((e) => e.name === name);
  return entry?.value === undefined ? undefined : text(entry.value);
}

describe('infra/k8s', () => {
  const all = manifests();
  const workloads = all.filter((m) => podTemplate(m) !== null);
  const deployments = all.filter((m) => m.kind === 'Deployment');
  const services = all.filter((m) => m.kind === 'Service');
  const budgets = all.filter((m) => m.kind === 'PodDisruptionBudget');
  const policies = all.filter((m) => m.kind === 'NetworkPolicy');

  test('the API, the worker and migrate are there', () => {
    expect(deployments.map((d) => d.name).sort()).toEqual(['pulsegap-api', 'pulsegap-worker']);
    expect(workloads.map((w) => w.name)).toContain('pulsegap-migrate');
  });

  test.each(workloads.map((w) => [w.name, w] as const))(
    '%s passes the restricted Pod Security Standard',
    (_name, workload) => {
      const spec = object(podTemplate(workload)?.spec);
      expect(restrictedViolations(spec)).toEqual([]);
      // Not a rule of the standard, but nothing here needs it.
      expect(spec.automountServiceAccountToken).toBe(false);
      for (const container of list(spec.containers)) {
        expect(object(container.securityContext).readOnlyRootFilesystem).toBe(true);
      }
    },
  );

  test.each(workloads.map((w) => [w.name, w] as const))(
    '%s: one network policy; its metrics port answers the monitoring namespace only',
    (_name, workload) => {
      const template = object(podTemplate(workload));
      const labels = object(object(template.metadata).labels);
      const containers = list(object(template.spec).containers);
      const own = policies.filter((p) => matches(object(object(p.body.spec).podSelector), labels));
      expect(own.map((p) => p.name)).toHaveLength(1);
      const spec = object(own[0]?.body.spec);
      expect(spec.policyTypes).toEqual(['Ingress']);
      const rules = list(spec.ingress);
      // Every allowed port is one the pod listens on.
      const allowed = rules.flatMap((rule) =>
        list(rule.ports).map((p) => ({ port: containerPort(containers, p.port), rule })),
      );
      for (const { port } of allowed) expect(port).not.toBeNull();
      const scraped = containerPort(
        containers,
        object(object(template.metadata).annotations)['prometheus.io/port'],
      );
      if (scraped === null) {
        // Nothing listens (migrate): no ingress at all.
        expect(rules).toEqual([]);
        return;
      }
      const opening = allowed.filter((a) => a.port === scraped);
      expect(opening.length).toBeGreaterThan(0);
      for (const { rule } of opening) {
        const from = list(rule.from);
        expect(from.length).toBeGreaterThan(0);
        for (const peer of from) {
          expect(object(object(peer.namespaceSelector).matchLabels)).toEqual({
            'kubernetes.io/metadata.name': 'monitoring',
          });
        }
      }
    },
  );

  test('the check catches what the standard forbids', () => {
    const bad = {
      hostNetwork: true,
      volumes: [{ name: 'root', hostPath: { path: '/' } }],
      securityContext: { runAsUser: 0 },
      containers: [
        {
          name: 'bad',
          ports: [{ containerPort: 80, hostPort: 80 }],
          securityContext: {
            privileged: true,
            allowPrivilegeEscalation: true,
            capabilities: { add: ['SYS_ADMIN'] },
            seccompProfile: { type: 'Unconfined' },
          },
        },
      ],
    };
    const problems = restrictedViolations(bad);
    for (const expected of [
      'hostNetwork is set',
      'volume root is hostPath',
      'pod runAsUser 0',
      'container bad is privileged',
      'container bad uses hostPort 80',
      'container bad does not set allowPrivilegeEscalation: false',
      'container bad may run as root (runAsNonRoot)',
      'container bad seccomp Unconfined',
      'container bad has no seccompProfile RuntimeDefault or Localhost',
      'container bad does not drop ALL capabilities',
      'container bad adds SYS_ADMIN',
    ]) {
      expect(problems).toContain(expected);
    }
  });

  test.each(deployments.map((d) => [d.name, d] as const))(
    '%s: probes, resources, scrape annotations, a stop in time and a disruption budget',
    (_name, deployment) => {
      const template = object(podTemplate(deployment));
      const spec = object(template.spec);
      const labels = object(object(template.metadata).labels);
      const containers = list(spec.containers);
      expect(containers.length).toBeGreaterThan(0);
      for (const container of containers) {
        for (const probe of ['readinessProbe', 'livenessProbe']) {
          const httpGet = object(object(container[probe]).httpGet);
          expect(String(httpGet.path), `${probe} path`).toMatch(/^\//);
          expect(containerPort(containers, httpGet.port), `${probe} port`).not.toBeNull();
        }
        const resources = object(container.resources);
        expect(object(resources.requests).cpu).toBeDefined();
        expect(object(resources.requests).memory).toBeDefined();
        expect(object(resources.limits).memory).toBeDefined();
      }

      // Prometheus scrapes a port of the pod that is not the Service's.
      const annotations = object(object(template.metadata).annotations);
      expect(annotations['prometheus.io/scrape']).toBe('true');
      expect(annotations['prometheus.io/path']).toBe('/metrics');
      const scraped = containerPort(containers, annotations['prometheus.io/port']);
      expect(scraped).not.toBeNull();
      const main = containers[0] ?? {};
      const listener = env(main, 'METRICS_PORT') ?? env(main, 'WORKER_HEALTH_PORT');
      expect(listener).toBe(String(scraped));

      // Behind a Service: the endpoints drain before SIGTERM, and none of the Service's
      // ports is the metrics port.
      const fronting = services.filter((s) =>
        matches({ matchLabels: object(s.body.spec).selector }, labels),
      );
      const preStopSeconds = Number(
        object(object(object(main.lifecycle).preStop).sleep).seconds ?? 0,
      );
      if (fronting.length > 0) {
        expect(preStopSeconds).toBeGreaterThanOrEqual(3);
        for (const service of fronting) {
          for (const port of list(object(service.body.spec).ports)) {
            expect(containerPort(containers, port.targetPort)).not.toBe(scraped);
          }
        }
      }
      // The grace period covers the preStop sleep and the process's own deadline.
      expect(Number(spec.terminationGracePeriodSeconds)).toBeGreaterThanOrEqual(
        preStopSeconds + SHUTDOWN_DEADLINE_MS / 1000 + 2,
      );

      // Exactly one budget selects these pods, the Deployment's own selector, and lets a
      // drain evict one pod at a time.
      const selector = object(object(deployment.body.spec).selector);
      const own = budgets.filter((b) => matches(object(object(b.body.spec).selector), labels));
      expect(own.map((b) => b.name)).toHaveLength(1);
      const budget = object(own[0]?.body.spec);
      expect(object(budget.selector).matchLabels).toEqual(selector.matchLabels);
      const replicas = Number(object(deployment.body.spec).replicas ?? 1);
      if (budget.minAvailable !== undefined) {
        expect(Number(budget.minAvailable)).toBeLessThan(replicas);
      } else {
        expect(Number(budget.maxUnavailable)).toBeGreaterThanOrEqual(1);
      }
    },
  );
});
