import net from 'node:net';
import { WorkerHeaders } from '@dbforge/contracts';
import {
  CHANNEL_PATH,
  CHANNEL_PROTOCOL,
  encodeFrame,
  FrameError,
  FrameReader,
  FrameWriter,
  type ChannelReplyHeader,
  type ChannelRequestHeader,
  type Frame,
} from '@dbforge/server-kit';
import type { WorkerEndpoint } from '../runtime/types.js';

/** The worker went away (or could not be reached) with the request in flight. */
export class ChannelClosed extends Error {}

/** The request outlived its deadline. */
export class ChannelTimeout extends Error {}

interface Pending {
  resolve: (reply: { header: ChannelReplyHeader; body: Buffer }) => void;
  reject: (error: Error) => void;
  deadline: number;
}

/** How long an upgrade may take before the channel is given up (the request then goes over HTTP). */
const OPEN_TIMEOUT_MS = 2000;
/** How often deadlines are checked while requests are in flight. */
const SWEEP_MS = 25;

/**
 * The gateway's end of a worker channel (see `@dbforge/server-kit`'s channel.ts): one connection to one worker, many
 * requests in flight, each answered by id. A closed connection fails every request in flight; the next request opens
 * a new channel.
 */
export class WorkerChannel {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private sweeper: NodeJS.Timeout | undefined;
  private readonly writer: FrameWriter;
  closed = false;

  private constructor(private readonly socket: net.Socket) {
    this.writer = new FrameWriter(socket);
  }

  /** Opens a channel, or answers undefined when the worker does not offer one (an older worker image). */
  static open(endpoint: WorkerEndpoint, maxFrameBytes: number): Promise<WorkerChannel | undefined> {
    return new Promise((resolve) => {
      const address = endpoint.address;
      const socket = 'socketPath' in address ? net.connect(address.socketPath) : net.connect(address.port, address.host);
      socket.setNoDelay(true);
      let handshake = Buffer.alloc(0);
      let settled = false;
      const fail = () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        resolve(undefined);
      };
      const timer = setTimeout(fail, OPEN_TIMEOUT_MS);
      socket.once('error', fail);
      socket.once('close', fail);
      socket.on('data', function onHandshake(chunk: Buffer) {
        handshake = Buffer.concat([handshake, chunk]);
        const end = handshake.indexOf('\r\n\r\n');
        if (end === -1) {
          if (handshake.length > 8192) fail();
          return;
        }
        socket.removeListener('data', onHandshake);
        if (!handshake.subarray(0, end).toString('latin1').startsWith('HTTP/1.1 101')) return fail();
        settled = true;
        clearTimeout(timer);
        socket.removeListener('error', fail);
        socket.removeListener('close', fail);
        const channel = new WorkerChannel(socket);
        channel.listen(new FrameReader<ChannelReplyHeader>(maxFrameBytes), handshake.subarray(end + 4));
        resolve(channel);
      });
      socket.on('connect', () => {
        socket.write(
          `GET ${CHANNEL_PATH} HTTP/1.1\r\nHost: worker\r\nConnection: Upgrade\r\nUpgrade: ${CHANNEL_PROTOCOL}\r\n` +
            `${WorkerHeaders.secret}: ${endpoint.secret}\r\n\r\n`,
        );
      });
    });
  }

  private listen(reader: FrameReader<ChannelReplyHeader>, rest: Buffer): void {
    const onData = (chunk: Buffer) => {
      let frames: Frame<ChannelReplyHeader>[];
      let broken = false;
      try {
        frames = reader.push(chunk);
      } catch (error) {
        // The replies read before the fault are whole: they are delivered, then the channel is given up.
        frames = error instanceof FrameError ? (error.frames as Frame<ChannelReplyHeader>[]) : [];
        broken = true;
      }
      for (const frame of frames) {
        const pending = this.pending.get(frame.header.id);
        if (pending === undefined) continue; // timed out already
        this.pending.delete(frame.header.id);
        pending.resolve({ header: frame.header, body: frame.body });
      }
      if (broken) this.socket.destroy();
    };
    this.socket.on('data', onData);
    this.socket.on('error', () => this.socket.destroy());
    this.socket.on('close', () => this.fail(new ChannelClosed('the worker closed the channel')));
    if (rest.length > 0) onData(rest);
  }

  /**
   * Whether a request sent now would leave: the connection may already be ended or destroyed while its `close` event
   * (which marks it closed) is still to come.
   */
  get usable(): boolean {
    return !this.closed && !this.socket.destroyed && this.socket.writable;
  }

  /**
   * Sends a request; answers the worker's reply, or rejects with ChannelClosed or ChannelTimeout. `header` is the
   * request's own object: its id is set on it.
   */
  request(header: Omit<ChannelRequestHeader, 'id'>, body: Buffer, timeoutMs: number): Promise<{ header: ChannelReplyHeader; body: Buffer }> {
    if (!this.usable) return Promise.reject(new ChannelClosed('the channel is closed'));
    const id = this.nextId++;
    const promise = new Promise<{ header: ChannelReplyHeader; body: Buffer }>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, deadline: Date.now() + timeoutMs });
    });
    // Not a copy made with a spread (`{ ...header, id }`): in a sampling heap profile under load, those copies were most
    // of what the gateway's scavenges promoted and its mark-compacts then collected (docs/BENCHMARKS.md).
    const framed = header as ChannelRequestHeader;
    framed.id = id;
    this.writer.send(encodeFrame(framed, body));
    this.sweeper ??= setInterval(() => this.sweep(), SWEEP_MS).unref();
    return promise;
  }

  close(): void {
    this.socket.destroy();
  }

  /** Called once the channel is closed (for whatever reason). */
  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.socket.once('close', listener);
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, pending] of this.pending) {
      if (pending.deadline <= now) {
        this.pending.delete(id);
        pending.reject(new ChannelTimeout('the request outlived its deadline'));
      }
    }
    if (this.pending.size === 0 && this.sweeper !== undefined) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  private fail(error: Error): void {
    this.closed = true;
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    this.sweeper = undefined;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}
