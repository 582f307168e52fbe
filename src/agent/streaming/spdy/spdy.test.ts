import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';
import { constants, createDeflate } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { SpdyClient, socketPair } from '../testing.js';
import { SPDY_DICTIONARY } from './dictionary.js';
import {
  decodeHeaderBlock,
  encodeControl,
  encodeData,
  encodeHeaderBlock,
  encodePing,
  FLAG_FIN,
  FRAME,
  FrameReader,
  HeaderCodec,
  RST,
  SpdyProtocolError,
} from './frames.js';
import { SpdySession, type SpdyStream } from './session.js';

const open: Socket[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.destroy();
});

describe('SPDY/3 header dictionary', () => {
  it('is the 1423 bytes Go’s framer (and so kubectl) primes zlib with', () => {
    expect(SPDY_DICTIONARY.length).toBe(1423);
    expect(SPDY_DICTIONARY.subarray(0, 11).equals(Buffer.from('\0\0\0\x07options', 'latin1'))).toBe(true);
    expect(SPDY_DICTIONARY.subarray(-6).toString()).toBe('enq=0.');
    // Pinned after the real kubectl decoded our header blocks (test/e2e/streaming.test.ts).
    expect(createHash('sha256').update(SPDY_DICTIONARY).digest('hex')).toBe(
      '51d27341373f923f3cd88e1eb7162aeaa3723d7585ff2399201dc06498407f02',
    );
  });
});

describe('header blocks', () => {
  it('round-trip names, several values and empty values', () => {
    const headers = { streamtype: ['data'], port: ['8080'], multi: ['a', 'b'], empty: [''] };
    expect(decodeHeaderBlock(encodeHeaderBlock(headers))).toEqual(headers);
  });

  it('lowercases names on the way out and refuses uppercase ones coming in', () => {
    expect(decodeHeaderBlock(encodeHeaderBlock({ StreamType: ['error'] }))).toEqual({
      streamtype: ['error'],
    });
    const upper = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 0x41, 0, 0, 0, 0]);
    expect(() => decodeHeaderBlock(upper)).toThrow(SpdyProtocolError);
  });

  it('refuses truncated blocks', () => {
    const block = encodeHeaderBlock({ streamtype: ['stdin'] });
    for (let cut = 0; cut < block.length; cut++)
      expect(() => decodeHeaderBlock(block.subarray(0, cut))).toThrow();
  });

  it('compress and decompress through one stateful context per direction, block after block', async () => {
    const sender = new HeaderCodec();
    const receiver = new HeaderCodec();
    // What arrives is what the receiver's inflate context sees: the sender's deflate output.
    const pipe = new HeaderCodec();
    try {
      const blocks = Array.from({ length: 50 }, (_, i) => ({
        streamtype: ['data'],
        requestid: [String(i)],
        port: ['80'],
      }));
      const compressed = await Promise.all(blocks.map((b) => sender.compress(b)));
      // Later blocks refer back to earlier ones: the shared context makes them small.
      expect(compressed.at(-1)!.length).toBeLessThan(compressed[0].length);
      const decoded = [];
      for (const c of compressed) decoded.push(await receiver.decompress(c));
      expect(decoded).toEqual(blocks);
      // A block out of order cannot be read: the contexts really are shared per connection.
      await expect(pipe.decompress(compressed[5])).rejects.toThrow(SpdyProtocolError);
    } finally {
      sender.close();
      receiver.close();
      pipe.close();
    }
  });

  it('reads blocks another zlib wrote with the SPDY dictionary (as Go’s framer does)', async () => {
    const deflate = createDeflate({ dictionary: SPDY_DICTIONARY, level: 9 });
    const out: Buffer[] = [];
    deflate.on('data', (c: Buffer) => out.push(c));
    const block = (h: Record<string, string[]>) =>
      new Promise<Buffer>((resolve) => {
        out.length = 0;
        deflate.write(encodeHeaderBlock(h));
        deflate.flush(constants.Z_SYNC_FLUSH, () => resolve(Buffer.concat(out)));
      });
    const codec = new HeaderCodec();
    try {
      expect(await codec.decompress(await block({ streamtype: ['error'] }))).toEqual({
        streamtype: ['error'],
      });
      expect(await codec.decompress(await block({ streamtype: ['stdout'] }))).toEqual({
        streamtype: ['stdout'],
      });
    } finally {
      codec.close();
      deflate.destroy();
    }
  });

  it('refuses a block that is not zlib at all', async () => {
    const codec = new HeaderCodec();
    await expect(codec.decompress(Buffer.from('not zlib'))).rejects.toThrow(SpdyProtocolError);
    codec.close();
  });
});

describe('frame reader', () => {
  it('splits frames fed byte by byte and keeps control and data apart', () => {
    const bytes = Buffer.concat([
      encodePing(7),
      encodeData(3, Buffer.from('abc'), FLAG_FIN),
      encodeControl(FRAME.settings, 0, Buffer.alloc(4)),
    ]);
    const reader = new FrameReader();
    const frames = [...bytes].flatMap((b) => reader.push(Buffer.from([b])));
    expect(frames).toHaveLength(3);
    expect(frames[0]).toMatchObject({ control: true, version: 3, type: FRAME.ping });
    expect(frames[1]).toMatchObject({ control: false, streamId: 3, flags: FLAG_FIN });
    expect(frames[1].control === false && frames[1].data.toString()).toBe('abc');
    expect(frames[2]).toMatchObject({ control: true, type: FRAME.settings });
  });
});

async function serve(
  onStream: (s: SpdyStream) => void,
): Promise<{ client: SpdyClient; session: SpdySession }> {
  const [c, s] = await socketPair();
  open.push(c, s);
  const session = new SpdySession(s, { onStream });
  return { client: new SpdyClient(c), session };
}

describe('SPDY session', () => {
  it('replies to each stream before sending data on it, and carries data both ways with FIN', async () => {
    const { client } = await serve((stream) => {
      // Echo upper-cased, then FIN once the client finished.
      stream.on('data', (d: Buffer) => stream.write(d.toString().toUpperCase()));
      stream.on('end', () => stream.end());
    });
    const s = await client.open({ streamType: 'data' });
    await client.until(() => s.replied);
    client.write(s, 'hello ');
    client.write(s, 'spdy', true);
    await client.until(() => s.fin);
    expect(s.text()).toBe('HELLO SPDY');
    client.close();
  });

  it('hands the stream its headers, lowercased', async () => {
    const seen: Array<Record<string, string[]>> = [];
    const { client } = await serve((stream) => {
      seen.push(stream.headers);
      stream.resume();
    });
    const s = await client.open({ streamType: 'error', requestID: '0', port: '80' });
    await client.until(() => s.replied);
    expect(seen).toEqual([{ streamtype: ['error'], requestid: ['0'], port: ['80'] }]);
    client.close();
  });

  it('echoes client pings and refuses even or repeated stream ids', async () => {
    const { client } = await serve((stream) => stream.resume());
    const pings: number[] = [];
    client.on('ping', (id: number) => pings.push(id));
    client.ping(1);
    await client.until(() => pings.length === 1);
    expect(pings).toEqual([1]);
    await client.openWithId(2, { streamtype: 'data' });
    await client.until(() => client.streams.get(2)?.reset !== undefined);
    expect(client.streams.get(2)!.reset).toBe(RST.protocolError);
    client.close();
  });

  it('a client RST_STREAM destroys the server stream', async () => {
    let server: SpdyStream | undefined;
    const { client } = await serve((stream) => {
      server = stream;
      stream.resume();
    });
    const s = await client.open({ streamType: 'data' });
    await client.until(() => s.replied);
    const closed = new Promise((resolve) => server!.once('close', resolve));
    client.reset(s);
    await closed;
    expect(server!.destroyed).toBe(true);
    client.close();
  });

  it('sends GOAWAY on close and ends the connection; closing the socket destroys open streams', async () => {
    let server: SpdyStream | undefined;
    const { client, session } = await serve((stream) => {
      server = stream;
      stream.resume();
    });
    const s = await client.open({ streamType: 'data' });
    await client.until(() => s.replied);
    const gone = new Promise((resolve) => session.once('close', resolve));
    session.close();
    await client.until(() => client.goAway);
    await gone;
    expect(server!.destroyed).toBe(true);
  });

  it('carries 2 MiB in 32 KiB frames intact', async () => {
    const big = Buffer.alloc(2 * 1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) % 256;
    const { client } = await serve((stream) => {
      stream.resume();
      stream.end(big);
    });
    const s = await client.open({ streamType: 'stdout' });
    await client.until(() => s.fin, 10_000);
    expect(Buffer.concat(s.data).equals(big)).toBe(true);
    expect(Math.max(...s.data.map((d) => d.length))).toBeLessThanOrEqual(32 * 1024);
    client.close();
  });
});
