/**
 * Cell formatting shared by every resource's Table rows, following kubectl's printers:
 * ages as duration.HumanDuration, selectors as metav1.FormatLabelSelector, "<none>" for empties.
 */
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';

/** apimachinery's duration.HumanDuration: ~2-3 significant figures ("2m3s", "10m", "3d4h", "2y"). */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) {
    const d = days % 365;
    return d === 0 ? `${years}y` : `${years}y${d}d`;
  }
  return `${years}y`;
}

/** Age of an RFC 3339 timestamp at `now`, as the AGE column shows it ("<unknown>" when unset). */
export function humanAge(timestamp: string | undefined, now: Date): string {
  if (!timestamp) return '<unknown>';
  const t = Date.parse(timestamp);
  if (Number.isNaN(t)) return '<unknown>';
  return humanDuration(now.getTime() - t);
}

function requirementString(key: string, operator: string, values: string[]): string {
  const sorted = [...values].sort();
  switch (operator) {
    case 'In':
      return `${key} in (${sorted.join(',')})`;
    case 'NotIn':
      return `${key} notin (${sorted.join(',')})`;
    case 'Exists':
      return key;
    case 'DoesNotExist':
      return `!${key}`;
    default:
      return `${key} ${operator} (${sorted.join(',')})`;
  }
}

/**
 * A label selector as labels.Selector.String() renders it (requirements sorted by key), or ""
 * when it selects everything. Suitable for Scale.status.selector and label-selector queries.
 */
export function selectorString(sel: LabelSelector | undefined): string {
  if (!sel) return '';
  const reqs: Array<{ key: string; text: string }> = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) reqs.push({ key: k, text: `${k}=${v}` });
  for (const e of sel.matchExpressions ?? []) {
    reqs.push({ key: e.key, text: requirementString(e.key, e.operator, e.values ?? []) });
  }
  // Stable sort by key only, as apimachinery's ByKey does.
  reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return reqs.map((r) => r.text).join(',');
}

/** A label selector as kubectl's SELECTOR column prints it: "app=web,tier in (a,b)", "<none>" if empty. */
export function labelSelectorString(sel: LabelSelector | undefined): string {
  return selectorString(sel) || '<none>';
}

/** A plain label map as labels.FormatLabels prints it: sorted "k=v,k2=v2", "<none>" if empty. */
export function formatLabels(labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${labels![k]}`).join(',');
}

/** Comma-joined values, or "<none>" when there are none. */
export function joinOrNone(values: string[]): string {
  return values.length === 0 ? '<none>' : values.join(',');
}

/** The CONTAINERS and IMAGES cells of workload tables (kubectl's layoutContainerCells). */
export function containerCells(
  containers: Array<{ name: string; image?: string }> | undefined,
): [string, string] {
  const list = containers ?? [];
  return [list.map((c) => c.name).join(','), list.map((c) => c.image ?? '').join(',')];
}
