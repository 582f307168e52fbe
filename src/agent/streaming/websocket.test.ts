import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { acceptKey } from './handshake.js';
import { socketPair } from './testing.js';
import { CLOSE, encodeFrame, FrameDecoder, OPCODE, WebSocket, WebSocketError } from './websocket.js';

const open: Socket[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.destroy();
});

async function pair(): Promise<{ client: WebSocket; server: WebSocket; raw: [Socket, Socket] }> {
  const raw = await socketPair();
  open.push(...raw);
  return {
    client: new WebSocket(raw[0], { role: 'client' }),
    server: new WebSocket(raw[1], { role: 'server', maxMessageBytes: 1 << 20 }),
    raw,
  };
}

function nextMessage(ws: WebSocket): Promise<{ data: Buffer; binary: boolean }> {
  return new Promise((resolve) =>
    ws.once('message', (data: Buffer, binary: boolean) => resolve({ data, binary })),
  );
}

function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) =>
    ws.once('close', (code: number, reason: string) => resolve({ code, reason })),
  );
}

describe('WebSocket handshake', () => {
  it("computes RFC 6455's example accept key", () => {
    expect(acceptKey('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });
});

describe('frame codec', () => {
  const cases = [
    { name: 'an empty payload', size: 0 },
    { name: 'the largest 7-bit length', size: 125 },
    { name: 'the smallest 16-bit length', size: 126 },
    { name: 'the largest 16-bit length', size: 65535 },
    { name: 'a 64-bit length', size: 70000 },
  ];
  for (const c of cases) {
    it(`round-trips ${c.name}, masked and unmasked`, () => {
      const payload = Buffer.alloc(c.size, 7);
      for (const mask of [true, false]) {
        const frames = new FrameDecoder(mask, 1 << 20).push(encodeFrame(OPCODE.binary, payload, { mask }));
        expect(frames).toHaveLength(1);
        expect(frames[0].opcode).toBe(OPCODE.binary);
        expect(frames[0].fin).toBe(true);
        expect(frames[0].payload.equals(payload)).toBe(true);
      }
    });
  }

  it('decodes frames fed one byte at a time', () => {
    const bytes = Buffer.concat([
      encodeFrame(OPCODE.text, Buffer.from('hello'), { mask: true, fin: false }),
      encodeFrame(OPCODE.continuation, Buffer.from(' world'), { mask: true }),
    ]);
    const decoder = new FrameDecoder(true, 1024);
    const frames = [...bytes].flatMap((b) => decoder.push(Buffer.from([b])));
    expect(frames.map((f) => [f.opcode, f.fin, f.payload.toString()])).toEqual([
      [OPCODE.text, false, 'hello'],
      [OPCODE.continuation, true, ' world'],
    ]);
  });

  it('masks on the wire: the payload bytes differ from the text', () => {
    const frame = encodeFrame(OPCODE.text, Buffer.from('secret-secret'), { mask: true });
    expect(frame.includes(Buffer.from('secret'))).toBe(false);
  });

  it('rejects what the RFC forbids', () => {
    const expectError = (bytes: Buffer, masked: boolean, code: number) => {
      try {
        new FrameDecoder(masked, 100).push(bytes);
        throw new Error('no error');
      } catch (err) {
        expect(err).toBeInstanceOf(WebSocketError);
        expect((err as WebSocketError).code).toBe(code);
      }
    };
    expectError(encodeFrame(OPCODE.binary, Buffer.from('x')), true, CLOSE.protocolError); // unmasked from a client
    expectError(
      encodeFrame(OPCODE.ping, Buffer.from('x'), { mask: true, fin: false }),
      true,
      CLOSE.protocolError,
    );
    expectError(encodeFrame(OPCODE.ping, Buffer.alloc(126), { mask: true }), true, CLOSE.protocolError);
    expectError(encodeFrame(OPCODE.binary, Buffer.alloc(101), { mask: true }), true, CLOSE.tooBig);
    expectError(encodeFrame(3, Buffer.from('x'), { mask: true }), true, CLOSE.protocolError);
    const rsv = encodeFrame(OPCODE.binary, Buffer.from('x'), { mask: true });
    rsv[0] |= 0x40;
    expectError(rsv, true, CLOSE.protocolError);
  });
});

describe('WebSocket connection', () => {
  it('delivers binary and text messages both ways', async () => {
    const { client, server } = await pair();
    const atServer = nextMessage(server);
    client.send(Buffer.from([0, 1, 2]));
    expect(await atServer).toEqual({ data: Buffer.from([0, 1, 2]), binary: true });
    const atClient = nextMessage(client);
    server.send('text reply', false);
    const got = await atClient;
    expect([got.data.toString(), got.binary]).toEqual(['text reply', false]);
  });

  it('reassembles a fragmented message with a ping between its fragments, and answers the ping', async () => {
    const { server, raw } = await pair();
    const message = nextMessage(server);
    const pong = new Promise<Buffer>((resolve) => {
      const reader = new FrameDecoder(false, 1024);
      raw[0].on('data', (chunk: Buffer) => {
        for (const f of reader.push(chunk)) if (f.opcode === OPCODE.pong) resolve(f.payload);
      });
    });
    raw[0].write(encodeFrame(OPCODE.binary, Buffer.from('part1-'), { mask: true, fin: false }));
    raw[0].write(encodeFrame(OPCODE.ping, Buffer.from('are-you-there'), { mask: true }));
    raw[0].write(encodeFrame(OPCODE.continuation, Buffer.from('part2-'), { mask: true, fin: false }));
    raw[0].write(encodeFrame(OPCODE.continuation, Buffer.from('part3'), { mask: true }));
    expect((await message).data.toString()).toBe('part1-part2-part3');
    expect((await pong).toString()).toBe('are-you-there');
  });

  it('answers a close with the same code and closes the connection', async () => {
    const { client, server } = await pair();
    const serverClosed = closed(server);
    const clientClosed = closed(client);
    client.close(CLOSE.normal, 'bye');
    expect(await serverClosed).toEqual({ code: CLOSE.normal, reason: 'bye' });
    expect((await clientClosed).code).toBe(CLOSE.normal);
  });

  it('closes with 1002 on an unmasked client frame and 1007 on invalid UTF-8 text', async () => {
    const a = await pair();
    const aClosed = closed(a.server);
    a.raw[0].write(encodeFrame(OPCODE.binary, Buffer.from('x')));
    expect((await aClosed).code).toBe(CLOSE.protocolError);

    const b = await pair();
    const bClosed = closed(b.server);
    b.raw[0].write(encodeFrame(OPCODE.text, Buffer.from([0xff, 0xfe]), { mask: true }));
    expect((await bClosed).code).toBe(CLOSE.invalidData);
  });

  it('closes with 1009 when fragments add up past the message limit', async () => {
    const { server, raw } = await pair();
    const c = closed(server);
    const half = Buffer.alloc(600 * 1024);
    raw[0].write(encodeFrame(OPCODE.binary, half, { mask: true, fin: false }));
    raw[0].write(encodeFrame(OPCODE.continuation, half, { mask: true }));
    expect((await c).code).toBe(CLOSE.tooBig);
  });

  it('carries a large message through back-pressure intact', async () => {
    const { client, server } = await pair();
    const big = Buffer.alloc(900 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = i % 251;
    const got = nextMessage(server);
    if (!client.send(big)) await client.drain();
    expect((await got).data.equals(big)).toBe(true);
  });
});
