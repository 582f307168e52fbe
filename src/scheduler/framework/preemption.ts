/**
 * Preemption (kube-scheduler's DefaultPreemption PostFilter), pure over the snapshot: for a pod
 * that fits nowhere, find a node where evicting lower-priority pods makes it fit. On each
 * candidate node all lower-priority pods are set aside, the filters re-run, then pods are
 * given back most important first while the pod still fits — PDB-protected pods first, so
 * victims whose budget allows disruption are preferred. The best node has the fewest PDB
 * violations, then the lowest highest-victim priority, the lowest priority sum, the fewest
 * victims, and the latest-started victims.
 */
import type { Framework } from './cycle.js';
import { type Diagnosis, fitErrorMessage } from './diagnosis.js';
import type { NodeInfo } from './node-info.js';
import type { PodInfo } from './pod-info.js';
import { type LabelMatcher, matchLabels } from './selectors.js';
import type { Snapshot } from './snapshot.js';
import { type Rejection, rejection } from './types.js';

/** Kubernetes' preemption messages. */
export const reasonNoVictims = 'No preemption victims found for incoming pod';
export const reasonNotHelpful = 'Preemption is not helpful for scheduling';
export const notEligibleNever = 'not eligible due to preemptionPolicy=Never.';
export const notEligibleTerminating = 'not eligible due to terminating pod on the nominated node.';

const noVictims = rejection('DefaultPreemption', reasonNoVictims, true);
const notHelpful = rejection('DefaultPreemption', reasonNotHelpful, true);

/** A PodDisruptionBudget as preemption needs it. */
export interface DisruptionBudget {
  namespace: string;
  selector: LabelMatcher;
  /** status.disruptionsAllowed. */
  allowed: number;
  /** status.disruptedPods names: already being disrupted, so not counted again. */
  disrupted: ReadonlySet<string>;
}

/** A node and the pods to evict there. */
export interface Candidate {
  node: NodeInfo;
  victims: PodInfo[];
  pdbViolations: number;
}

/** The preemption outcome: a candidate, or the PostFilter message for FailedScheduling. */
export type PreemptionResult = { candidate: Candidate } | { message: string };

/** Start time as Kubernetes' MoreImportantPod compares it (status.startTime, else creation). */
function startMs(p: PodInfo): number {
  const t = p.pod.status?.startTime;
  return t ? Date.parse(t) : p.creationMs;
}

/** Most important first: higher priority, then started earlier. */
function byImportance(a: PodInfo, b: PodInfo): number {
  return b.priority - a.priority || startMs(a) - startMs(b);
}

/** Why the pod may not preempt at all, or undefined when it may. */
export function ineligibility(
  pod: PodInfo,
  snap: Snapshot,
  nominatedNode: string,
  d: Diagnosis,
): string | undefined {
  if (pod.preemptNever) return notEligibleNever;
  if (!nominatedNode || d.rejections.get(nominatedNode)?.unresolvable) return undefined;
  // Victims from an earlier preemption are still going: wait for them instead of evicting more.
  const node = snap.node(nominatedNode);
  if (node?.pods.some((p) => p.terminating && p.priority < pod.priority)) return notEligibleTerminating;
  return undefined;
}

/** Splits victims (most important first) into those whose eviction would break a PDB and the rest. */
export function splitByBudget(
  victims: PodInfo[],
  budgets: readonly DisruptionBudget[],
): [PodInfo[], PodInfo[]] {
  const allowed = budgets.map((b) => b.allowed);
  const violating: PodInfo[] = [];
  const fine: PodInfo[] = [];
  for (const p of victims) {
    let breaks = false;
    if (Object.keys(p.labels).length) {
      budgets.forEach((b, i) => {
        if (b.namespace !== p.namespace || b.selector.reqs.length === 0 || !matchLabels(b.selector, p.labels))
          return;
        if (b.disrupted.has(p.name)) return;
        allowed[i]--;
        if (allowed[i] < 0) breaks = true;
      });
    }
    (breaks ? violating : fine).push(p);
  }
  return [violating, fine];
}

function fits(fw: Framework, pod: PodInfo, snap: Snapshot, node: NodeInfo): Rejection | undefined {
  const prep = fw.prepare(pod, snap);
  return prep.rejection ?? fw.filterNode(prep, pod, node);
}

/** The minimal victim set on one node, or why preempting there cannot help. */
export function selectVictims(
  fw: Framework,
  pod: PodInfo,
  snap: Snapshot,
  node: NodeInfo,
  budgets: readonly DisruptionBudget[],
): Candidate | Rejection {
  const lower = node.pods.filter((p) => p.priority < pod.priority).sort(byImportance);
  if (lower.length === 0) return noVictims;
  for (const p of lower) snap.detach(node, p);
  try {
    const r = fits(fw, pod, snap, node);
    if (r) return r;
    const [violating, fine] = splitByBudget(lower, budgets);
    const victims: PodInfo[] = [];
    let pdbViolations = 0;
    // Give pods back, most important first; those that no longer leave room become victims.
    const reprieve = (p: PodInfo, breaksBudget: boolean) => {
      snap.attach(node, p);
      if (!fits(fw, pod, snap, node)) return;
      snap.detach(node, p);
      victims.push(p);
      if (breaksBudget) pdbViolations++;
    };
    for (const p of violating) reprieve(p, true);
    for (const p of fine) reprieve(p, false);
    victims.sort(byImportance);
    return { node, victims, pdbViolations };
  } finally {
    // Whatever happened, the snapshot ends as it started.
    for (const p of lower) if (!node.pods.includes(p)) snap.attach(node, p);
  }
}

function better(a: Candidate, b: Candidate): boolean {
  if (a.pdbViolations !== b.pdbViolations) return a.pdbViolations < b.pdbViolations;
  const ah = a.victims[0].priority;
  const bh = b.victims[0].priority;
  if (ah !== bh) return ah < bh;
  // Offset each priority by 2^31 so negative priorities cannot make a longer list look cheaper.
  const sum = (c: Candidate) => c.victims.reduce((s, p) => s + p.priority + 2 ** 31, 0);
  if (sum(a) !== sum(b)) return sum(a) < sum(b);
  if (a.victims.length !== b.victims.length) return a.victims.length < b.victims.length;
  return earliestTopStart(a) > earliestTopStart(b);
}

/** Among the node's highest-priority victims, the earliest start: later is cheaper to lose. */
function earliestTopStart(c: Candidate): number {
  const top = c.victims[0].priority;
  let earliest = Number.POSITIVE_INFINITY;
  for (const p of c.victims) if (p.priority === top) earliest = Math.min(earliest, startMs(p));
  return earliest;
}

/** Kubernetes examines at least this many candidate nodes (or 10% of the nodes). */
const minCandidateNodesAbsolute = 100;
const minCandidateNodesPercentage = 10;

/** Finds where and whom to preempt for a pod that failed with diagnosis d. */
export function preempt(
  fw: Framework,
  pod: PodInfo,
  snap: Snapshot,
  d: Diagnosis,
  budgets: readonly DisruptionBudget[],
  nominatedNode = '',
  rand: () => number = Math.random,
): PreemptionResult {
  const why = ineligibility(pod, snap, nominatedNode, d);
  if (why) return { message: `preemption: ${why}` };
  const statuses = new Map<string, Rejection>();
  const potential: NodeInfo[] = [];
  for (const node of snap.nodes) {
    const r = d.rejections.get(node.name);
    if (r?.unresolvable) statuses.set(node.name, notHelpful);
    else potential.push(node);
  }
  const wanted = Math.max(
    minCandidateNodesAbsolute,
    Math.trunc((potential.length * minCandidateNodesPercentage) / 100),
  );
  const offset = potential.length ? Math.floor(rand() * potential.length) : 0;
  let best: Candidate | undefined;
  let found = 0;
  for (let i = 0; i < potential.length && found < wanted; i++) {
    const node = potential[(offset + i) % potential.length];
    const c = selectVictims(fw, pod, snap, node, budgets);
    if ('reasons' in c) {
      statuses.set(node.name, c);
      continue;
    }
    found++;
    if (!best || better(c, best)) best = c;
  }
  if (best) return { candidate: best };
  return { message: `preemption: ${fitErrorMessage({ numAllNodes: statuses.size, rejections: statuses })}` };
}
