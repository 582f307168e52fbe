/** Tests of EndpointSlice grouping and planning. */
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { describe, expect, it } from 'vitest';
import { desiredGroups, planSlices } from './slices.js';
import { pod, service } from './testing.js';

const http = { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' };
const pods = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) =>
    pod(`p${String(i + from).padStart(3, '0')}`)
      .ip(`10.42.${Math.floor((i + from) / 250)}.${((i + from) % 250) + 1}`)
      .ready()
      .build(),
  );

/** Applies a plan to an in-memory set of slices, naming new ones s0, s1, ... */
function apply(existing: EndpointSlice[], plan: ReturnType<typeof planSlices>): EndpointSlice[] {
  let n = existing.length;
  const out = existing
    .filter((s) => !plan.delete.includes(s.metadata!.name!))
    .map((s) => {
      const u = plan.update.find((x) => x.name === s.metadata!.name);
      return u ? { ...s, ...u.content } : s;
    });
  for (const c of plan.create) out.push({ metadata: { name: `s${n++}` }, addressType: 'IPv4', ...c });
  return out;
}

describe('desiredGroups', () => {
  it('marks terminating pods with the terminating condition, not ready but still serving', () => {
    const groups = desiredGroups(service([http]), [pod('a').ip('10.0.0.1').ready().terminating().build()]);
    const [g] = [...groups.values()];
    expect(g.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    expect(g.endpoints[0]).toMatchObject({
      addresses: ['10.0.0.1'],
      conditions: { ready: false, serving: true, terminating: true },
      nodeName: 'n1',
      targetRef: { kind: 'Pod', name: 'a' },
    });
  });
  it('skips IPv6 pods and pods without an IP', () => {
    const groups = desiredGroups(service([http]), [
      pod('a').ip('fd00::1').ready().build(),
      pod('b').ready().build(),
    ]);
    expect(groups.size).toBe(0);
  });
});

describe('planSlices', () => {
  it('splits 250 endpoints into slices of at most 100', () => {
    const plan = planSlices([], desiredGroups(service([http]), pods(250)));
    expect(plan.create.map((c) => c.endpoints.length)).toEqual([100, 100, 50]);
  });

  it('keeps endpoints in place and fills free room before opening a slice', () => {
    const svc = service([http]);
    let slices = apply([], planSlices([], desiredGroups(svc, pods(150))));
    const plan = planSlices(slices, desiredGroups(svc, pods(160)));
    expect(plan.create).toEqual([]);
    expect(plan.update.map((u) => u.name)).toEqual(['s1']);
    slices = apply(slices, plan);
    expect(slices.map((s) => s.endpoints?.length)).toEqual([100, 60]);
    expect(planSlices(slices, desiredGroups(svc, pods(160)))).toEqual({ create: [], update: [], delete: [] });
  });

  it('deletes slices that empty out and updates the one that shrinks', () => {
    const svc = service([http]);
    const slices = apply([], planSlices([], desiredGroups(svc, pods(150))));
    const plan = planSlices(slices, desiredGroups(svc, pods(40)));
    expect(plan).toMatchObject({ create: [], delete: ['s1'] });
    expect(plan.update.map((u) => [u.name, u.content.endpoints.length])).toEqual([['s0', 40]]);
  });

  it('keeps one empty placeholder slice for a service without endpoints', () => {
    const svc = service([http]);
    expect(planSlices([], desiredGroups(svc, [])).create).toEqual([{ ports: [], endpoints: [] }]);
    const slices = apply([], planSlices([], desiredGroups(svc, pods(3))));
    const plan = planSlices(slices, desiredGroups(svc, []));
    expect(plan).toEqual({
      create: [],
      update: [{ name: 's0', content: { ports: [], endpoints: [] } }],
      delete: [],
    });
  });

  it('moves endpoints to a new slice when their ports change', () => {
    const svc = service([http]);
    const slices = apply([], planSlices([], desiredGroups(svc, pods(2))));
    const moved = pods(2).map((p) => ({
      ...p,
      spec: { ...p.spec!, containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 9090 }] }] },
    }));
    const plan = planSlices(slices, desiredGroups(svc, moved));
    expect(plan.create.map((c) => c.ports[0].port)).toEqual([9090]);
    expect(plan.delete).toEqual(['s0']);
  });
});
