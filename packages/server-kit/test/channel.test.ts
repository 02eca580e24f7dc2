import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameError, FrameReader, FrameWriter, recordOperation } from '../src/channel.js';

describe('channel frames', () => {
  const frames = [
    encodeFrame({ id: 1, op: 'query' }, Buffer.from('{"sql":"SELECT 1"}')),
    encodeFrame({ id: 2, status: 200 }, '{"data":[{"é":"ü"}]}'),
    encodeFrame({ id: 3 }),
  ];
  const stream = Buffer.concat(frames);

  it('reads frames back whatever the chunks: all at once, byte by byte, or split anywhere', () => {
    const expected = [
      { header: { id: 1, op: 'query' }, body: '{"sql":"SELECT 1"}' },
      { header: { id: 2, status: 200 }, body: '{"data":[{"é":"ü"}]}' },
      { header: { id: 3 }, body: '' },
    ];
    const decode = (chunks: Buffer[]) => {
      const reader = new FrameReader<Record<string, unknown>>(1024);
      return chunks.flatMap((chunk) => reader.push(chunk)).map((f) => ({ header: f.header, body: f.body.toString('utf8') }));
    };
    expect(decode([stream])).toEqual(expected);
    expect(decode([...stream].map((byte) => Buffer.from([byte])))).toEqual(expected);
    for (let cut = 1; cut < stream.length; cut += 7) {
      expect(decode([stream.subarray(0, cut), stream.subarray(cut)])).toEqual(expected);
    }
  });

  it('puts a large frame together once, not once per chunk', () => {
    const big = encodeFrame({ id: 9 }, Buffer.alloc(32 * 1024 * 1024, 1));
    const reader = new FrameReader<{ id: number }>(64 * 1024 * 1024);
    const started = performance.now();
    const got = [];
    for (let at = 0; at < big.length; at += 64 * 1024) got.push(...reader.push(big.subarray(at, at + 64 * 1024)));
    // Copying the pending bytes again for each of the 512 chunks would move gigabytes and take seconds.
    expect(performance.now() - started).toBeLessThan(1500);
    expect(got).toHaveLength(1);
    expect(got[0]!.body.length).toBe(32 * 1024 * 1024);
  });

  it('refuses a frame over the limit, an empty one and a header longer than its frame', () => {
    expect(() => new FrameReader(16).push(frames[0]!)).toThrow(/outside the channel's limits/);
    const tiny = Buffer.alloc(8);
    tiny.writeUInt32BE(2, 0);
    expect(() => new FrameReader(1024).push(tiny)).toThrow(/outside the channel's limits/);
    const lying = Buffer.alloc(12);
    lying.writeUInt32BE(8, 0);
    lying.writeUInt32BE(100, 4);
    expect(() => new FrameReader(1024).push(lying)).toThrow(/header is longer/);
  });

  it('hands over the whole frames read before a fault, and refuses a header that is not an object with an id', () => {
    const good = encodeFrame({ id: 1 }, 'one');
    const nullHeader = encodeFrame(null as unknown as object, 'x');
    let fault: unknown;
    try {
      new FrameReader<{ id: number }>(1024).push(Buffer.concat([good, nullHeader]));
    } catch (error) {
      fault = error;
    }
    expect(fault).toBeInstanceOf(FrameError);
    expect((fault as FrameError<{ id: number }>).message).toMatch(/numeric id/);
    expect((fault as FrameError<{ id: number }>).frames.map((f) => [f.header.id, f.body.toString()])).toEqual([[1, 'one']]);
    expect(() => new FrameReader(1024).push(encodeFrame({ id: 'x' }, ''))).toThrow(FrameError);
  });

  it('writes the frames of one turn of the event loop in one write, and nothing once the socket is gone', async () => {
    const writes: Buffer[] = [];
    const socket = { destroyed: false, write: (chunk: Buffer) => writes.push(chunk) > 0 };
    const writer = new FrameWriter(socket);
    for (const frame of frames) writer.send(frame);
    expect(writes).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual([stream]);
    writer.send(frames[0]!);
    socket.destroyed = true;
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toHaveLength(1);
  });
});

describe('record operations on the channel', () => {
  it("maps a resource's point routes, and leaves every other path to HTTP", () => {
    expect(recordOperation('POST', 'resources/notes')).toEqual({ op: 'create', resource: 'notes' });
    expect(recordOperation('GET', 'resources/notes/7')).toEqual({ op: 'read', resource: 'notes', record: '7' });
    expect(recordOperation('PATCH', 'resources/notes/7')).toEqual({ op: 'update', resource: 'notes', record: '7' });
    expect(recordOperation('PUT', 'resources/notes/7')).toEqual({ op: 'replace', resource: 'notes', record: '7' });
    expect(recordOperation('DELETE', 'resources/notes/7')).toEqual({ op: 'delete', resource: 'notes', record: '7' });
    for (const [method, path] of [
      ['GET', 'resources/notes'], // a list (query string filters)
      ['GET', 'resources'],
      ['POST', 'resources/notes/bulk'],
      ['POST', 'resources/notes/import'],
      ['GET', 'resources/notes/export'],
      ['POST', 'resources/notes/7'],
      ['GET', 'resources/notes/7?as_of=2026-01-01'],
      ['GET', 'resources/notes/%37'],
      ['GET', 'resources/notes/7/history'],
      ['PUT', 'resources/notes/7/files/photo'],
      ['GET', 'resources/notes/'],
      ['POST', 'resources/'],
      ['GET', `resources/notes/${'7'.repeat(101)}`],
      ['POST', 'query'],
      ['GET', 'schema'],
    ]) {
      expect(recordOperation(method!, path!), `${method} ${path}`).toBeUndefined();
    }
  });
});
