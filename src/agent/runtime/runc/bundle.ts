/**
 * The config.json of one container attempt: what buildOciSpec needs, gathered from the pod's
 * saved state, the image (its config, and its accounts read from the rootfs for the user) and
 * the host (devices, for privileged containers).
 */
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { ContainerRunConfig } from '../runtime.js';
import { hostDevices } from './devices.js';
import { buildOciSpec } from './oci-spec.js';
import type { RuncImages } from './records.js';
import { containerCgroupValues, oomScoreAdj } from './resources.js';
import type { SandboxPaths } from './sandbox.js';
import type { PodState } from './state.js';
import { readAccounts, resolveUser } from './user.js';

export interface ContainerSpecInput {
  pod: PodState;
  sandbox: SandboxPaths;
  container: Container;
  run: ContainerRunConfig;
  image: Awaited<ReturnType<RuncImages['prepare']>>;
  cgroupsPath: string;
  pidsLimit?: number;
  memoryCapacity: number;
  cgroupV2: boolean;
}

/** Throws UserError (bad user, runAsNonRoot) or SpecError (nothing to run). */
export async function containerSpec(i: ContainerSpecInput): Promise<Record<string, unknown>> {
  const ps = i.pod;
  const podSC = ps.spec.securityContext;
  const sc = i.container.securityContext;
  const user = resolveUser({
    runAsUser: sc?.runAsUser ?? podSC?.runAsUser,
    runAsGroup: sc?.runAsGroup ?? podSC?.runAsGroup,
    runAsNonRoot: sc?.runAsNonRoot ?? podSC?.runAsNonRoot,
    imageUser: i.image.config.user ?? '',
    supplementalGroups: podSC?.supplementalGroups,
    fsGroup: podSC?.fsGroup,
    ...(await readAccounts(i.image.rootfs)),
  });
  const podLike: Pod = { metadata: { uid: ps.uid }, spec: ps.spec };
  return buildOciSpec({
    container: i.container,
    pod: {
      uid: ps.uid,
      namespace: ps.namespace,
      name: ps.name,
      hostname: ps.hostname,
      securityContext: podSC,
    },
    image: i.image.config,
    run: i.run,
    rootfs: i.image.rootfs,
    user,
    namespaces: { network: ps.netnsPath, uts: i.sandbox.uts, ipc: i.sandbox.ipc },
    shmPath: i.sandbox.shm,
    cgroupsPath: i.cgroupsPath,
    cgroupValues: containerCgroupValues(i.container, i.pidsLimit),
    oomScoreAdj: oomScoreAdj(podLike, i.container, i.memoryCapacity, ps.qos),
    hostDevices: sc?.privileged ? await hostDevices() : undefined,
    cgroupV2: i.cgroupV2,
  });
}
