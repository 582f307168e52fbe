/**
 * A byte stream carried in WebSocket binary messages, as client-go's TunnelingConnection sends
 * SPDY inside a WebSocket for port-forward: message boundaries mean nothing, each write is one
 * message. Lets the SPDY session run unchanged over either transport.
 */
import { Duplex } from 'node:stream';
import type { WebSocket } from './websocket.js';

export function webSocketTunnel(ws: WebSocket): Duplex {
  const tunnel = new Duplex({
    read() {
      ws.socket.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      if (ws.send(chunk, true)) cb();
      else ws.drain().then(() => cb());
    },
    final(cb) {
      ws.close();
      cb();
    },
    destroy(err, cb) {
      ws.close();
      ws.socket.destroy();
      cb(err);
    },
  });
  ws.on('message', (data: Buffer, binary: boolean) => {
    if (!binary) {
      // client-go rejects text in the tunnel; so do we.
      tunnel.destroy();
      return;
    }
    if (!tunnel.push(data)) ws.socket.pause();
  });
  ws.on('close', () => {
    tunnel.push(null);
    tunnel.destroy();
  });
  return tunnel;
}
