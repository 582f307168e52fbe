/** The virtual runtime's timing with a manual clock: start delay, run duration, annotations, stop. */
import { describe, expect, it } from 'vitest';
import { ManualClock, pod } from '../../testing.js';
import type { RuntimePod } from '../runtime.js';
import { EXIT_CODE_ANNOTATION, RUN_SECONDS_ANNOTATION, VirtualRuntime } from './virtual-runtime.js';

const sandbox = { nodeName: 'n1', podCIDR: '10.42.7.0/24' };

function setup() {
  const clock = new ManualClock();
  const runtime = new VirtualRuntime({ clock, startDelayMs: 100, runDurationMs: 1000 });
  const changes: RuntimePod[] = [];
  runtime.onChange((p) => changes.push(p));
  return { clock, runtime, changes };
}

async function startAll(runtime: VirtualRuntime, p: ReturnType<typeof pod>) {
  const spec = p.build();
  const sb = await runtime.createSandbox(spec, sandbox);
  for (const c of spec.spec!.containers) await runtime.startContainer(sb.uid, c, false);
  return sb;
}

describe('virtual runtime timing', () => {
  const cases = [
    {
      name: 'an Always pod runs until stopped',
      build: pod('a'),
      at: 60_000,
      phase: 'running',
      exitCode: undefined,
    },
    {
      name: 'a Never pod exits 0 after the run duration',
      build: pod('b').restart('Never'),
      at: 1100,
      phase: 'exited',
      exitCode: 0,
    },
    {
      name: 'an OnFailure pod is still running before the run duration ends',
      build: pod('c').restart('OnFailure'),
      at: 1099,
      phase: 'running',
      exitCode: undefined,
    },
    {
      name: 'the exit-code annotation makes a Never pod fail',
      build: pod('d').restart('Never').annotate(EXIT_CODE_ANNOTATION, '3'),
      at: 1100,
      phase: 'exited',
      exitCode: 3,
    },
    {
      name: 'the run-seconds annotation lengthens the run',
      build: pod('e').restart('Never').annotate(RUN_SECONDS_ANNOTATION, '5'),
      at: 5099,
      phase: 'running',
      exitCode: undefined,
    },
    {
      name: 'the run-seconds annotation makes an Always pod exit too (a crash loop)',
      build: pod('f').annotate(RUN_SECONDS_ANNOTATION, '2').annotate(EXIT_CODE_ANNOTATION, '1'),
      at: 2100,
      phase: 'exited',
      exitCode: 1,
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const { clock, runtime } = setup();
      const sb = await startAll(runtime, c.build);
      clock.advance(c.at);
      const container = runtime.getPod(sb.uid)!.containers[0];
      expect(container.phase).toBe(c.phase);
      expect(container.exitCode).toBe(c.exitCode);
      if (c.exitCode !== undefined) expect(container.reason).toBe(c.exitCode === 0 ? 'Completed' : 'Error');
    });
  }

  it('reports created, then running after the start delay, and says so through onChange', async () => {
    const { clock, runtime, changes } = setup();
    const sb = await startAll(runtime, pod('w'));
    expect(sb.containers[0].phase).toBe('created');
    clock.advance(99);
    expect(changes).toHaveLength(0);
    clock.advance(1);
    expect(changes).toHaveLength(1);
    expect(sb.containers[0].phase).toBe('running');
    expect(sb.containers[0].startedAt).toEqual(clock.now());
    expect(sb.containers[0].id).toMatch(/^virtual:\/\/[0-9a-f]{32}$/);
    expect(sb.containers[0].imageID).toMatch(/^nginx:1.27@sha256:[0-9a-f]{64}$/);
  });

  it('a restart is a new attempt that remembers the last one', async () => {
    const { clock, runtime } = setup();
    const spec = pod('r').restart('OnFailure').annotate(EXIT_CODE_ANNOTATION, '1').build();
    const sb = await runtime.createSandbox(spec, sandbox);
    await runtime.startContainer(sb.uid, spec.spec!.containers[0], false);
    clock.advance(1100);
    const first = sb.containers[0];
    await runtime.startContainer(sb.uid, spec.spec!.containers[0], false);
    const second = runtime.getPod(sb.uid)!.containers[0];
    expect(second.attempt).toBe(1);
    expect(second.id).not.toBe(first.id);
    expect(second.previous).toMatchObject({ id: first.id, exitCode: 1, reason: 'Error' });
  });

  it('init containers finish right after they start', async () => {
    const { clock, runtime } = setup();
    const spec = pod('i').initContainers('setup').build();
    const sb = await runtime.createSandbox(spec, sandbox);
    await runtime.startContainer(sb.uid, spec.spec!.initContainers![0], true);
    clock.advance(100);
    expect(sb.containers[0]).toMatchObject({ phase: 'exited', exitCode: 0, init: true });
  });

  it('stopping a pod ends its containers and cancels their timers', async () => {
    const { clock, runtime, changes } = setup();
    const sb = await startAll(runtime, pod('s').containers('a', 'b'));
    clock.advance(100);
    await runtime.stopPod(sb.uid, 30);
    expect(sb.containers.map((c) => c.phase)).toEqual(['exited', 'exited']);
    expect(clock.pending).toBe(0);
    const before = changes.length;
    clock.advance(10_000);
    expect(changes.length).toBe(before);
    await expect(runtime.startContainer(sb.uid, { name: 'a', image: 'a:1' }, false)).rejects.toThrow(
      /stopping/,
    );
  });
});

describe('virtual runtime sandboxes', () => {
  it('gives pods distinct IPs from the node range and frees them on removal', async () => {
    const { runtime } = setup();
    const a = await runtime.createSandbox(pod('a').build(), sandbox);
    const b = await runtime.createSandbox(pod('b').build(), sandbox);
    expect(a.ip).toBe('10.42.7.2');
    expect(b.ip).toBe('10.42.7.3');
    expect(await runtime.createSandbox(pod('a').build(), sandbox)).toBe(a);
    await runtime.removePod(a.uid);
    expect(runtime.listPods().map((p) => p.name)).toEqual(['b']);
  });

  it('fails, as host-local IPAM does, when the node range is exhausted', async () => {
    const { runtime } = setup();
    const tiny = { nodeName: 'n1', podCIDR: '10.42.0.0/30' };
    await runtime.createSandbox(pod('one').build(), tiny);
    await expect(runtime.createSandbox(pod('two').build(), tiny)).rejects.toThrow(
      /no IP addresses available/,
    );
  });
});
