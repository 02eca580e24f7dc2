import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readBody } from '../src/forward/forwarder.js';

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
});
