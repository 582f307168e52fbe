import { spawn } from 'node:child_process';
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ContainerProcess } from '../runtime/streams.js';
import { type Outcome, type RemoteCommandIO, runRemoteCommand } from './remotecommand.js';

/** A session whose stdout is a Writable taking `delayMs` per chunk (a slow client). */
function session(delayMs = 0) {
  const out: Buffer[] = [];
  let outcome: Outcome | undefined;
  const gone: Array<() => void> = [];
  const io: RemoteCommandIO = {
    stdin: new PassThrough(),
    stdout: new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _e, cb) {
        out.push(chunk);
        setTimeout(cb, delayMs);
      },
    }),
    onResize: () => {},
    onGone: (l) => gone.push(l),
    async finish(o) {
      outcome = o;
    },
  };
  return {
    io,
    out: () => Buffer.concat(out),
    outcome: () => outcome,
    leave: () => {
      for (const l of gone) l();
    },
  };
}

function proc(command: string[], stdin = false): ContainerProcess {
  const child = spawn(command[0], command.slice(1), {
    stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'ignore'],
    detached: true,
  });
  return {
    stdin: child.stdin ?? undefined,
    stdout: child.stdout ?? undefined,
    resize() {},
    exited: new Promise((r) => child.on('exit', (code, signal) => r(code ?? (signal ? 137 : 0)))),
    kill: () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {}
    },
  };
}

describe('runRemoteCommand', () => {
  it('reports Success for exit 0 and NonZeroExitCode with the command otherwise', async () => {
    const ok = session();
    await runRemoteCommand(ok.io, async () => proc(['sh', '-c', 'echo hi']), {
      attach: false,
      command: ['sh'],
    });
    expect([ok.out().toString(), ok.outcome()]).toEqual(['hi\n', { kind: 'success' }]);
    const bad = session();
    await runRemoteCommand(bad.io, async () => proc(['sh', '-c', 'exit 9']), {
      attach: false,
      command: ['sh', '-c', 'exit 9'],
    });
    expect(bad.outcome()).toEqual({ kind: 'exit', code: 9, command: ['sh', '-c', 'exit 9'] });
  });

  it('attach reports Success whatever the exit code; a failed start is an error outcome', async () => {
    const a = session();
    await runRemoteCommand(a.io, async () => proc(['sh', '-c', 'exit 2']), { attach: true, command: [] });
    expect(a.outcome()).toEqual({ kind: 'success' });
    const f = session();
    await runRemoteCommand(f.io, () => Promise.reject(new Error('container c is not running')), {
      attach: false,
      command: ['x'],
    });
    expect(f.outcome()).toEqual({ kind: 'error', message: 'container c is not running' });
  });

  it('does not wait for a background child holding the output open', async () => {
    const s = session();
    const started = Date.now();
    let p: ContainerProcess | undefined;
    await runRemoteCommand(
      s.io,
      async () => {
        p = proc(['sh', '-c', 'echo parent; sleep 30 & exit 0']);
        return p;
      },
      { attach: false, command: [], drainIdleMs: 200 },
    );
    p?.kill();
    expect(s.out().toString()).toBe('parent\n');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('delivers everything to a slow client even when it takes longer than the idle limit', async () => {
    const s = session(150);
    await runRemoteCommand(s.io, async () => proc(['head', '-c', '400000', '/dev/zero']), {
      attach: false,
      command: [],
      drainIdleMs: 100,
    });
    expect(s.out().length).toBe(400000);
    expect(s.outcome()).toEqual({ kind: 'success' });
  });

  it('kills the process when the client goes away', async () => {
    const s = session();
    let p: ContainerProcess | undefined;
    setTimeout(() => s.leave(), 100);
    await runRemoteCommand(
      s.io,
      async () => {
        p = proc(['sleep', '30']);
        return p;
      },
      { attach: false, command: [] },
    );
    expect(await p!.exited).toBe(137);
    expect(s.outcome()).toBeUndefined();
  });
});
