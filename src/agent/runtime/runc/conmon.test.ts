import { describe, expect, it } from 'vitest';
import { runcMessage } from './command.js';
import { conmonArgs, parseSyncMessage } from './conmon.js';
import { containerLogPath, podHostname, pullPolicy } from './naming.js';

describe('parseSyncMessage', () => {
  it('reads the pid of a created container', () => {
    expect(parseSyncMessage('{"data": 18844}\n')).toEqual({ pid: 18844 });
  });

  it('reads runc’s error out of conmon’s failure message', () => {
    // As conmon 2.1.6 sent it for a missing executable (runc logging JSON to its stderr).
    const text =
      '{"data": -1, "message": "{\\"level\\":\\"error\\",\\"msg\\":\\"runc create failed: unable to start container process: exec: \\\\\\"nope\\\\\\": executable file not found in $PATH\\",\\"time\\":\\"2026-11-27T04:23:00Z\\"}\\n"}\n';
    expect(parseSyncMessage(text)).toEqual({
      error:
        'runc create failed: unable to start container process: exec: "nope": executable file not found in $PATH',
    });
  });

  it('copes with a message that is not valid JSON', () => {
    expect(parseSyncMessage('{"data": -1, "message": "bad \\q escape"}\n')?.error).toBe('bad q escape');
  });
});

describe('runcMessage', () => {
  it('takes the last error of text or JSON logs', () => {
    expect(
      runcMessage(
        'time="x" level=warning msg="w"\ntime="x" level=error msg="container \\"a\\" does not exist"\n',
      ),
    ).toBe('container "a" does not exist');
    expect(runcMessage('{"level":"error","msg":"boom"}\n')).toBe('boom');
  });
});

describe('conmonArgs', () => {
  const o = {
    conmon: '/usr/bin/conmon',
    runc: '/usr/sbin/runc',
    runcRoot: '/s/runc',
    id: 'a'.repeat(64),
    name: 'ns_pod_c',
    bundle: '/s/b',
    logPath: '/l/0.log',
    exitDir: '/s/exits',
    socketDir: '/s/sockets',
    tty: false,
    stdin: true,
    leaveStdinOpen: true,
  };
  it('runs runc under our root with JSON logs, CRI log file, exit and persist dirs', () => {
    const args = conmonArgs(o);
    expect(args.slice(0, 2)).toEqual(['--api-version', '1']);
    expect(args).toContain('k8s-file:/l/0.log');
    expect(args.join(' ')).toContain('--runtime-arg --root=/s/runc --runtime-arg --log-format=json');
    expect(args.join(' ')).toContain('--persist-dir /s/b');
    expect(args.slice(-2)).toEqual(['-i', '--leave-stdin-open']);
    expect(conmonArgs({ ...o, stdin: false, tty: true })).toContain('-t');
  });
});

describe('naming', () => {
  it('defaults the pull policy as the API does', () => {
    expect(pullPolicy({ name: 'a', image: 'busybox' })).toBe('Always');
    expect(pullPolicy({ name: 'a', image: 'busybox:latest' })).toBe('Always');
    expect(pullPolicy({ name: 'a', image: 'localhost:5000/busybox' })).toBe('Always');
    expect(pullPolicy({ name: 'a', image: 'busybox:1.36' })).toBe('IfNotPresent');
    expect(pullPolicy({ name: 'a', image: 'busybox@sha256:abc' })).toBe('IfNotPresent');
    expect(pullPolicy({ name: 'a', image: 'busybox', imagePullPolicy: 'Never' })).toBe('Never');
  });
  it('names hostnames and log files like the kubelet', () => {
    expect(podHostname({ metadata: { name: 'web-0' }, spec: { containers: [], hostname: 'h' } })).toBe('h');
    expect(podHostname({ metadata: { name: `${'a'.repeat(62)}-b` } })).toBe('a'.repeat(62));
    expect(containerLogPath('/logs/ns_p_u', 'c', 2)).toBe('/logs/ns_p_u/c/2.log');
  });
});
