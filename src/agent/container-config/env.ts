/**
 * A container's environment as the kubelet builds it (makeEnvironmentVariables): envFrom sources
 * first (optional ones may be missing; keys that are not valid variable names are skipped with a
 * warning), then env in order, each value's `$(VAR)` references expanded against what came
 * before it and the service variables; valueFrom reads ConfigMaps, Secrets, pod fields and
 * resources. Last come the service link variables (FOO_SERVICE_HOST, ...) not already set.
 */
import type { ConfigMap, Container, Pod, Secret, Service } from 'kubernetes-types/core/v1.js';
import { type DownwardContext, envFieldValue, resourceFieldValue } from './downward.js';
import { expand, mappingFor } from './expand.js';

export interface EnvContext extends DownwardContext {
  getConfigMap(namespace: string, name: string): ConfigMap | undefined;
  getSecret(namespace: string, name: string): Secret | undefined;
  /** The services of a namespace, for service link variables; omitted: none. */
  listServices?(namespace: string): Service[];
  /** Records a warning event on the pod (skipped envFrom keys). */
  warn?(reason: string, message: string): void;
}

const ENV_NAME_RE = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** Decodes a Secret's base64 data value. */
export function secretValue(data: string): string {
  return Buffer.from(data, 'base64').toString('utf8');
}

/** Fetches referenced objects once per container, with the kubelet's NotFound wording. */
class Sources {
  private readonly configMaps = new Map<string, ConfigMap>();
  private readonly secrets = new Map<string, Secret>();

  constructor(
    private readonly namespace: string,
    private readonly ctx: EnvContext,
  ) {}

  configMap(name: string, optional: boolean): ConfigMap | undefined {
    let cm = this.configMaps.get(name);
    if (!cm) {
      cm = this.ctx.getConfigMap(this.namespace, name);
      if (!cm) {
        if (optional) return undefined;
        throw new Error(`configmap "${name}" not found`);
      }
      this.configMaps.set(name, cm);
    }
    return cm;
  }

  secret(name: string, optional: boolean): Secret | undefined {
    let s = this.secrets.get(name);
    if (!s) {
      s = this.ctx.getSecret(this.namespace, name);
      if (!s) {
        if (optional) return undefined;
        throw new Error(`secret "${name}" not found`);
      }
      this.secrets.set(name, s);
    }
    return s;
  }
}

/** A service's name as a variable prefix: upper case, dashes to underscores, no leading digit. */
function envPrefix(name: string): string {
  const upper = name.replace(/[-.]/g, '_').toUpperCase();
  return /^[0-9]/.test(upper) ? `_${upper}` : upper;
}

const hostPort = (ip: string, port: number) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

/** The service link variables of one service (envvars.FromServices). */
export function serviceEnv(service: Service): Array<[string, string]> {
  const ip = service.spec?.clusterIP ?? '';
  const ports = service.spec?.ports ?? [];
  if (ip === '' || ip === 'None' || ports.length === 0) return [];
  const prefix = envPrefix(service.metadata?.name ?? '');
  const out: Array<[string, string]> = [
    [`${prefix}_SERVICE_HOST`, ip],
    [`${prefix}_SERVICE_PORT`, String(ports[0].port)],
  ];
  for (const p of ports)
    if (p.name) out.push([`${prefix}_SERVICE_PORT_${envPrefix(p.name)}`, String(p.port)]);
  ports.forEach((p, i) => {
    const proto = (p.protocol ?? 'TCP').toLowerCase();
    const url = `${proto}://${hostPort(ip, p.port)}`;
    if (i === 0) out.push([`${prefix}_PORT`, url]);
    const pp = `${prefix}_PORT_${p.port}_${proto.toUpperCase()}`;
    out.push([pp, url], [`${pp}_PROTO`, proto], [`${pp}_PORT`, String(p.port)], [`${pp}_ADDR`, ip]);
  });
  return out;
}

/**
 * The service variables a pod sees: the master service `kubernetes` from the default namespace
 * always, the pod's own namespace's services when enableServiceLinks (default true).
 */
export function serviceEnvMap(pod: Pod, ctx: EnvContext): Map<string, string> {
  const out = new Map<string, string>();
  if (!ctx.listServices) return out;
  const ns = pod.metadata?.namespace ?? 'default';
  const byName = new Map<string, Service>();
  if (pod.spec?.enableServiceLinks !== false) {
    for (const s of ctx.listServices(ns)) byName.set(s.metadata?.name ?? '', s);
  }
  const master = ctx.listServices('default').find((s) => s.metadata?.name === 'kubernetes');
  if (master) byName.set('kubernetes', master);
  for (const name of [...byName.keys()].sort()) {
    for (const [k, v] of serviceEnv(byName.get(name)!)) out.set(k, v);
  }
  return out;
}

function skippedWarning(ctx: EnvContext, invalid: string[], kind: string, namespace: string, name: string) {
  if (invalid.length === 0) return;
  invalid.sort();
  ctx.warn?.(
    'InvalidEnvironmentVariableNames',
    `Keys [${invalid.join(', ')}] from the EnvFrom ${kind} ${namespace}/${name} were skipped since they are considered invalid environment variable names.`,
  );
}

/** Resolves the container's environment; throws Error with the kubelet's message when it cannot. */
export function makeEnvironment(
  pod: Pod,
  container: Container,
  ctx: EnvContext,
): Array<{ name: string; value: string }> {
  const namespace = pod.metadata?.namespace ?? 'default';
  const sources = new Sources(namespace, ctx);
  const services = serviceEnvMap(pod, ctx);
  const env = new Map<string, string>();

  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    const invalid: string[] = [];
    let entries: Array<[string, string]> = [];
    let kind = '';
    let name = '';
    if (from.configMapRef) {
      kind = 'configMap';
      name = from.configMapRef.name ?? '';
      const cm = sources.configMap(name, from.configMapRef.optional === true);
      entries = Object.entries(cm?.data ?? {});
    } else if (from.secretRef) {
      kind = 'secret';
      name = from.secretRef.name ?? '';
      const secret = sources.secret(name, from.secretRef.optional === true);
      entries = Object.entries(secret?.data ?? {}).map(([k, v]) => [k, secretValue(v)]);
    }
    for (const [key, value] of entries) {
      const k = prefix + key;
      if (!ENV_NAME_RE.test(k)) invalid.push(k);
      else env.set(k, value);
    }
    skippedWarning(ctx, invalid, kind, namespace, name);
  }

  const mapping = mappingFor(env, services);
  for (const v of container.env ?? []) {
    let value = v.value ?? '';
    if (value !== '') {
      value = expand(value, mapping);
    } else if (v.valueFrom) {
      const from = v.valueFrom;
      if (from.fieldRef) {
        value = envFieldValue(pod, from.fieldRef, ctx);
      } else if (from.resourceFieldRef) {
        value = resourceFieldValue(pod, container, from.resourceFieldRef, ctx.nodeAllocatable);
      } else if (from.configMapKeyRef) {
        const { name = '', key, optional = false } = from.configMapKeyRef;
        const cm = sources.configMap(name, optional);
        if (!cm) continue;
        const data = cm.data?.[key];
        if (data === undefined) {
          if (optional) continue;
          throw new Error(`couldn't find key ${key} in ConfigMap ${namespace}/${name}`);
        }
        value = data;
      } else if (from.secretKeyRef) {
        const { name = '', key, optional = false } = from.secretKeyRef;
        const secret = sources.secret(name, optional);
        if (!secret) continue;
        const data = secret.data?.[key];
        if (data === undefined) {
          if (optional) continue;
          throw new Error(`couldn't find key ${key} in Secret ${namespace}/${name}`);
        }
        value = secretValue(data);
      }
    }
    env.set(v.name, value);
  }

  const result = [...env].map(([name, value]) => ({ name, value }));
  for (const [name, value] of services) if (!env.has(name)) result.push({ name, value });
  return result;
}
