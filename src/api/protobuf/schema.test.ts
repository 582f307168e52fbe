/**
 * The message tables are hand-maintained data: check every entry parses, every referenced message
 * exists, and field numbers and JSON names are unique, so a typo fails here rather than at decode.
 */
import { describe, expect, it } from 'vitest';
import { allMessageNames, type FieldSpec, kindMessage, messageSpec } from './schema.js';

/** JSON names a message contributes to its object, with inline (embedded) messages expanded. */
function jsonNames(name: string): string[] {
  return messageSpec(name)!.fields.flatMap((f: FieldSpec) => (f.inline ? jsonNames(f.t.slice(4)) : [f.json]));
}

describe('message tables', () => {
  const names = allMessageNames();

  it('cover the kinds kubectl typed clients send', () => {
    for (const kind of [
      'core.v1.Pod',
      'core.v1.Binding',
      'core.v1.LimitRange',
      'apps.v1.StatefulSet',
      'apps.v1.DaemonSet',
      'batch.v1.Job',
      'autoscaling.v1.Scale',
      'autoscaling.v2.HorizontalPodAutoscaler',
      'scheduling.v1.PriorityClass',
      'rbac.v1.ClusterRoleBinding',
      'certificates.v1.CertificateSigningRequest',
    ]) {
      expect(names).toContain(kind);
    }
  });

  it('parse, and reference only messages that exist', () => {
    for (const name of names) {
      for (const f of messageSpec(name)!.fields) {
        const refs = [...f.t.matchAll(/msg:([\w.]+)/g)].map((m) => m[1]!);
        for (const ref of refs) expect(messageSpec(ref), `${name}.${f.json} → ${ref}`).toBeDefined();
      }
    }
  });

  it('use each field number and JSON name once per message', () => {
    for (const name of names) {
      const spec = messageSpec(name)!;
      expect(new Set(spec.fields.map((f) => f.n)).size, name).toBe(spec.fields.length);
      const json = jsonNames(name);
      expect(new Set(json).size, name).toBe(json.length);
    }
  });

  it('read the notation: repeated, pointer, always-printed, inline and map fields', () => {
    const field = (msg: string, json: string) => messageSpec(msg)!.fields.find((f) => f.json === json);
    expect(field('core.v1.PodSpec', 'containers')).toEqual({
      n: 2,
      json: 'containers',
      t: 'msg:core.v1.Container',
      rep: true,
    });
    expect(field('apps.v1.DeploymentSpec', 'replicas')).toEqual({
      n: 1,
      json: 'replicas',
      t: 'int32',
      ptr: true,
    });
    expect(field('core.v1.ServicePort', 'port')).toEqual({ n: 3, json: 'port', t: 'int32', emitZero: true });
    expect(field('core.v1.Volume', 'volumeSource')).toMatchObject({
      t: 'msg:core.v1.VolumeSource',
      inline: true,
    });
    expect(field('core.v1.Secret', 'data')?.t).toBe('map:string:bytes');
    expect(field('core.v1.ResourceRequirements', 'limits')?.t).toBe('map:string:msg:resource.Quantity');
  });
});

describe('kindMessage', () => {
  const cases: [string, string, string | undefined][] = [
    ['v1', 'Pod', 'core.v1.Pod'],
    ['apps/v1', 'Deployment', 'apps.v1.Deployment'],
    ['networking.k8s.io/v1', 'Ingress', 'networking.v1.Ingress'],
    ['rbac.authorization.k8s.io/v1', 'Role', 'rbac.v1.Role'],
    ['policy/v1', 'Eviction', 'policy.v1.Eviction'],
    ['batch/v1', 'DeleteOptions', 'meta.v1.DeleteOptions'],
    ['v1', 'DeleteOptions', 'meta.v1.DeleteOptions'],
    ['v1', 'PodSpec', undefined],
    ['apps/v1beta1', 'Deployment', undefined],
    ['example.com/v1', 'Widget', undefined],
    ['', 'Pod', undefined],
  ];
  it.each(cases)('maps %s %s to %s', (apiVersion, kind, message) => {
    expect(kindMessage(apiVersion, kind)).toBe(message);
  });
});
