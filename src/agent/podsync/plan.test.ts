/** The pod-sync planner, driven by tables of desired pods and runtime observations (no processes). */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import type { RuntimeContainer, RuntimePod } from '../runtime/runtime.js';
import { pod } from '../testing.js';
import { type Action, type PlanContext, plan } from './plan.js';
import { podStatus } from './status.js';

const now = new Date('2025-01-01T00:01:00Z');
const ctx: PlanContext = { now, backoff: { initialMs: 10_000, maxMs: 300_000 }, hostIP: () => '127.1.0.1' };
const secondsAgo = (s: number) => new Date(now.getTime() - s * 1000);

/** Builds a runtime sandbox for a pod: sandbox(p).running('app').build(). */
class SandboxBuilder {
  private readonly rp: RuntimePod;

  constructor(p: Pod) {
    this.rp = {
      uid: p.metadata!.uid!,
      namespace: 'default',
      name: p.metadata!.name!,
      nodeName: 'n1',
      ip: '10.42.0.5',
      createdAt: secondsAgo(50),
      stopping: false,
      containers: [],
    };
  }

  private add(name: string, extra: Partial<RuntimeContainer>): this {
    this.rp.containers.push({
      name,
      id: `virtual://${name}${extra.attempt ?? 0}`,
      image: `${name}:1`,
      imageID: `${name}:1@sha256:00`,
      phase: 'running',
      attempt: 0,
      init: false,
      createdAt: secondsAgo(40),
      startedAt: secondsAgo(40),
      ...extra,
    });
    return this;
  }

  creating(name: string, extra: Partial<RuntimeContainer> = {}): this {
    return this.add(name, { phase: 'created', startedAt: undefined, ...extra });
  }

  running(name: string, extra: Partial<RuntimeContainer> = {}): this {
    return this.add(name, extra);
  }

  exited(name: string, exitCode: number, extra: Partial<RuntimeContainer> = {}): this {
    return this.add(name, {
      phase: 'exited',
      exitCode,
      reason: exitCode === 0 ? 'Completed' : 'Error',
      finishedAt: secondsAgo(30),
      ...extra,
    });
  }

  stopping(): this {
    this.rp.stopping = true;
    return this;
  }

  build(): RuntimePod {
    return this.rp;
  }
}
const sandbox = (p: Pod) => new SandboxBuilder(p);

/** A compact view of a plan: "start app", "status Running", ... */
function describeActions(actions: Action[]): string[] {
  return actions.map((a) => {
    switch (a.type) {
      case 'createSandbox':
        return `sandbox ${a.pod.metadata!.name}`;
      case 'startContainer':
        return `start ${a.container.name}`;
      case 'stopPod':
        return `stop ${a.uid} grace ${a.gracePeriodSeconds}`;
      case 'removePod':
        return `remove ${a.uid}`;
      case 'deletePod':
        return `delete ${a.pod.metadata!.name}`;
      case 'updateStatus':
        return `status ${a.status.phase}`;
      case 'requeue':
        return `requeue ${a.afterMs}`;
      default:
        return `unexpected ${JSON.stringify(a)}`;
    }
  });
}

/** A pod whose API status already says what the observation implies. */
function upToDate(p: Pod, rp: RuntimePod): Pod {
  return { ...p, status: podStatus(p, rp, { now, hostIP: '127.1.0.1', backoff: ctx.backoff }) };
}

const web = pod('web').on('n1');
const cases: Array<{ name: string; desired: Pod[]; observed: RuntimePod[]; want: string[] }> = [
  {
    name: 'a new pod gets a sandbox and a Pending status',
    desired: [web.build()],
    observed: [],
    want: ['sandbox web', 'status Pending'],
  },
  {
    name: 'a pod with an empty sandbox starts its containers',
    desired: [pod('two').on('n1').containers('a', 'b').build()],
    observed: [sandbox(pod('two').build()).build()],
    want: ['start a', 'start b', 'status Pending'],
  },
  {
    name: 'a pod whose containers run is Running',
    desired: [web.build()],
    observed: [sandbox(web.build()).running('app').build()],
    want: ['status Running'],
  },
  {
    name: 'a pod whose status is current needs nothing',
    desired: [upToDate(web.build(), sandbox(web.build()).running('app').build())],
    observed: [sandbox(web.build()).running('app').build()],
    want: [],
  },
  {
    name: 'a deleted pod with running containers is stopped within its grace period',
    desired: [pod('web').on('n1').deleting(undefined, 15).build()],
    observed: [sandbox(web.build()).running('app').build()],
    want: ['stop uid-web grace 15'],
  },
  {
    name: 'a deleted pod whose containers stopped is removed, then its object deleted',
    desired: [pod('web').on('n1').deleting().build()],
    observed: [sandbox(web.build()).exited('app', 0).stopping().build()],
    want: ['remove uid-web', 'delete web'],
  },
  {
    name: 'a deleted pod that never started is deleted at once',
    desired: [pod('web').on('n1').deleting().build()],
    observed: [],
    want: ['delete web'],
  },
  {
    name: 'a Never pod whose container exited 0 has Succeeded',
    desired: [pod('job').on('n1').restart('Never').build()],
    observed: [sandbox(pod('job').build()).exited('app', 0).build()],
    want: ['status Succeeded'],
  },
  {
    name: 'a Never pod whose container exited 1 has Failed',
    desired: [pod('job').on('n1').restart('Never').build()],
    observed: [sandbox(pod('job').build()).exited('app', 1).build()],
    want: ['status Failed'],
  },
  {
    name: 'an OnFailure pod whose container exited 1 the first time restarts at once',
    desired: [pod('retry').on('n1').restart('OnFailure').build()],
    observed: [sandbox(pod('retry').build()).exited('app', 1).build()],
    want: ['start app', 'status Running'],
  },
  {
    name: 'an OnFailure pod that failed again waits out the back-off',
    desired: [pod('retry').on('n1').restart('OnFailure').build()],
    observed: [
      sandbox(pod('retry').build())
        .exited('app', 1, { attempt: 1, finishedAt: secondsAgo(4) })
        .build(),
    ],
    want: ['requeue 6000', 'status Running'],
  },
  {
    name: 'an OnFailure pod whose back-off has passed restarts',
    desired: [pod('retry').on('n1').restart('OnFailure').build()],
    observed: [
      sandbox(pod('retry').build())
        .exited('app', 1, { attempt: 2, finishedAt: secondsAgo(21) })
        .build(),
    ],
    want: ['start app', 'status Running'],
  },
  {
    name: 'an OnFailure pod whose container exited 0 has Succeeded',
    desired: [pod('retry').on('n1').restart('OnFailure').build()],
    observed: [sandbox(pod('retry').build()).exited('app', 0).build()],
    want: ['status Succeeded'],
  },
  {
    name: 'an Always pod restarts a container that exited 0',
    desired: [web.build()],
    observed: [sandbox(web.build()).exited('app', 0).build()],
    want: ['start app', 'status Running'],
  },
  {
    name: 'a running sandbox whose pod object vanished is stopped and removed',
    desired: [],
    observed: [sandbox(web.build()).running('app').build()],
    want: ['stop uid-web grace 0', 'remove uid-web'],
  },
  {
    name: 'a pod recreated under the same name replaces the old sandbox',
    desired: [pod('web').on('n1').uid('uid-web-2').build()],
    observed: [sandbox(web.build()).running('app').build()],
    want: ['sandbox web', 'status Pending', 'stop uid-web grace 0', 'remove uid-web'],
  },
  {
    name: 'a pod already Succeeded only has its sandbox removed',
    desired: [pod('job').on('n1').restart('Never').phase('Succeeded').build()],
    observed: [sandbox(pod('job').build()).exited('app', 0).build()],
    want: ['remove uid-job'],
  },
  {
    name: 'init containers run first, one at a time',
    desired: [pod('init').on('n1').initContainers('one', 'two').build()],
    observed: [sandbox(pod('init').build()).exited('one', 0, { init: true }).build()],
    want: ['start two', 'status Pending'],
  },
  {
    name: 'app containers start once every init container succeeded',
    desired: [pod('init').on('n1').initContainers('one').build()],
    observed: [sandbox(pod('init').build()).exited('one', 0, { init: true }).build()],
    want: ['start app', 'status Pending'],
  },
  {
    name: 'a Never pod whose init container failed has Failed without starting its app',
    desired: [pod('init').on('n1').restart('Never').initContainers('one').build()],
    observed: [sandbox(pod('init').build()).exited('one', 2, { init: true }).build()],
    want: ['status Failed'],
  },
];

describe('plan', () => {
  for (const c of cases) {
    it(c.name, () => {
      expect(describeActions(plan(c.desired, c.observed, ctx))).toEqual(c.want);
    });
  }
});

describe('the status a plan writes', () => {
  const statusOf = (p: Pod, rp?: RuntimePod) => {
    const a = plan([p], rp ? [rp] : [], ctx).find((x) => x.type === 'updateStatus');
    return a?.type === 'updateStatus' ? a.status : undefined;
  };
  const conditionsOf = (s: ReturnType<typeof statusOf>) =>
    Object.fromEntries((s?.conditions ?? []).map((c) => [c.type, c.status]));

  it('a running pod is Ready, with its IPs, container ids and start times', () => {
    const s = statusOf(web.build(), sandbox(web.build()).running('app').build())!;
    expect(conditionsOf(s)).toEqual({
      PodScheduled: 'True',
      PodReadyToStartContainers: 'True',
      Initialized: 'True',
      ContainersReady: 'True',
      Ready: 'True',
    });
    expect(s).toMatchObject({
      podIP: '10.42.0.5',
      podIPs: [{ ip: '10.42.0.5' }],
      hostIP: '127.1.0.1',
      qosClass: 'BestEffort',
    });
    expect(s.startTime).toBe('2025-01-01T00:01:00Z');
    expect(s.containerStatuses![0]).toMatchObject({
      name: 'app',
      ready: true,
      started: true,
      restartCount: 0,
      containerID: 'virtual://app0',
      imageID: 'app:1@sha256:00',
      state: { running: { startedAt: '2025-01-01T00:00:20Z' } },
    });
  });

  it('a pod still creating is not ready and says why', () => {
    const s = statusOf(web.build(), sandbox(web.build()).creating('app').build())!;
    const ready = s.conditions!.find((c) => c.type === 'Ready')!;
    expect(ready).toMatchObject({
      status: 'False',
      reason: 'ContainersNotReady',
      message: 'containers with unready status: [app]',
    });
    expect(s.containerStatuses![0].state).toEqual({ waiting: { reason: 'ContainerCreating' } });
  });

  it('a restarted container counts the restart and shows the last termination', () => {
    const p = pod('retry').on('n1').restart('OnFailure').build();
    const rp = sandbox(p)
      .running('app', {
        attempt: 1,
        previous: { id: 'virtual://old', finishedAt: secondsAgo(45), exitCode: 1, reason: 'Error' },
      })
      .build();
    const cs = statusOf(p, rp)!.containerStatuses![0];
    expect(cs.restartCount).toBe(1);
    expect(cs.lastState?.terminated).toMatchObject({
      exitCode: 1,
      reason: 'Error',
      containerID: 'virtual://old',
    });
  });

  it('a container in back-off waits in CrashLoopBackOff', () => {
    const p = pod('retry').on('n1').restart('OnFailure').build();
    const rp = sandbox(p)
      .exited('app', 1, { attempt: 1, finishedAt: secondsAgo(4) })
      .build();
    const cs = statusOf(p, rp)!.containerStatuses![0];
    expect(cs.state?.waiting).toEqual({
      reason: 'CrashLoopBackOff',
      message: 'back-off 10s restarting failed container=app pod=retry_default(uid-retry)',
    });
    expect(cs.lastState?.terminated?.exitCode).toBe(1);
  });

  it('a completed pod is not ready because it completed, and its exit is recorded', () => {
    const p = pod('job').on('n1').restart('Never').build();
    const s = statusOf(p, sandbox(p).exited('app', 0).build())!;
    expect(s.conditions!.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'PodCompleted',
    });
    expect(s.containerStatuses![0].state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
  });

  it('keeps lastTransitionTime while a condition holds', () => {
    const p = web.build();
    p.status!.conditions = [
      { type: 'Ready', status: 'True', lastTransitionTime: '2024-12-31T00:00:00Z' },
      { type: 'PodScheduled', status: 'True', lastTransitionTime: '2024-12-30T00:00:00Z' },
    ];
    const s = statusOf(p, sandbox(p).running('app').build())!;
    expect(s.conditions!.find((c) => c.type === 'Ready')!.lastTransitionTime).toBe('2024-12-31T00:00:00Z');
    expect(s.conditions!.find((c) => c.type === 'PodScheduled')!.lastTransitionTime).toBe(
      '2024-12-30T00:00:00Z',
    );
    expect(s.conditions!.find((c) => c.type === 'Initialized')!.lastTransitionTime).toBe(
      '2025-01-01T00:01:00Z',
    );
  });
});

describe('start failures and back-off resets', () => {
  const retry = () => pod('retry').on('n1').restart('OnFailure').build();

  it('restarts at once after an attempt that ran for 10 minutes, whatever the attempt count', () => {
    const rp = sandbox(retry())
      .exited('app', 1, { attempt: 6, startedAt: secondsAgo(700), finishedAt: secondsAgo(1) })
      .build();
    const base = (_uid: string, c: RuntimeContainer) => c.attempt;
    expect(describeActions(plan([retry()], [rp], { ...ctx, backoffBase: base }))).toContain('start app');
    expect(describeActions(plan([retry()], [rp], ctx))).toContain('requeue 299000');
  });

  it('waits out the back-off after a failed start, then tries again', () => {
    const failure = { reason: 'ErrImagePull', message: 'manifest unknown', count: 1, at: secondsAgo(2) };
    const withFailure = { ...ctx, failure: () => failure };
    const p = pod('img').on('n1').build();
    const rp = sandbox(p).build();
    expect(describeActions(plan([p], [rp], withFailure))).toEqual(['requeue 8000', 'status Pending']);
    const s = podStatus(p, rp, { now, hostIP: '127.1.0.1', backoff: ctx.backoff, failure: () => failure });
    expect(s.containerStatuses?.[0].state?.waiting).toEqual({
      reason: 'ImagePullBackOff',
      message: `Back-off pulling image "${p.spec!.containers[0].image}"`,
    });
    const later = { ...failure, at: secondsAgo(11) };
    expect(describeActions(plan([p], [rp], { ...ctx, failure: () => later }))).toContain('start app');
  });
});
