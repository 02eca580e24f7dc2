import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readBody, wholeBody } from '../src/forward/forwarder.js';

// The fast lane (and the pipeline's worker channel) reads a request's body only after its checks, which may take a while (the admin key's first argon2
// check, a worker starting): the client may be gone by then. Over real loopback HTTP.

let server: http.Server | undefined;

afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** A server whose handler waits for `ready(req)` before it reads the body with readBody; answers its outcome. */
function serveAfter(ready: (req: http.IncomingMessage) => Promise<void>): Promise<{ port: number; outcome: Promise<string> }> {
  let settle: (value: string) => void = () => {};
  const outcome = new Promise<string>((resolve) => (settle = resolve));
  server = http.createServer((req, res) => {
    void ready(req)
      .then(() => readBody(req, Number(req.headers['content-length'])))
      .then(
        (body) => {
          settle(`read ${body.length} bytes`);
          res.end('ok');
        },
        (error: Error) => {
          settle(`refused: ${error.message}`);
          res.destroy();
        },
      );
  });
  return new Promise((resolve) => server!.listen(0, '127.0.0.1', () => resolve({ port: (server!.address() as AddressInfo).port, outcome })));
}

/** Sends the head and `sent` of a body announced as 10 bytes, then optionally hangs up. */
function client(port: number, sent: string, hangUp: boolean): net.Socket {
  const socket = net.connect(port, '127.0.0.1', () => {
    socket.write(`POST /x HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n${sent}`);
    if (hangUp) setTimeout(() => socket.destroy(), 20);
  });
  socket.on('error', () => {});
  return socket;
}

const within = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([promise, new Promise<string>((resolve) => setTimeout(() => resolve(`still waiting after ${ms} ms`), ms))]);

describe('the fast lane reading a body', () => {
  it('reads a whole body', async () => {
    const { port, outcome } = await serveAfter(async () => {});
    client(port, '{"sql":"x"}'.slice(0, 10), false);
    expect(await within(outcome, 2000)).toBe('read 10 bytes');
  });

  it('gives up on a client that went away before the body was read', async () => {
    // The checks outlast the client: by the time the body is read, its stream has closed.
    const { port, outcome } = await serveAfter((req) => new Promise((resolve) => req.once('close', () => setTimeout(resolve, 20))));
    client(port, '{"sq', true);
    expect(await within(outcome, 2000)).toBe('refused: the client went away');
  });

  it('gives up on a client that goes away in the middle of the body', async () => {
    const { port, outcome } = await serveAfter(async () => {});
    client(port, '{"sq', true);
    expect(await within(outcome, 2000)).toMatch(/^refused: /);
  });

  it('takes a body that came with the head once the request event is over, and a partial one only when the rest has come', async () => {
    const seen: string[] = [];
    server = http.createServer((req, res) => {
      const length = Number(req.headers['content-length']);
      // As the lane does: within the request event, then after one microtask.
      const atOnce = wholeBody(req, length);
      void (async () => {
        await null;
        const after = wholeBody(req, length);
        const body = after ?? (await readBody(req, length));
        seen.push(`${atOnce === undefined ? 'not yet' : 'at once'}, ${after === undefined ? 'streamed' : 'whole'}: ${body.toString()}`);
        res.end(body);
      })();
    });
    const port = await new Promise<number>((resolve) => server!.listen(0, '127.0.0.1', () => resolve((server!.address() as AddressInfo).port)));
    /** One request, its body sent with the head, or in two parts 50 ms apart; answers the reply's body. */
    const send = (parts: string[]) =>
      new Promise<string>((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1', () => {
          socket.write(`POST /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n${parts[0]}`);
          if (parts[1] !== undefined) setTimeout(() => socket.write(parts[1]!), 50);
        });
        let reply = '';
        socket.on('data', (chunk) => (reply += chunk.toString()));
        socket.on('end', () => resolve(reply.slice(reply.indexOf('\r\n\r\n') + 4)));
        socket.on('error', reject);
      });
    expect(await within(send(['0123456789']), 2000)).toBe('0123456789');
    expect(await within(send(['0123', '456789']), 2000)).toBe('0123456789');
    expect(seen).toEqual(['not yet, whole: 0123456789', 'not yet, streamed: 0123456789']);
  });
});
