/** Fluent fixture builders for the endpoints tests. */
import type { Pod, Service, ServicePort } from 'kubernetes-types/core/v1.js';

/** A pod builder: pod('web-1').ip('10.42.0.5').ready().labels({app:'web'}).build(). */
export function pod(name: string) {
  const p: Pod = {
    metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: { app: 'web' } },
    spec: {
      nodeName: 'n1',
      containers: [{ name: 'c', image: 'x', ports: [{ name: 'http', containerPort: 8080 }] }],
    },
    status: { phase: 'Running', conditions: [] },
  };
  const b = {
    ip(ip: string) {
      p.status!.podIP = ip;
      return b;
    },
    ready() {
      p.status!.conditions = [{ type: 'Ready', status: 'True' }];
      return b;
    },
    terminating() {
      (p.metadata as { deletionTimestamp?: string }).deletionTimestamp = '2024-05-01T12:00:00Z';
      return b;
    },
    phase(phase: string) {
      p.status!.phase = phase;
      return b;
    },
    containerPorts(ports: Array<{ name: string; containerPort: number }>) {
      p.spec!.containers[0].ports = ports;
      return b;
    },
    hostname(h: string, sub: string) {
      p.spec!.hostname = h;
      p.spec!.subdomain = sub;
      return b;
    },
    build: () => p,
  };
  return b;
}

/** A service selecting app=web. */
export function service(ports: ServicePort[], spec: Partial<Service['spec']> = {}): Service {
  return {
    metadata: { name: 'web', namespace: 'default', uid: 'svc-uid' },
    spec: { selector: { app: 'web' }, clusterIP: '10.43.0.20', ports, ...spec },
  };
}
