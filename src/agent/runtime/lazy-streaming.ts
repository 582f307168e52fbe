/**
 * A StreamingRuntime that forwards to a runtime attached later. The agent's endpoint must listen
 * before the Node is registered (its port is in the Node object), while the runtime can only
 * start once the node has its pod CIDR; requests in between get a clear "starting" error.
 */
import type { Runtime } from './runtime.js';
import type { StreamingRuntime } from './streams.js';

export interface LazyStreamingRuntime extends StreamingRuntime {
  /** Sets the runtime requests go to. */
  attachRuntime(runtime: Runtime & StreamingRuntime): void;
  /** The runtime, once attached. */
  target(): (Runtime & StreamingRuntime) | undefined;
}

export function lazyStreamingRuntime(): LazyStreamingRuntime {
  let runtime: (Runtime & StreamingRuntime) | undefined;
  const ready = () => {
    if (!runtime) throw new Error('the node agent is starting; try again shortly');
    return runtime;
  };
  return {
    attachRuntime: (r) => {
      runtime = r;
    },
    target: () => runtime,
    logPath: (uid, c, previous) => runtime?.logPath(uid, c, previous),
    exec: async (uid, c, cmd, opts) => ready().exec(uid, c, cmd, opts),
    attach: async (uid, c, opts) => ready().attach(uid, c, opts),
    portForward: async (uid, port) => ready().portForward(uid, port),
    execSync: async (uid, c, cmd, timeoutMs) => ready().execSync(uid, c, cmd, timeoutMs),
    cgroups: (uid) => runtime?.cgroups(uid),
  };
}
