/**
 * The remotecommand protocol family (exec and attach), independent of the transport. A session
 * is a RemoteCommandIO (WebSocket channels in channels.ts, SPDY streams in remotecommand-spdy.ts);
 * runRemoteCommand starts the process and moves bytes until it exits, then reports the outcome
 * on the error stream as the negotiated version says: plain text up to v3, a Status from v4 on
 * (with the exit code, which kubectl turns into its own exit code).
 */
import type { Readable, Writable } from 'node:stream';
import type { ContainerProcess } from '../runtime/streams.js';

export const STREAM_PROTOCOL_V1 = 'channel.k8s.io';
export const STREAM_PROTOCOL_V2 = 'v2.channel.k8s.io';
export const STREAM_PROTOCOL_V3 = 'v3.channel.k8s.io';
export const STREAM_PROTOCOL_V4 = 'v4.channel.k8s.io';
export const STREAM_PROTOCOL_V5 = 'v5.channel.k8s.io';

/** 1..5 for a remotecommand protocol name (base64 WebSocket variants count as their base). */
export function protocolVersion(name: string): number {
  if (name.startsWith('v5.')) return 5;
  if (name.startsWith('v4.')) return 4;
  if (name.startsWith('v3.')) return 3;
  if (name.startsWith('v2.')) return 2;
  return 1;
}

/** How a session ended, before it is encoded for the protocol version. */
export type Outcome =
  | { kind: 'success' }
  | { kind: 'exit'; code: number; command: string[] }
  | { kind: 'error'; message: string };

/** The v4+ error-stream Status for an outcome (the shape the kubelet writes). */
export function outcomeStatus(outcome: Outcome): Record<string, unknown> {
  if (outcome.kind === 'success') return { metadata: {}, status: 'Success' };
  if (outcome.kind === 'exit') {
    return {
      metadata: {},
      status: 'Failure',
      message: `command terminated with non-zero exit code: error executing command [${outcome.command.join(' ')}], exit code ${outcome.code}`,
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: String(outcome.code) }] },
    };
  }
  return {
    metadata: {},
    status: 'Failure',
    message: `Internal error occurred: ${outcome.message}`,
    reason: 'InternalError',
    details: { causes: [{ message: outcome.message }] },
    code: 500,
  };
}

/** The v1-v3 error-stream text: empty on success. */
export function outcomeText(outcome: Outcome): string {
  if (outcome.kind === 'success') return '';
  return String(outcomeStatus(outcome).message);
}

/** One exec/attach session as the runner sees it. */
export interface RemoteCommandIO {
  /** Data from the client (ends when the client closes its stdin). */
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  /** Terminal size changes from the client. */
  onResize(listener: (width: number, height: number) => void): void;
  /** Called once when the client goes away before finish(). */
  onGone(listener: () => void): void;
  /** Writes the outcome on the error stream and ends the session. */
  finish(outcome: Outcome): Promise<void>;
}

export interface RunOptions {
  /** Attach: the outcome is Success whatever the main process's exit code (as the kubelet's). */
  attach: boolean;
  command: string[];
  /** After the process exits, how long output may stay silent before it is cut (default 1 s). */
  drainIdleMs?: number;
}

/** Starts the process and serves the session until the process exits or the client goes away. */
export async function runRemoteCommand(
  io: RemoteCommandIO,
  start: () => Promise<ContainerProcess>,
  options: RunOptions,
): Promise<void> {
  let gone = false;
  let proc: ContainerProcess | undefined;
  io.onGone(() => {
    gone = true;
    proc?.kill();
  });
  try {
    proc = await start();
  } catch (err) {
    if (!gone) await io.finish({ kind: 'error', message: (err as Error).message ?? String(err) });
    return;
  }
  if (gone) {
    proc.kill();
    return;
  }
  const p = proc;
  p.stdin?.on('error', () => {});
  if (io.stdin) {
    if (p.stdin) io.stdin.pipe(p.stdin);
    else io.stdin.resume();
  }
  io.onResize((w, h) => {
    try {
      p.resize(w, h);
    } catch {
      // A resize racing the process's exit is harmless.
    }
  });
  let lastActivity = Date.now();
  const outputs = [
    forward(p.stdout, io.stdout, () => (lastActivity = Date.now())),
    forward(p.stderr, io.stderr, () => (lastActivity = Date.now())),
  ];
  const code = await p.exited;
  // Output still in pipes after the exit is delivered; a background child holding a pipe open
  // must not hold the session, so silence for drainIdleMs ends the wait.
  const idle = options.drainIdleMs ?? 1000;
  while (!outputs.every((o) => o.done) && Date.now() - lastActivity < idle && !gone) {
    await new Promise((r) => setTimeout(r, Math.min(100, idle)));
    // A slow client holds the source back: that is progress, not silence.
    if (outputs.some((o) => o.blocked())) lastActivity = Date.now();
  }
  for (const o of outputs) if (!o.done) o.cut();
  await Promise.all(outputs.map((o) => o.flushed));
  if (gone) return;
  const outcome: Outcome =
    options.attach || code === 0 ? { kind: 'success' } : { kind: 'exit', code, command: options.command };
  await io.finish(outcome);
}

interface Forwarding {
  done: boolean;
  /** True while the destination still holds unsent data (the client reads slowly). */
  blocked(): boolean;
  /** Stops forwarding and ends the destination. */
  cut(): void;
  /** Resolves once the destination has taken everything (or is gone). */
  flushed: Promise<void>;
}

function forward(src: Readable | undefined, dst: Writable | undefined, onData: () => void): Forwarding {
  if (!src) {
    dst?.end();
    return { done: true, blocked: () => false, cut() {}, flushed: dst ? finished(dst) : Promise.resolve() };
  }
  const state: Forwarding = {
    done: false,
    blocked: () => !!dst && !dst.destroyed && dst.writableLength > 0,
    cut() {},
    flushed: Promise.resolve(),
  };
  src.on('data', onData);
  src.on('error', () => {});
  const srcDone = new Promise<void>((resolve) => {
    src.once('end', resolve);
    src.once('close', resolve);
  }).then(() => {
    state.done = true;
    // A source destroyed without 'end' is not ended by pipe(): end the destination here.
    if (dst && !dst.writableEnded) dst.end();
  });
  if (!dst) {
    src.resume();
    state.flushed = srcDone;
    state.cut = () => {
      state.done = true;
    };
    return state;
  }
  src.pipe(dst);
  state.cut = () => {
    state.done = true;
    src.unpipe(dst);
    src.pause();
    dst.end();
  };
  state.flushed = finished(dst);
  return state;
}

function finished(w: Writable): Promise<void> {
  if (w.writableFinished || w.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    w.once('finish', resolve);
    w.once('close', resolve);
    w.once('error', () => resolve());
  });
}
