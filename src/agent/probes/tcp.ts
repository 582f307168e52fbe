/** tcpSocket probes: success when a TCP connection opens within the timeout (DoTCPProbe). */
import { Socket } from 'node:net';
import type { Clock } from '../../client/types.js';
import { dialError, joinHostPort, type ProbeResult } from './result.js';

export function tcpProbe(clock: Clock, host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  const address = joinHostPort(host, port);
  return new Promise((resolve) => {
    const socket = new Socket();
    let done = false;
    const finish = (r: ProbeResult) => {
      if (done) return;
      done = true;
      cancel();
      socket.destroy();
      resolve(r);
    };
    const cancel = clock.after(timeoutMs, () =>
      finish({ result: 'failure', output: `dial tcp ${address}: i/o timeout` }),
    );
    socket.once('connect', () => finish({ result: 'success', output: '' }));
    socket.once('error', (err) => finish({ result: 'failure', output: dialError(address, err) }));
    socket.connect({ host, port });
  });
}
