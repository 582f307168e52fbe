/**
 * What each projected-file volume holds, as the kubelet computes it (MakePayload, CollectData):
 * configMap (data and binaryData) and secret volumes, all keys or the listed items with their own
 * modes, optional sources tolerated when missing; downwardAPI items from pod fields and container
 * resources; projected volumes merging configMap, secret, downwardAPI and serviceAccountToken
 * sources. Errors carry the kubelet's wording; the caller prefixes them with
 * `MountVolume.SetUp failed for volume "x" : `.
 */
import type {
  ConfigMap,
  DownwardAPIVolumeFile,
  KeyToPath,
  Pod,
  Secret,
  ServiceAccountTokenProjection,
} from 'kubernetes-types/core/v1.js';
import { metadataField, resourceFieldValue } from '../container-config/downward.js';
import type { FileProjection } from './atomic-writer.js';

/** The API's default for defaultMode (0644). */
export const DEFAULT_MODE = 0o644;

export interface PayloadSources {
  getConfigMap(namespace: string, name: string): ConfigMap | undefined;
  getSecret(namespace: string, name: string): Secret | undefined;
  nodeAllocatable: Readonly<Record<string, string>>;
  /** A bound service account token for the pod; absent: token sources are skipped. */
  serviceAccountToken?(pod: Pod, source: ServiceAccountTokenProjection): Promise<string>;
}

type Payload = Map<string, FileProjection>;

function keyed(
  all: Record<string, Buffer>,
  items: KeyToPath[] | undefined,
  defaultMode: number,
  optional: boolean,
  missing: (key: string) => string,
): Payload {
  const payload: Payload = new Map();
  if (!items?.length) {
    for (const [key, data] of Object.entries(all)) payload.set(key, { data, mode: defaultMode });
    return payload;
  }
  for (const item of items) {
    const data = all[item.key];
    if (data === undefined) {
      if (optional) continue;
      throw new Error(missing(item.key));
    }
    payload.set(item.path, { data, mode: item.mode ?? defaultMode });
  }
  return payload;
}

function configMapBytes(cm: ConfigMap | undefined): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(cm?.data ?? {})) out[k] = Buffer.from(v, 'utf8');
  for (const [k, v] of Object.entries(cm?.binaryData ?? {}))
    if (!(k in out)) out[k] = Buffer.from(v, 'base64');
  return out;
}

function secretBytes(secret: Secret | undefined): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(secret?.data ?? {})) out[k] = Buffer.from(v, 'base64');
  return out;
}

export function configMapPayload(
  pod: Pod,
  source: { name?: string; items?: KeyToPath[]; optional?: boolean },
  defaultMode: number,
  sources: PayloadSources,
  projected = false,
): Payload {
  const name = source.name ?? '';
  const optional = source.optional === true;
  const cm = sources.getConfigMap(pod.metadata?.namespace ?? 'default', name);
  if (!cm && !optional) throw new Error(`configmap "${name}" not found`);
  return keyed(configMapBytes(cm), source.items, defaultMode, optional, (key) =>
    projected
      ? `configmap ${name} references non-existent config key: ${key}`
      : `configmap references non-existent config key: ${key}`,
  );
}

export function secretPayload(
  pod: Pod,
  source: { name?: string; secretName?: string; items?: KeyToPath[]; optional?: boolean },
  defaultMode: number,
  sources: PayloadSources,
  projected = false,
): Payload {
  const name = source.secretName ?? source.name ?? '';
  const optional = source.optional === true;
  const secret = sources.getSecret(pod.metadata?.namespace ?? 'default', name);
  if (!secret && !optional) throw new Error(`secret "${name}" not found`);
  return keyed(secretBytes(secret), source.items, defaultMode, optional, (key) =>
    projected
      ? `secret ${name} references non-existent secret key: ${key}`
      : `references non-existent secret key: ${key}`,
  );
}

export function downwardAPIPayload(
  pod: Pod,
  items: DownwardAPIVolumeFile[] | undefined,
  defaultMode: number,
  sources: PayloadSources,
): Payload {
  const payload: Payload = new Map();
  const errors: string[] = [];
  for (const item of items ?? []) {
    try {
      let value = '';
      if (item.fieldRef) value = metadataField(pod, item.fieldRef.fieldPath);
      else if (item.resourceFieldRef)
        value = resourceFieldValue(pod, undefined, item.resourceFieldRef, sources.nodeAllocatable);
      payload.set(item.path, { data: Buffer.from(value, 'utf8'), mode: item.mode ?? defaultMode });
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  if (errors.length) throw new Error(errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`);
  return payload;
}

/** Token file path → when it was fetched, to reuse a token until 80% of its lifetime passed. */
export interface TokenCache {
  get(key: string): { token: string; fetchedAt: number; ttlMs: number } | undefined;
  set(key: string, value: { token: string; fetchedAt: number; ttlMs: number }): void;
}

export async function projectedPayload(
  pod: Pod,
  volumeName: string,
  spec: NonNullable<NonNullable<Pod['spec']>['volumes']>[number]['projected'],
  sources: PayloadSources,
  tokens: TokenCache,
): Promise<Payload> {
  const defaultMode = spec?.defaultMode ?? DEFAULT_MODE;
  const payload: Payload = new Map();
  const errors: string[] = [];
  const merge = (p: Payload) => {
    for (const [k, v] of p) payload.set(k, v);
  };
  for (const source of spec?.sources ?? []) {
    try {
      if (source.configMap) merge(configMapPayload(pod, source.configMap, defaultMode, sources, true));
      else if (source.secret) merge(secretPayload(pod, source.secret, defaultMode, sources, true));
      else if (source.downwardAPI)
        merge(downwardAPIPayload(pod, source.downwardAPI.items, defaultMode, sources));
      else if (source.serviceAccountToken && sources.serviceAccountToken) {
        const tp = source.serviceAccountToken;
        const key = `${pod.metadata?.uid}/${volumeName}/${tp.path}`;
        const ttlMs = (tp.expirationSeconds ?? 3600) * 1000;
        const cached = tokens.get(key);
        let token = cached?.token;
        if (!cached || Date.now() - cached.fetchedAt > cached.ttlMs * 0.8) {
          token = await sources.serviceAccountToken(pod, tp);
          tokens.set(key, { token, fetchedAt: Date.now(), ttlMs });
        }
        // With an fsGroup the ownership pass turns 0600 into 0640; without, the default mode.
        const mode = pod.spec?.securityContext?.fsGroup !== undefined ? 0o600 : defaultMode;
        payload.set(tp.path, { data: Buffer.from(token ?? '', 'utf8'), mode });
      }
      // clusterTrustBundle sources (alpha) are not projected.
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  if (errors.length) throw new Error(errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`);
  return payload;
}
