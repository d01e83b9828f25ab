// The wizard's host-side probe: a real TCP connect, here to a server of our own on ::1.
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { probeTcp } from '../../src/host/tcp-probe.js';

let server: Server | null = null;
afterEach(() => {
  server?.close();
  server = null;
});

function listen(): Promise<number> {
  return new Promise((resolve, reject) => {
    server = createServer((socket) => socket.end());
    server.once('error', reject);
    server.listen(0, '::1', () => {
      const address = server?.address();
      resolve(typeof address === 'object' && address !== null ? address.port : 0);
    });
  });
}

describe('probeTcp', () => {
  it('says open when something accepts, closed once nothing listens', async () => {
    const port = await listen();
    expect(await probeTcp('::1', port)).toBe('open');
    await new Promise((resolve) => server?.close(resolve));
    server = null;
    expect(await probeTcp('::1', port)).toBe('closed');
  });

  it('says closed for a name or a bad port without connecting (no DNS lookup)', async () => {
    expect(await probeTcp('example.invalid', 80, 200)).toBe('closed');
    expect(await probeTcp('::1', 0, 200)).toBe('closed');
  });
});
