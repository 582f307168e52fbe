/**
 * Indexed Jobs: each pod carries a completion index (annotation and label), and the Job succeeds
 * once every index in [0, completions) has a succeeded pod. status.completedIndexes lists the
 * done indexes in Kubernetes' compressed form ("0-2,5").
 */
import type { Pod, PodSpec } from 'kubernetes-types/core/v1.js';

export const COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';

/** The pod's completion index, or undefined when it has none (or a malformed one). */
export function indexOf(pod: Pod): number | undefined {
  const raw = pod.metadata?.annotations?.[COMPLETION_INDEX] ?? pod.metadata?.labels?.[COMPLETION_INDEX];
  if (raw === undefined || !/^(0|[1-9][0-9]*)$/.test(raw)) return undefined;
  return Number(raw);
}

/** "0-2,5" for [0, 1, 2, 5]. */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(j === i ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** The indexes in a completedIndexes string; malformed parts are skipped. */
export function parseIndexes(text: string | undefined): Set<number> {
  const out = new Set<number>();
  for (const part of (text ?? '').split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const [lo, hi] = [Number(m[1]), Number(m[2] ?? m[1])];
    for (let i = lo; i <= hi && i - lo < 1_000_000; i++) out.add(i);
  }
  return out;
}

/** The pod spec and names of index `index` (hostname "<job>-<index>", the index in the env). */
export function indexedPodSpec(spec: PodSpec, jobName: string, index: number): PodSpec {
  const env = {
    name: 'JOB_COMPLETION_INDEX',
    valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${COMPLETION_INDEX}']` } },
  };
  const addEnv = <T extends { env?: PodSpec['containers'][number]['env'] }>(c: T): T => ({
    ...c,
    env: [...(c.env ?? []).filter((e) => e.name !== env.name), env],
  });
  return {
    ...spec,
    hostname: spec.hostname ?? `${jobName}-${index}`,
    containers: spec.containers.map(addEnv),
    ...(spec.initContainers ? { initContainers: spec.initContainers.map(addEnv) } : {}),
  };
}
