/**
 * Image garbage collection as the kubelet does it (pkg/kubelet/images/image_gc_manager.go), as a
 * pure function over a snapshot: when the disk holding the store is at or above the high
 * threshold, remove unused images, least recently used first, until the bytes their removal
 * really frees (layers no remaining image shares) bring usage down to the low threshold.
 */

export interface GCImage {
  id: string;
  /** diffIDs. */
  layers: string[];
  lastUsed: number;
}

export interface GCInput {
  images: GCImage[];
  /** Bytes on disk of each layer, by diffID. */
  layerSizes: Map<string, number>;
  capacity: number;
  available: number;
  highThresholdPercent: number;
  lowThresholdPercent: number;
  /** Image ids a container uses: never removed. */
  inUse: Set<string>;
  now: number;
  /** Images used more recently than this are kept (the kubelet's minimum GC age). */
  minAgeMs: number;
}

export interface GCPlan {
  usagePercent: number;
  /** 0 when usage is below the high threshold. */
  bytesToFree: number;
  /** Image ids to remove, in order. */
  remove: string[];
  /** What removing them frees. Less than bytesToFree when nothing more may go. */
  bytesFreed: number;
}

/** Decides which images to remove; see the module comment. */
export function planImageGC(input: GCInput): GCPlan {
  const { capacity, available } = input;
  const usagePercent = capacity > 0 ? ((capacity - available) * 100) / capacity : 0;
  if (capacity <= 0 || usagePercent < input.highThresholdPercent) {
    return { usagePercent, bytesToFree: 0, remove: [], bytesFreed: 0 };
  }
  const bytesToFree = Math.max(
    0,
    Math.ceil((capacity * (100 - input.lowThresholdPercent)) / 100 - available),
  );
  // How many kept images use each layer; a layer frees its bytes when that drops to zero.
  const users = new Map<string, number>();
  for (const img of input.images) {
    for (const l of new Set(img.layers)) users.set(l, (users.get(l) ?? 0) + 1);
  }
  const candidates = input.images
    .filter((img) => !input.inUse.has(img.id) && input.now - img.lastUsed >= input.minAgeMs)
    .sort((a, b) => a.lastUsed - b.lastUsed || a.id.localeCompare(b.id));
  const remove: string[] = [];
  let bytesFreed = 0;
  for (const img of candidates) {
    if (bytesFreed >= bytesToFree) break;
    remove.push(img.id);
    for (const l of new Set(img.layers)) {
      const left = (users.get(l) ?? 1) - 1;
      users.set(l, left);
      if (left === 0) bytesFreed += input.layerSizes.get(l) ?? 0;
    }
  }
  return { usagePercent, bytesToFree, remove, bytesFreed };
}
