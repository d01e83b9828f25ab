// A NEW TCP connection from this host: does anything answer at address:port?
import { connect } from 'node:net';
import ipaddr from 'ipaddr.js';

const PROBE_TIMEOUT_MS = 2000;

/** 'open' when the connection is accepted within the timeout; refused, unreachable or silent is 'closed'. */
export function probeTcp(address: string, port: number, timeoutMs = PROBE_TIMEOUT_MS): Promise<'open' | 'closed'> {
  // Only a literal IPv6 address: a name would be looked up in DNS first.
  if (!ipaddr.IPv6.isValid(address) || !Number.isInteger(port) || port < 1 || port > 65535) return Promise.resolve('closed');
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
