import { describe, expect, it } from 'vitest';
import { decodeChannelMessage, encodeChannelMessage, parseResize } from './channels.js';
import { outcomeStatus, outcomeText, protocolVersion } from './remotecommand.js';
import { expectedStreams, JsonObjectSplitter } from './remotecommand-spdy.js';

describe('channel messages', () => {
  it('binary protocols prefix the channel byte; base64 ones an ASCII digit and base64 text', () => {
    const bin = encodeChannelMessage('v5.channel.k8s.io', 1, Buffer.from('hi'));
    expect(bin).toEqual({ data: Buffer.from([1, 0x68, 0x69]), binary: true });
    const b64 = encodeChannelMessage('base64.channel.k8s.io', 2, Buffer.from('hi'));
    expect(b64).toEqual({ data: '2aGk=', binary: false });
    expect(decodeChannelMessage('base64.channel.k8s.io', Buffer.from('0aGk='), false)).toEqual({
      channel: 0,
      payload: Buffer.from('hi'),
    });
    expect(decodeChannelMessage('v4.channel.k8s.io', Buffer.from([4, 0x7b, 0x7d]), true)).toEqual({
      channel: 4,
      payload: Buffer.from('{}'),
    });
    expect(decodeChannelMessage('v4.channel.k8s.io', Buffer.alloc(0), true)).toBeUndefined();
  });

  it('resize messages need integer sizes', () => {
    expect(parseResize('{"Width":80,"Height":24}')).toEqual({ width: 80, height: 24 });
    for (const bad of [
      '{"Width":"x","Height":1}',
      '{"Width":-1,"Height":1}',
      'nope',
      '{"Width":1e9,"Height":1}',
    ])
      expect(parseResize(bad)).toBeUndefined();
  });
});

describe('remotecommand outcomes', () => {
  it('v4+ Status: Success, NonZeroExitCode with the code as a cause, InternalError', () => {
    expect(outcomeStatus({ kind: 'success' })).toEqual({ metadata: {}, status: 'Success' });
    expect(outcomeStatus({ kind: 'exit', code: 3, command: ['sh', '-c', 'exit 3'] })).toEqual({
      metadata: {},
      status: 'Failure',
      message:
        'command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
    expect(outcomeStatus({ kind: 'error', message: 'boom' })).toMatchObject({
      reason: 'InternalError',
      message: 'Internal error occurred: boom',
    });
    expect(outcomeText({ kind: 'success' })).toBe('');
  });

  it('knows each protocol’s version', () => {
    expect(
      [
        'channel.k8s.io',
        'v2.channel.k8s.io',
        'v3.channel.k8s.io',
        'v4.channel.k8s.io',
        'v5.channel.k8s.io',
        'v4.base64.channel.k8s.io',
      ].map(protocolVersion),
    ).toEqual([1, 2, 3, 4, 5, 4]);
  });

  it('expects the SPDY streams client-go opens', () => {
    const all = { stdin: true, stdout: true, stderr: true, tty: false };
    expect(expectedStreams(4, all)).toEqual(['error', 'stdin', 'stdout', 'stderr']);
    expect(expectedStreams(4, { ...all, stderr: false, tty: true })).toEqual([
      'error',
      'stdin',
      'stdout',
      'resize',
    ]);
    expect(expectedStreams(2, { ...all, stderr: false, tty: true })).toEqual(['error', 'stdin', 'stdout']);
  });

  it('splits the resize stream into JSON objects however it is cut', () => {
    const s = new JsonObjectSplitter();
    expect(s.push('{"Width":1,')).toEqual([]);
    expect(s.push('"Height":2}{"Width":3,"Height":4}{"a":"}"')).toEqual([
      '{"Width":1,"Height":2}',
      '{"Width":3,"Height":4}',
    ]);
    expect(s.push('}')).toEqual(['{"a":"}"}']);
  });
});
