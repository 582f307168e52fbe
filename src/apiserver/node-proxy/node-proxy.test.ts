import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors.js';
import { execQuery, logQuery } from './params.js';
import { boundNode, checkLogState, checkRunning, nodeEndpoint, pickContainer } from './resolve.js';

/** A fluent pod fixture: containers, statuses and annotations as a test needs them. */
function pod(name = 'web') {
  const p: Pod = {
    metadata: { name, annotations: {} },
    spec: { containers: [] },
    status: { containerStatuses: [] },
  };
  const b = {
    containers: (...names: string[]) => {
      p.spec!.containers = names.map((n) => ({ name: n }));
      return b;
    },
    init: (...names: string[]) => {
      p.spec!.initContainers = names.map((n) => ({ name: n }));
      return b;
    },
    annotate: (k: string, v: string) => {
      p.metadata!.annotations![k] = v;
      return b;
    },
    phase: (phase: string) => {
      p.status!.phase = phase;
      return b;
    },
    status: (
      n: string,
      state: NonNullable<Pod['status']>['containerStatuses'] extends Array<infer S> | undefined
        ? Partial<S>
        : never,
    ) => {
      p.status!.containerStatuses!.push({
        name: n,
        ready: false,
        restartCount: 0,
        image: '',
        imageID: '',
        ...state,
      });
      return b;
    },
    build: () => p,
  };
  return b;
}

function error(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('no error');
}

describe('pickContainer', () => {
  const cases = [
    { name: 'the only container is the default', pod: pod().containers('a'), requested: null, want: 'a' },
    {
      name: 'the annotation names the default among several',
      pod: pod().containers('a', 'b').annotate('kubectl.kubernetes.io/default-container', 'b'),
      requested: null,
      want: 'b',
    },
    {
      name: 'a named init container is valid',
      pod: pod().containers('a').init('setup'),
      requested: 'setup',
      want: 'setup',
    },
  ];
  for (const c of cases) it(c.name, () => expect(pickContainer(c.pod.build(), c.requested)).toBe(c.want));

  it('several containers and none named is a 400 listing them (and the init containers)', () => {
    expect(error(() => pickContainer(pod('web').containers('a', 'b').build(), null)).message).toBe(
      'a container name must be specified for pod web, choose one of: [a b]',
    );
    const withInit = error(() => pickContainer(pod('web').containers('a', 'b').init('i').build(), null));
    expect(withInit.message).toBe(
      'a container name must be specified for pod web, choose one of: [a b] or one of the init containers: [i]',
    );
    expect(withInit.code).toBe(400);
  });

  it('an unknown container is a 400', () => {
    const err = error(() => pickContainer(pod('web').containers('a').build(), 'x'));
    expect([err.code, err.reason, err.message]).toEqual([
      400,
      'BadRequest',
      'container x is not valid for pod web',
    ]);
  });
});

describe('checkLogState and checkRunning', () => {
  it('a waiting container has no logs and cannot be exec’d into', () => {
    const p = pod('web')
      .containers('a')
      .status('a', { state: { waiting: { reason: 'ContainerCreating' } } })
      .build();
    expect(error(() => checkLogState(p, 'a', false)).message).toBe(
      'container "a" in pod "web" is waiting to start: ContainerCreating',
    );
    expect(error(() => checkRunning(p, 'a')).message).toBe(
      'container "a" in pod "web" is waiting to start: ContainerCreating',
    );
  });

  it('a crash-looping container shows its last attempt; --previous needs one', () => {
    const looping = pod('web')
      .containers('a')
      .status('a', {
        state: { waiting: { reason: 'CrashLoopBackOff' } },
        lastState: { terminated: { exitCode: 1 } },
      })
      .build();
    expect(() => checkLogState(looping, 'a', false)).not.toThrow();
    expect(() => checkLogState(looping, 'a', true)).not.toThrow();
    const fresh = pod('web')
      .containers('a')
      .status('a', { state: { running: {} } })
      .build();
    expect(error(() => checkLogState(fresh, 'a', true)).message).toBe(
      'previous terminated container "a" in pod "web" not found',
    );
    expect(() => checkRunning(fresh, 'a')).not.toThrow();
  });

  it('image pull failures are named as the kubelet names them; no status yet is ContainerCreating', () => {
    const pulling = pod('web')
      .containers('a')
      .status('a', { state: { waiting: { reason: 'ImagePullBackOff' } } })
      .build();
    expect(error(() => checkLogState(pulling, 'a', false)).message).toBe(
      'container "a" in pod "web" is waiting to start: trying and failing to pull image',
    );
    expect(error(() => checkLogState(pod('web').containers('a').build(), 'a', false)).message).toContain(
      'ContainerCreating',
    );
  });

  it('a completed pod cannot be exec’d into', () => {
    const done = pod('web')
      .containers('a')
      .phase('Succeeded')
      .status('a', { state: { terminated: { exitCode: 0 } } })
      .build();
    expect(error(() => checkRunning(done, 'a')).message).toBe(
      'cannot exec into a container in a completed pod; current phase is Succeeded',
    );
  });
});

describe('node endpoint', () => {
  const node = (status: Node['status']): Node => ({ metadata: { name: 'n1' }, status });
  it('is the InternalIP and the kubelet endpoint port', () => {
    expect(
      nodeEndpoint(
        node({
          addresses: [
            { type: 'Hostname', address: 'h' },
            { type: 'InternalIP', address: '10.0.0.5' },
          ],
          daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
        }),
      ),
    ).toEqual({ host: '10.0.0.5', port: 10250 });
  });
  it('is a 503 naming what is missing', () => {
    const noPort = error(() =>
      nodeEndpoint(node({ addresses: [{ type: 'InternalIP', address: '10.0.0.5' }] })),
    );
    expect([noPort.code, noPort.message]).toEqual([
      503,
      'node "n1" has no agent endpoint (status.daemonEndpoints.kubeletEndpoint.Port is unset)',
    ]);
    expect(error(() => nodeEndpoint(node({ daemonEndpoints: { kubeletEndpoint: { Port: 1 } } }))).code).toBe(
      503,
    );
  });
  it('an unscheduled pod is a 400', () => {
    expect(error(() => boundNode(pod('web').build())).message).toBe('pod web does not have a host assigned');
  });
});

describe('query translation', () => {
  it('passes log options on and validates them as PodLogOptions', () => {
    const q = logQuery(
      new URLSearchParams('container=a&follow=true&tailLines=10&timestamps=1&sinceSeconds=5&limitBytes=100'),
      'web',
    );
    expect(q.toString()).toBe('follow=true&timestamps=true&tailLines=10&limitBytes=100&sinceSeconds=5');
    const err = error(() => logQuery(new URLSearchParams('tailLines=-1&sinceSeconds=0'), 'web'));
    expect([err.code, err.reason]).toEqual([422, 'Invalid']);
    expect(err.message).toBe(
      'PodLogOptions "web" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0, sinceSeconds: Invalid value: 0: must be greater than 0',
    );
    expect(
      error(() => logQuery(new URLSearchParams('sinceSeconds=5&sinceTime=2026-01-01T00:00:00Z'), 'web'))
        .message,
    ).toContain('at most one of `sinceTime` or `sinceSeconds` may be specified');
    expect(error(() => logQuery(new URLSearchParams('tailLines=ten'), 'web')).code).toBe(400);
  });

  it('renames stdin/stdout/stderr to the kubelet’s input/output/error and keeps the command', () => {
    const q = execQuery(
      new URLSearchParams(
        'command=sh&command=-c&command=ls /&stdin=true&stdout=true&stderr=false&tty=true&container=a',
      ),
      true,
    );
    expect([...q.entries()]).toEqual([
      ['command', 'sh'],
      ['command', '-c'],
      ['command', 'ls /'],
      ['input', '1'],
      ['output', '1'],
      ['tty', '1'],
    ]);
    expect(error(() => execQuery(new URLSearchParams('stdout=true'), true)).message).toBe(
      'you must specify at least one command for the container',
    );
    expect(error(() => execQuery(new URLSearchParams('command=ls'), true)).message).toBe(
      'you must specify at least 1 of stdin, stdout, stderr',
    );
    expect(execQuery(new URLSearchParams('stdout=true'), false).toString()).toBe('output=1');
  });
});
