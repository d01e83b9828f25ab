// EMULATED (Docker 29 is not packaged for Debian, so it cannot run here): what a Docker 29 daemon
// with "firewall-backend": "nftables" answers on its Engine API socket. A unix socket in front of
// the lab's real Docker 28 daemon passes every request through unchanged, except that GET /version
// names version 29 and GET /info names its firewall backend ("FirewallBackend": {"Driver":
// "nftables"}, the field Docker 28.1+ fills in). The containers, networks, bridges and addresses
// are the real daemon's; the firewall rules are Docker's own golden ruleset loaded with nft.
import { createServer, request, type Server } from 'node:http';

export const EMULATED_DOCKER_VERSION = '29.1.2';

function rewrite(path: string, body: string): string {
  const bare = path.replace(/^\/v[0-9.]+/, '').replace(/\?.*$/, '');
  if (bare !== '/version' && bare !== '/info') return body;
  const parsed = JSON.parse(body) as Record<string, unknown>;
  if (bare === '/version') return JSON.stringify({ ...parsed, Version: EMULATED_DOCKER_VERSION });
  return JSON.stringify({ ...parsed, ServerVersion: EMULATED_DOCKER_VERSION, FirewallBackend: { Driver: 'nftables' } });
}

/** Serves Docker 29's answers on `socketPath`, the real daemon's on `daemonSocket` behind it. */
export async function serveDocker29Answers(socketPath: string, daemonSocket: string): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const upstream = request({ socketPath: daemonSocket, path: req.url, method: req.method, headers: req.headers }, (answer) => {
        const parts: Buffer[] = [];
        answer.on('data', (part: Buffer) => parts.push(part));
        answer.on('end', () => {
          const text = Buffer.concat(parts).toString('utf8');
          const body = answer.statusCode === 200 ? rewrite(req.url ?? '', text) : text;
          const headers = { ...answer.headers, 'content-length': String(Buffer.byteLength(body)) };
          delete headers['transfer-encoding'];
          res.writeHead(answer.statusCode ?? 502, headers);
          res.end(body);
        });
      });
      upstream.on('error', (error) => {
        res.writeHead(502);
        res.end(error.message);
      });
      upstream.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return server;
}
