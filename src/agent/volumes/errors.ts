/**
 * How volume setup fails. The kubelet does not fail a container for this: it records a
 * `FailedMount` warning event per volume (`MountVolume.SetUp failed for volume "x" : <why>`) and
 * keeps the pod in ContainerCreating, retrying. Pod sync should do the same: record each failure
 * as a FailedMount event, not start the containers, and retry (with back-off) later.
 */

/** One volume that could not be set up, with the kubelet's event message. */
export interface VolumeFailure {
  volume: string;
  /** `MountVolume.SetUp failed for volume "x" : <why>`. */
  message: string;
}

export class VolumeSetupError extends Error {
  /** The event reason to record for each failure. */
  readonly reason = 'FailedMount';

  constructor(
    /** Every volume that failed, in spec order (the message is the first one's). */
    readonly failures: VolumeFailure[],
    /** For refresh(): whether other volumes were updated in spite of the failures. */
    readonly changed = false,
  ) {
    super(failures[0]?.message ?? 'volume setup failed');
    this.name = 'VolumeSetupError';
  }
}

/** The kubelet's event message for one volume. */
export function failureMessage(volume: string, err: unknown): string {
  return `MountVolume.SetUp failed for volume "${volume}" : ${(err as Error).message ?? String(err)}`;
}
