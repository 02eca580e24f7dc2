/**
 * The worker channel: the gateway's lean path to a worker for the hottest requests (SQL queries and batches, and the
 * point operations on records). One
 * long-lived connection per worker, opened with an HTTP upgrade on the worker's own listener (so every runtime that
 * reaches the worker over HTTP reaches it this way too), then length-prefixed frames in both directions, many
 * requests in flight at once, matched by id.
 *
 * A frame: u32 (big-endian) length of the rest, u32 length of the header, the header as JSON, the body bytes.
 */
export const CHANNEL_PATH = '/_dbforge/channel';
/**
 * Version 2 added record operations, version 3 spilled replies (see `ChannelReplyHeader.spill`). A worker that speaks
 * an older version refuses the upgrade, so it is sent HTTP.
 */
export const CHANNEL_PROTOCOL = 'dbforge-channel/3';

/**
 * Replies larger than this do not travel in a frame: the worker keeps the body and the frame says where to fetch it
 * over HTTP (`CHANNEL_SPILL_PATH/<token>`), so that the gateway streams it to the client instead of holding it whole
 * in memory, and a large reply does not hold up the small ones behind it on the channel.
 */
export const CHANNEL_SPILL_BYTES = 64 * 1024;
export const CHANNEL_SPILL_PATH = `${CHANNEL_PATH}/replies`;

/** The record operations the channel carries: a resource's point reads and writes (see `recordOperation`). */
export type RecordOperation = 'create' | 'read' | 'update' | 'replace' | 'delete';

/** The HTTP method of each record operation (create on the resource's path, the others on a record's). */
export const RECORD_OPERATION_METHODS: Readonly<Record<RecordOperation, string>> = { create: 'POST', read: 'GET', update: 'PATCH', replace: 'PUT', delete: 'DELETE' };

/** The operation on a record's path, by method. */
const RECORD_PATH_OPERATIONS = new Map(
  (Object.entries(RECORD_OPERATION_METHODS) as [RecordOperation, string][]).filter(([op]) => op !== 'create').map(([op, method]) => [method, op]),
);

/** A request: the operation and whom it is for; the body is the client's JSON body, as sent. */
export interface ChannelRequestHeader {
  /** Matches the reply to the request. */
  id: number;
  op: 'query' | 'batch' | RecordOperation;
  /** For a record operation: the resource, and the record's id (all but create). */
  resource?: string;
  record?: string;
  /** The database the request names (the worker answers 404 for any other). */
  name: string;
  /** The acting platform caller, as the `x-dbforge-actor` header would carry it; absent for a database's end user. */
  actor?: string;
  /** A database end user's `Authorization` header, if any (record operations only; none: anonymous). */
  authorization?: string;
  requestId: string;
}

/** A reply: the HTTP status and what the HTTP reply's headers would say; the body is the JSON reply. */
export interface ChannelReplyHeader {
  id: number;
  status: number;
  /** The error code of an error reply (`x-dbforge-error-code`). */
  code?: string;
  /** Seconds, for `Retry-After`. */
  retryAfter?: number;
  /** After-hook deliveries a write put in the worker's outbox (`x-dbforge-outbox`). */
  outbox?: number;
  /** The body was spilled: fetch it once with `GET CHANNEL_SPILL_PATH/<spill>` (with the worker secret); the frame's is empty. */
  spill?: string;
}

/**
 * The second path segment of a resource's routes that names a route of its own rather than a record, by method
 * (`GET .../export`, `POST .../bulk`, `POST .../import`): such a path is never a record operation.
 */
const RESOURCE_ROUTE_NAMES: Readonly<Record<string, readonly string[]>> = { GET: ['export'], POST: ['bulk', 'import'] };

/** The longest path parameter Fastify's router takes (find-my-way's `maxParamLength`); past it, it answers 414. */
const ROUTER_PARAM_LIMIT = 100;

/**
 * The record operation a request is, from its method and its path below the database (`resources/<resource>[/<id>]`),
 * or undefined: then it goes over HTTP, as every other request. Only plain paths qualify (no percent-encoding, no query
 * string), so that the channel never has to decode a path differently from the worker's router.
 */
export function recordOperation(method: string, subPath: string): { op: RecordOperation; resource: string; record?: string } | undefined {
  if (!subPath.startsWith('resources/') || /[%?#]/.test(subPath)) return undefined;
  const parts = subPath.split('/');
  if (parts.some((part) => part.length > ROUTER_PARAM_LIMIT)) return undefined;
  if (parts.length === 2) return method === 'POST' && parts[1] !== '' ? { op: 'create', resource: parts[1]! } : undefined;
  if (parts.length !== 3 || parts[1] === '' || parts[2] === '' || RESOURCE_ROUTE_NAMES[method]?.includes(parts[2]!)) return undefined;
  const op = RECORD_PATH_OPERATIONS.get(method);
  return op === undefined ? undefined : { op, resource: parts[1]!, record: parts[2]! };
}

const EMPTY = Buffer.alloc(0);

export function encodeFrame(header: object, body: Buffer | string = EMPTY): Buffer {
  // The header is written straight into the frame (no buffer of its own to make and copy).
  const head = JSON.stringify(header);
  const headLength = Buffer.byteLength(head);
  const bodyLength = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  const frame = Buffer.allocUnsafe(8 + headLength + bodyLength);
  frame.writeUInt32BE(4 + headLength + bodyLength, 0);
  frame.writeUInt32BE(headLength, 4);
  frame.write(head, 8);
  if (typeof body === 'string') frame.write(body, 8 + headLength);
  else body.copy(frame, 8 + headLength);
  return frame;
}

/**
 * Frames queued for one socket, written together once the event loop has taken in what is ready to read: the
 * requests (or replies) of one turn, many clients' at once under load, leave in a single write instead of a write
 * each. A write costs a system call, far more than copying a few hundred bytes.
 */
export class FrameWriter {
  private queue: Buffer[] = [];
  private scheduled = false;

  constructor(private readonly socket: { write(chunk: Buffer): boolean; readonly destroyed: boolean }) {}

  send(frame: Buffer): void {
    this.queue.push(frame);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.flush);
  }

  /** Writes what is queued now (it is otherwise written once the current turn of the event loop has ended). */
  readonly flush = (): void => {
    this.scheduled = false;
    const queue = this.queue;
    if (queue.length === 0) return;
    this.queue = [];
    if (this.socket.destroyed) return;
    this.socket.write(queue.length === 1 ? queue[0]! : Buffer.concat(queue));
  };
}

export interface Frame<H> {
  header: H;
  body: Buffer;
}

/** A byte stream that is not a valid sequence of frames; `frames` are the whole frames read before the fault. */
export class FrameError<H> extends Error {
  constructor(
    message: string,
    readonly frames: Frame<H>[],
  ) {
    super(message);
  }
}

/**
 * Cuts a byte stream into frames, whatever the chunks: many frames in one chunk, or one frame over many. A frame that
 * spans chunks is put together once, when its last byte has arrived (never re-copied per chunk).
 */
export class FrameReader<H> {
  private pending: Buffer[] = [];
  private pendingLength = 0;
  /** Bytes needed before the first pending frame can be read (its length prefix, then the whole frame). */
  private needed = 4;

  constructor(private readonly maxFrameBytes: number) {}

  /**
   * The complete frames the chunk finishes. Throws a `FrameError` on a frame larger than the limit or a malformed
   * header, carrying the frames read before it (the stream can't be trusted past it, but those were whole).
   */
  push(chunk: Buffer): Frame<H>[] {
    this.pending.push(chunk);
    this.pendingLength += chunk.length;
    if (this.pendingLength < this.needed) return [];
    const buffer = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingLength);
    this.pending = [];
    this.pendingLength = 0;
    const frames: Frame<H>[] = [];
    let offset = 0;
    this.needed = 4;
    const fail = (message: string) => new FrameError<H>(message, frames);
    while (buffer.length - offset >= 4) {
      const length = buffer.readUInt32BE(offset);
      if (length > this.maxFrameBytes || length < 4) throw fail(`a frame of ${length} bytes is outside the channel's limits`);
      if (buffer.length - offset - 4 < length) {
        this.needed = 4 + length;
        break;
      }
      const headLength = buffer.readUInt32BE(offset + 4);
      if (headLength > length - 4) throw fail('a frame header is longer than its frame');
      const headStart = offset + 8;
      let header: unknown;
      try {
        header = JSON.parse(buffer.toString('utf8', headStart, headStart + headLength));
      } catch {
        throw fail('a frame header is not JSON');
      }
      if (typeof header !== 'object' || header === null || typeof (header as { id?: unknown }).id !== 'number') {
        throw fail('a frame header is not an object with a numeric id');
      }
      const body = buffer.subarray(headStart + headLength, offset + 4 + length);
      frames.push({ header: header as H, body });
      offset += 4 + length;
    }
    if (offset < buffer.length) {
      const rest = buffer.subarray(offset);
      this.pending.push(rest);
      this.pendingLength = rest.length;
    }
    return frames;
  }
}
