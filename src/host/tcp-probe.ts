// A NEW TCP connection from this host: does anything answer at address:port?
import { connect } from 'node:net';

const PROBE_TIMEOUT_MS = 2000;

/** 'open' when the connection is accepted within the timeout; refused, unreachable or silent is 'closed'. */
export function probeTcp(address: string, port: number, timeoutMs = PROBE_TIMEOUT_MS): Promise<'open' | 'closed'> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port, family: 6 });
    const finish = (result: 'open' | 'closed'): void => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => finish('closed'));
    socket.once('connect', () => finish('open'));
    socket.once('error', () => finish('closed'));
  });
}
