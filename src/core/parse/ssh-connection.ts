import { parsePort } from '../port.js';

export interface SshConnection {
  clientAddress: string;
  clientPort: number;
  serverAddress: string;
  serverPort: number;
}

/** SSH_CONNECTION = "client_ip client_port server_ip server_port". */
export function parseSshConnection(value: string): SshConnection | null {
  const parts = value.trim().split(/\s+/);
  if (parts.length !== 4) return null;
  const [clientAddress = '', clientPortText = '', serverAddress = '', serverPortText = ''] = parts;
  const clientPort = parsePort(clientPortText);
  const serverPort = parsePort(serverPortText);
  if (clientPort === null || serverPort === null) return null;
  return { clientAddress, clientPort, serverAddress, serverPort };
}
