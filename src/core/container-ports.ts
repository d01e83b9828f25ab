// A container's ports as Docker declares them (EXPOSE, -p) merged with what really listens
// inside it over IPv6: a declared port gets `listening`, a port Docker does not know that
// something listens on is added with `declared: false` (it is reachable by route all the same).
import type { Container, ContainerPort } from './types/facts.js';
import { type Listener, reachableOverIpv6 } from './parse/proc-net-sockets.js';

export function withListeners(container: Container, listeners: readonly Listener[]): Container {
  const open = new Set(listeners.filter(reachableOverIpv6).map((l) => `${l.port}/${l.proto}`));
  const ports: ContainerPort[] = container.ports.map((port) => ({ ...port, listening: open.has(`${port.port}/${port.proto}`) }));
  const declared = new Set(ports.map((port) => `${port.port}/${port.proto}`));
  for (const key of [...open].sort()) {
    if (declared.has(key)) continue;
    const [port, proto] = key.split('/') as [string, 'tcp' | 'udp'];
    ports.push({ port: Number(port), proto, published: [], declared: false, listening: true });
  }
  ports.sort((a, b) => a.port - b.port || a.proto.localeCompare(b.proto));
  return { ...container, ports };
}
