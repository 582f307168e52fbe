/**
 * Port-forward over WebSocket channels, the protocol the Python and JavaScript client libraries
 * speak (kubectl tunnels SPDY instead, see portforward.ts): the ports come in the `ports` query
 * parameter, port i gets data channel 2i and error channel 2i+1, and the server opens each
 * channel with the port as two little-endian bytes. One connection to the pod per port; the
 * session ends when all of them have closed.
 */
import type { Duplex } from 'node:stream';
import { decodeChannelMessage, encodeChannelMessage } from './channels.js';
import { parsePort } from './portforward.js';
import type { WebSocket } from './websocket.js';

/** Subprotocols served for channel port-forward ('' when the client names none). */
export const PORTFORWARD_CHANNEL_PROTOCOLS = ['v4.channel.k8s.io', 'v4.base64.channel.k8s.io'];

/** The ports of a `ports` query (repeated or comma-separated); undefined entries are invalid. */
export function parsePorts(values: string[]): Array<number | undefined> {
  return values.flatMap((v) => v.split(',')).map((p) => parsePort(p.trim()));
}

export function servePortForwardChannels(
  ws: WebSocket,
  protocol: string,
  ports: number[],
  dial: (port: number) => Promise<Duplex>,
  describePod: string,
): Promise<void> {
  const send = (channel: number, data: Buffer) => {
    const m = encodeChannelMessage(protocol || 'v4.channel.k8s.io', channel, data);
    return ws.send(m.data, m.binary);
  };
  const conns: Array<Duplex | undefined> = [];
  const pending: Buffer[][] = ports.map(() => []);
  let open = ports.length;
  const finishOne = () => {
    open--;
    if (open === 0) ws.close();
  };
  ports.forEach((port, i) => {
    const prefix = Buffer.alloc(2);
    prefix.writeUInt16LE(port);
    send(2 * i, prefix);
    send(2 * i + 1, prefix);
    dial(port).then(
      (conn) => {
        conns[i] = conn;
        for (const chunk of pending[i]) conn.write(chunk);
        pending[i] = [];
        conn.on('data', (chunk: Buffer) => {
          if (!send(2 * i, chunk)) {
            conn.pause();
            ws.drain().then(() => conn.resume());
          }
        });
        conn.on('error', () => {});
        conn.once('close', finishOne);
      },
      (err: Error) => {
        send(2 * i + 1, Buffer.from(`error forwarding port ${port} to ${describePod}: ${err.message}`));
        finishOne();
      },
    );
  });
  ws.on('message', (data: Buffer, binary: boolean) => {
    const m = decodeChannelMessage(protocol || 'v4.channel.k8s.io', data, binary);
    if (!m || m.channel % 2 !== 0) return;
    const i = m.channel / 2;
    if (i >= ports.length || m.payload.length === 0) return;
    const conn = conns[i];
    if (conn) conn.write(m.payload);
    else pending[i]?.push(m.payload);
  });
  return new Promise((resolve) => {
    ws.on('close', () => {
      for (const c of conns) c?.destroy();
      resolve();
    });
  });
}
