/**
 * Bodies captured from the real kubectl v1.32 (`kubectl create ...` against a capturing proxy)
 * must decode to exactly the JSON kubectl prints for the same command with
 * `--dry-run=client -o json` (see fixtures/README.md).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeKubernetesProtobuf } from './index.js';

const fixture = (name: string, ext: string) =>
  readFileSync(new URL(`./fixtures/${name}.${ext}`, import.meta.url));

const commands: [string, string][] = [
  ['deployment', 'kubectl create deployment web --image=busybox --replicas=3'],
  ['configmap', "kubectl create configmap settings --from-literal=a=1 --from-literal=greeting='hello wörld'"],
  ['secret', 'kubectl create secret generic creds --from-literal=password=s3cr3t --from-literal=user=admin'],
  ['namespace', 'kubectl create namespace dev'],
  ['service', 'kubectl create service clusterip web --tcp=80:8080'],
  ['cronjob', "kubectl create cronjob nightly --image=busybox --schedule='0 3 * * *' -- date"],
  ['pdb', 'kubectl create pdb web --selector=app=web --min-available=1'],
  ['quota', 'kubectl create quota q1 --hard=cpu=2,memory=1Gi,pods=10'],
  ['ingress', "kubectl create ingress web --rule='example.test/=web:80'"],
  ['role', 'kubectl create role reader --verb=get,list --resource=pods'],
  ['tokenrequest', 'kubectl create token robot --duration=1h'],
];

describe('bodies captured from kubectl decode to kubectl JSON', () => {
  it.each(commands)('decodes the %s body of `%s`', (name) => {
    const expected = JSON.parse(fixture(name, 'json').toString('utf8'));
    const decoded = decodeKubernetesProtobuf(fixture(name, 'pb'));
    expect(decoded.kind).toBe(expected.kind);
    expect(decoded.apiVersion).toBe(expected.apiVersion);
    expect(decoded.object).toEqual(expected);
  });
});
