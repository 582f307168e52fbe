import { describe, expect, it } from 'vitest';
import { filterOutcome, node, pod, snapshotOf } from '../../framework/testing.js';
import { nodeNameFilter, reasonNodeName } from '../node-name/node-name.js';
import { nodePortsFilter, reasonNodePorts } from '../node-ports/node-ports.js';
import { nodeUnschedulable, reasonUnschedulable } from './node-unschedulable.js';

describe('NodeUnschedulable, NodeName and NodePorts filters', () => {
  const cases = [
    {
      name: 'a pod lands on a schedulable node',
      plugin: nodeUnschedulable,
      pod: pod().build(),
      node: node('n1').build(),
      want: 'fits',
    },
    {
      name: 'a cordoned node takes no pod',
      plugin: nodeUnschedulable,
      pod: pod().build(),
      node: node('n1').unschedulable().build(),
      want: reasonUnschedulable,
    },
    {
      name: 'a pod tolerating the unschedulable taint lands on a cordoned node',
      plugin: nodeUnschedulable,
      pod: pod()
        .tolerate({ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' })
        .build(),
      node: node('n1').unschedulable().build(),
      want: 'fits',
    },
    {
      name: 'a pod naming its node fits that node',
      plugin: nodeNameFilter,
      pod: pod().on('n1').build(),
      node: node('n1').build(),
      want: 'fits',
    },
    {
      name: 'a pod naming another node does not fit',
      plugin: nodeNameFilter,
      pod: pod().on('n2').build(),
      node: node('n1').build(),
      want: reasonNodeName,
    },
    {
      name: 'a free host port fits',
      plugin: nodePortsFilter,
      pod: pod().hostPort(8080).build(),
      node: node('n1').build(),
      want: 'fits',
    },
  ];
  it.each(cases)('$name', ({ plugin, pod: p, node: n, want }) => {
    expect(filterOutcome(plugin, p, 'n1', snapshotOf([n]))).toBe(want);
  });

  const portCases = [
    { name: 'the same host port and protocol clash', existing: [8080, 'TCP'], want: reasonNodePorts },
    { name: 'the same port over another protocol does not clash', existing: [8080, 'UDP'], want: 'fits' },
    { name: 'another port does not clash', existing: [9090, 'TCP'], want: 'fits' },
  ] as const;
  it.each(portCases)('$name', ({ existing, want }) => {
    const placed = pod('old').hostPort(existing[0], existing[1]).on('n1').build();
    const snap = snapshotOf([node('n1').build()], [placed]);
    expect(filterOutcome(nodePortsFilter, pod().hostPort(8080).build(), 'n1', snap)).toBe(want);
  });

  it('different specific host IPs share a port, but 0.0.0.0 clashes with any', () => {
    const placed = pod('old').hostPort(80, 'TCP', '10.0.0.1').on('n1').build();
    const snap = snapshotOf([node('n1').build()], [placed]);
    expect(filterOutcome(nodePortsFilter, pod().hostPort(80, 'TCP', '10.0.0.2').build(), 'n1', snap)).toBe(
      'fits',
    );
    expect(filterOutcome(nodePortsFilter, pod().hostPort(80, 'TCP', '10.0.0.1').build(), 'n1', snap)).toBe(
      reasonNodePorts,
    );
    expect(filterOutcome(nodePortsFilter, pod().hostPort(80).build(), 'n1', snap)).toBe(reasonNodePorts);
  });
});
