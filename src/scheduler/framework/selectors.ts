/**
 * Label and node selectors compiled once per pod into small matcher objects, so the per-node
 * filter loop only walks arrays and compares strings (no parsing, no allocation per node).
 */
import type { NodeSelectorRequirement, NodeSelectorTerm } from 'kubernetes-types/core/v1.js';
import type { LabelSelector, LabelSelectorRequirement } from 'kubernetes-types/meta/v1.js';

export type Labels = Readonly<Record<string, string>>;

/** One compiled requirement of a label selector. */
interface Requirement {
  key: string;
  op: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  values: readonly string[];
}

/** A compiled metav1.LabelSelector; `nothing` for a nil selector, which matches no object. */
export interface LabelMatcher {
  readonly nothing: boolean;
  readonly reqs: readonly Requirement[];
}

/** A matcher that matches no labels (nil selectors in pod affinity and topology spread). */
export const matchNothing: LabelMatcher = { nothing: true, reqs: [] };
/** A matcher that matches every label set (the empty selector `{}`). */
export const matchEverything: LabelMatcher = { nothing: false, reqs: [] };

/** Compiles a LabelSelector; undefined/null matches nothing, `{}` matches everything. */
export function compileLabelSelector(
  sel: LabelSelector | undefined | null,
  extra: Requirement[] = [],
): LabelMatcher {
  if (!sel) return matchNothing;
  const reqs: Requirement[] = [];
  for (const [key, value] of Object.entries(sel.matchLabels ?? {}))
    reqs.push({ key, op: 'In', values: [value] });
  for (const e of sel.matchExpressions ?? []) reqs.push(requirement(e));
  reqs.push(...extra);
  return reqs.length === 0 ? matchEverything : { nothing: false, reqs };
}

function requirement(e: LabelSelectorRequirement | NodeSelectorRequirement): Requirement {
  return { key: e.key, op: e.operator as Requirement['op'], values: e.values ?? [] };
}

/** True when labels satisfy every requirement. */
export function matchLabels(m: LabelMatcher, labels: Labels | undefined): boolean {
  if (m.nothing) return false;
  const reqs = m.reqs;
  for (let i = 0; i < reqs.length; i++) if (!matchRequirement(reqs[i], labels)) return false;
  return true;
}

function matchRequirement(r: Requirement, labels: Labels | undefined): boolean {
  const v = labels?.[r.key];
  switch (r.op) {
    case 'In':
      return v !== undefined && r.values.includes(v);
    case 'NotIn':
      return v === undefined || !r.values.includes(v);
    case 'Exists':
      return v !== undefined;
    case 'DoesNotExist':
      return v === undefined;
    case 'Gt':
    case 'Lt': {
      // Gt/Lt compare integers; a non-integer label or bound never matches (as Kubernetes).
      if (v === undefined || !/^-?\d+$/.test(v) || r.values.length !== 1) return false;
      const bound = Number(r.values[0]);
      if (!Number.isInteger(bound)) return false;
      return r.op === 'Gt' ? Number(v) > bound : Number(v) < bound;
    }
    default:
      return false;
  }
}

/** A compiled NodeSelectorTerm: label expressions plus metadata.name field expressions. */
export interface NodeTermMatcher {
  readonly labels: readonly Requirement[];
  readonly names: readonly Requirement[];
  readonly empty: boolean;
}

/** Compiles node selector terms (ORed); an empty term matches no node, as in Kubernetes. */
export function compileNodeTerms(terms: readonly NodeSelectorTerm[]): NodeTermMatcher[] {
  return terms.map((t) => {
    const labels = (t.matchExpressions ?? []).map(requirement);
    const names = (t.matchFields ?? []).filter((f) => f.key === 'metadata.name').map(requirement);
    return { labels, names, empty: labels.length === 0 && (t.matchFields ?? []).length === 0 };
  });
}

/** True when the node matches the term. */
export function matchNodeTerm(t: NodeTermMatcher, name: string, labels: Labels): boolean {
  if (t.empty) return false;
  for (let i = 0; i < t.labels.length; i++) if (!matchRequirement(t.labels[i], labels)) return false;
  for (let i = 0; i < t.names.length; i++) {
    const r = t.names[i];
    const hit = r.values.includes(name);
    if ((r.op === 'In' && !hit) || (r.op === 'NotIn' && hit)) return false;
  }
  return true;
}

/** True when any of the ORed terms matches. */
export function matchAnyNodeTerm(terms: readonly NodeTermMatcher[], name: string, labels: Labels): boolean {
  for (let i = 0; i < terms.length; i++) if (matchNodeTerm(terms[i], name, labels)) return true;
  return false;
}

/** An `In` requirement: used to fold topology spread's matchLabelKeys into the selector. */
export function inRequirement(key: string, value: string): Requirement {
  return { key, op: 'In', values: [value] };
}
