/**
 * Issue #3, high availability end to end: one etcd, two `skiff server --store etcd` processes and
 * a virtual agent process talking to server A. Server B starts first, so it wins the
 * kube-system/skiff-controller-manager Lease; the agent is on A so that killing the leader (B)
 * leaves the nodes reachable. Checks that exactly one server leads, that deployments converge
 * exactly once (a pod watch asserts no extra pod at any moment), and that after SIGKILL of the
 * leader, A takes the Lease within 15 s and keeps converging with no duplicate pods.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type TestAgent } from '../support/agent.js';
import { kubectl, kubectlOk, startServer, type TestServer } from '../support/cluster.js';
import { startEtcd, type TestEtcd } from '../support/etcd.js';
import {
  eventually,
  getJson,
  isActive,
  isReady,
  listPods,
  type PodWatch,
  watchPods,
} from '../support/kube.js';

let etcd: TestEtcd | undefined;
let serverA: TestServer | undefined;
let serverB: TestServer | undefined;
let agent: TestAgent | undefined;

/** kubectl through server A (the survivor). */
const a = (...args: string[]) => kubectlOk(serverA!, args);

interface Lease {
  spec: { holderIdentity?: string; leaseTransitions?: number };
}

/** The controller-manager Lease holder, read through server A. */
function holder(): string {
  return (
    getJson<Lease>(serverA!, ['get', 'lease', 'skiff-controller-manager', '-n', 'kube-system', '-o', 'json'])
      .spec.holderIdentity ?? ''
  );
}

/** Server identities are `<host>_<pid>_<random>`. */
const isHeldBy = (identity: string, server: TestServer) =>
  identity.split('_')[1] === String(server.process.pid);

function rolloutStatus(name: string) {
  const res = kubectl(serverA!, ['rollout', 'status', `deployment/${name}`, '--timeout=60s']);
  expect(res.code, `${res.stderr}\n--- A\n${serverA!.log().slice(-3000)}`).toBe(0);
}

/** Watches app=<app> and flags any moment with more than `max()` active pods. */
function watchNoDuplicates(app: string, max: () => number): PodWatch {
  const watch = watchPods(serverA!, 'default', `app=${app}`);
  watch.check('no duplicates', (pods) => {
    const n = pods.filter(isActive).length;
    return n > max() ? `${n} active pods > ${max()} replicas` : undefined;
  });
  return watch;
}

beforeAll(async () => {
  etcd = await startEtcd();
  const store = ['--store', 'etcd', '--etcd-endpoints', etcd.endpoint];
  serverB = await startServer({ args: store });
  await eventually(
    () => kubectl(serverB!, ['get', 'lease', '-n', 'kube-system', 'skiff-controller-manager']).code === 0,
    20_000,
    'server B to take the lease',
  );
  serverA = await startServer({ args: store });
  agent = await startAgent(serverA, { count: 3, prefix: 'ha-', args: ['--start-delay', '50'] });
}, 90_000);

afterAll(async () => {
  await agent?.stop();
  await serverA?.stop();
  await serverB?.stop();
  await etcd?.stop();
});

describe('two servers on one etcd', () => {
  it('only the first server holds the controller-manager lease, and keeps it', async () => {
    const first = holder();
    expect(isHeldBy(first, serverB!), first).toBe(true);
    // Several renew periods later, A has not taken it over.
    await new Promise((r) => setTimeout(r, 4000));
    expect(holder()).toBe(first);
  });

  it('a deployment created through A converges exactly once', async () => {
    const watch = watchNoDuplicates('once', () => 5);
    try {
      a('create', 'deployment', 'once', '--image=busybox', '--replicas=5');
      rolloutStatus('once');
      await watch.waitFor((pods) => pods.filter(isReady).length === 5, 10_000, '5 ready pods');
      // Let a second (wrong) controller instance have time to act.
      await new Promise((r) => setTimeout(r, 3000));
      expect(watch.violations()).toEqual([]);
    } finally {
      await watch.stop();
    }
    expect(listPods(serverA!, 'default', 'app=once')).toHaveLength(5);
    expect(a('get', 'rs', '-l', 'app=once', '-o', 'name').trim().split('\n')).toHaveLength(1);
  });

  it('after SIGKILL of the leader, A takes the lease within 15 s and converges with no duplicates', async () => {
    let replicas = 5;
    const watch = watchNoDuplicates('once', () => replicas);
    try {
      await serverB!.kill();
      const killedAt = Date.now();
      const next = await eventually(
        () => {
          const h = holder();
          return isHeldBy(h, serverA!) ? h : undefined;
        },
        15_000,
        'server A to hold the lease',
        200,
      );
      expect(Date.now() - killedAt).toBeLessThan(15_000);
      expect(next).not.toBe('');

      replicas = 8;
      a('scale', 'deployment/once', '--replicas=8');
      a('create', 'deployment', 'after', '--image=busybox', '--replicas=3');
      rolloutStatus('once');
      rolloutStatus('after');
      await watch.waitFor((pods) => pods.filter(isReady).length === 8, 10_000, '8 ready pods');
      await new Promise((r) => setTimeout(r, 2000));
      expect(watch.violations()).toEqual([]);
    } finally {
      await watch.stop();
    }
    expect(listPods(serverA!, 'default', 'app=once')).toHaveLength(8);
    expect(listPods(serverA!, 'default', 'app=after').filter(isReady)).toHaveLength(3);
    expect(listPods(serverA!, 'default', 'app=after')).toHaveLength(3);
  });
});
