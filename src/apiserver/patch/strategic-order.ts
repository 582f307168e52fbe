/**
 * Element order for strategic-merge lists, following apimachinery's strategicpatch: after a merge,
 * items named by the patch (or by its `$setElementOrder/<field>` list) take the patch's order, items
 * only the server has keep their live order, and the two runs are interleaved using the live list
 * as the tie-breaker. Pure functions over already-merged lists.
 */
import { hasKey, isObject, show } from './json.js';
import { badPatch } from './patch-errors.js';

/** The directive key that marks a list element (or map) as a delete/replace instruction. */
export const PATCH_DIRECTIVE = '$patch';

/** True when two elements name the same entry: same merge-key value, or equal primitives. */
export function sameItem(a: unknown, b: unknown, mergeKey: string | undefined): boolean {
  if (!mergeKey) return a === b;
  return (
    isObject(a) && isObject(b) && hasKey(a, mergeKey) && hasKey(b, mergeKey) && a[mergeKey] === b[mergeKey]
  );
}

function indexIn(list: readonly unknown[], item: unknown, mergeKey: string | undefined): number {
  return list.findIndex((v) => sameItem(v, item, mergeKey));
}

/** Splits `items` into those named in `by` and the rest, keeping relative order. */
export function partition(
  items: readonly unknown[],
  by: readonly unknown[],
  mergeKey: string | undefined,
): [named: unknown[], rest: unknown[]] {
  const named: unknown[] = [];
  const rest: unknown[] = [];
  for (const item of items) (indexIn(by, item, mergeKey) >= 0 ? named : rest).push(item);
  return [named, rest];
}

/**
 * Orders a merged list: `patchItems` sorted by `patchOrder`, `serverOnly` sorted by `serverOrder`,
 * then interleaved so a server-only item stays ahead of a patch item it preceded in the live list.
 */
export function normalizeOrder(
  patchItems: readonly unknown[],
  serverOnly: readonly unknown[],
  patchOrder: readonly unknown[],
  serverOrder: readonly unknown[],
  mergeKey: string | undefined,
): unknown[] {
  const right = sortByOrder(patchItems, patchOrder, mergeKey);
  const left = sortByOrder(serverOnly, serverOrder, mergeKey);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (j >= right.length) out.push(left[i++]);
    else if (i >= left.length) out.push(right[j++]);
    else {
      const li = indexIn(serverOrder, left[i], mergeKey);
      const ri = indexIn(serverOrder, right[j], mergeKey);
      // A patch item the server never had is "not comparable": it goes first, as in Kubernetes.
      out.push(li >= 0 && ri >= 0 && li < ri ? left[i++] : right[j++]);
    }
  }
  return out;
}

/** Stable sort by position in `order`; items missing from `order` keep their place at the end. */
function sortByOrder(
  items: readonly unknown[],
  order: readonly unknown[],
  mergeKey: string | undefined,
): unknown[] {
  const ranked = items.map((item, pos) => ({ item, pos, rank: indexIn(order, item, mergeKey) }));
  ranked.sort((a, b) => {
    if (a.rank >= 0 && b.rank >= 0) return a.rank - b.rank || a.pos - b.pos;
    if (a.rank >= 0) return -1;
    if (b.rank >= 0) return 1;
    return a.pos - b.pos;
  });
  return ranked.map((r) => r.item);
}

/** True for an element carrying a `$patch` directive. */
export function hasDirective(item: unknown): boolean {
  return isObject(item) && hasKey(item, PATCH_DIRECTIVE);
}

/**
 * Checks that the patch list's elements appear in `$setElementOrder` in the same relative order
 * (deletions and other directive elements excepted), as kube-apiserver does before reordering.
 */
export function validateSetElementOrder(
  patchList: readonly unknown[],
  order: readonly unknown[],
  mergeKey: string | undefined,
): void {
  if (mergeKey) for (const item of order) requireMergeKey(item, mergeKey);
  const items = patchList.filter((item) => !hasDirective(item));
  if (mergeKey) for (const item of items) requireMergeKey(item, mergeKey);
  let p = 0;
  for (let s = 0; p < items.length && s < order.length; s++) {
    if (sameItem(items[p], order[s], mergeKey)) p++;
  }
  if (p < items.length) {
    throw badPatch(
      `The order in patch list:\n${show(patchList)}\n doesn't match $setElementOrder list:\n${show(order)}\n`,
    );
  }
}

/** 400 unless `item` is a map holding `mergeKey` (apimachinery's ErrNoMergeKey). */
export function requireMergeKey(item: unknown, mergeKey: string): void {
  if (!isObject(item) || !hasKey(item, mergeKey)) {
    throw badPatch(`map: ${show(item)} does not contain declared merge key: ${mergeKey}`);
  }
}
