/**
 * Manifests and small parsers shared by the kubectl e2e sections. Manifests are plain objects
 * rendered to YAML, so a test can change one field (an env var) and re-render the file the way a
 * user edits it.
 */
import { stringify } from 'yaml';

/** A ConfigMap manifest; `extra` merges into metadata (labels, finalizers, ...). */
export function configMap(name: string, namespace: string, data: Record<string, string> = {}, extra = {}) {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, ...extra }, data };
}

/** The multi-document app of issue #2: Namespace, ConfigMap, Secret, Deployment, Service, Ingress. */
export function appManifests(namespace: string, env: Array<{ name: string; value: string }>) {
  const labels = { app: 'web' };
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    configMap('settings', namespace, { mode: 'fast' }),
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds', namespace },
      stringData: { password: 'hunter2' },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace, labels },
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            containers: [
              { name: 'app', image: 'nginx:1.27', env, ports: [{ containerPort: 8080 }] },
              { name: 'sidecar', image: 'busybox:1.36', command: ['sleep', 'infinity'] },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace },
      spec: { selector: labels, ports: [{ port: 80, targetPort: 8080 }] },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'web', namespace },
      spec: {
        rules: [
          {
            host: 'shop.example',
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: { service: { name: 'web', port: { number: 80 } } },
                },
              ],
            },
          },
        ],
      },
    },
  ];
}

/** Renders objects as one multi-document YAML file. */
export function toYamlDocs(objects: object[]): string {
  return objects.map((o) => stringify(o)).join('---\n');
}

/**
 * Splits kubectl's column output into rows keyed by header, using the header's column starts
 * (cells such as SHORTNAMES may be empty, so splitting on whitespace would shift columns).
 */
export function parseTable(output: string): Array<Record<string, string>> {
  const lines = output.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) return [];
  const header = lines[0]!;
  const starts: Array<{ name: string; at: number }> = [];
  for (const m of header.matchAll(/\S+/g)) starts.push({ name: m[0], at: m.index ?? 0 });
  return lines.slice(1).map((line) => {
    const row: Record<string, string> = {};
    starts.forEach((col, i) => {
      const end = i + 1 < starts.length ? starts[i + 1]!.at : line.length;
      row[col.name] = line.slice(col.at, end).trim();
    });
    return row;
  });
}

/** `-o name` output as a sorted list. */
export function names(output: string): string[] {
  return output
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .sort();
}
