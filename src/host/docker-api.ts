// The Docker Engine API over the daemon's unix socket: four GET requests read what five docker
// CLI processes would, whatever the number of containers, and the daemon's firewall backend
// (/info). Used only for the local daemon; anything else (a remote DOCKER_HOST, a docker
// context) goes through the docker CLI, which knows how.
import { request } from 'node:http';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseJson, stringField } from '../core/parse/json.js';

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

export type DockerApiResponse = { ok: true; status: number; body: string } | { ok: false; error: string };

/** GET one API path; never throws. */
export type DockerApiGet = (path: string) => Promise<DockerApiResponse>;

/**
 * The local daemon's socket, or why the CLI must be asked instead: DOCKER_HOST other than
 * unix://, or a docker context other than the default (in DOCKER_CONTEXT or the CLI config).
 */
export async function localDockerSocket(
  env: NodeJS.ProcessEnv,
  readFile: (path: string) => Promise<string | null>,
): Promise<{ socket: string } | { cliOnly: string }> {
  const host = env['DOCKER_HOST'];
  if (host !== undefined && host !== '') {
    return host.startsWith('unix://') && host.length > 'unix://'.length ? { socket: host.slice('unix://'.length) } : { cliOnly: `DOCKER_HOST is ${host}` };
  }
  const context = env['DOCKER_CONTEXT'];
  if (context !== undefined && context !== '' && context !== 'default') return { cliOnly: `DOCKER_CONTEXT is ${context}` };
  const configDir = env['DOCKER_CONFIG'] || join(env['HOME'] || homedir(), '.docker');
  const config = await readFile(join(configDir, 'config.json'));
  const parsed = config === null ? null : parseJson(config);
  const current = parsed?.ok === true ? stringField(parsed.value, 'currentContext') : null;
  if (current !== null && current !== '' && current !== 'default') return { cliOnly: `the docker context is ${current}` };
  return { socket: DEFAULT_DOCKER_SOCKET };
}

/** A DockerApiGet on a unix socket, each request bounded by timeoutMs. */
export function dockerApiOnSocket(socketPath: string, timeoutMs = 30_000): DockerApiGet {
  return (path) =>
    new Promise((resolve) => {
      const req = request({ socketPath, path, method: 'GET', headers: { Host: 'docker', Accept: 'application/json' }, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ ok: true, status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (error) => resolve({ ok: false, error: error.message }));
      });
      req.on('timeout', () => req.destroy(new Error(`no answer from ${socketPath} within ${timeoutMs / 1000} s`)));
      req.on('error', (error) => resolve({ ok: false, error: error.message }));
      req.end();
    });
}
