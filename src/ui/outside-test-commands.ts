// The exact commands an operator runs from another machine to prove each opening works.
import type { Facts } from '../core/types/facts.js';
import { type ExposureOption, type ExposureRow, webScheme } from './exposure-rows.js';

export interface OutsideTest {
  label: string;
  commands: string[];
}

export function outsideTests(facts: Facts, chosen: readonly { row: ExposureRow; pick: ExposureOption }[]): OutsideTest[] {
  const hostAddress = facts.host.globalIpv6[0] ?? 'HOST-IPV6-ADDRESS';
  return chosen.flatMap(({ row, pick }) => {
    if (pick.exposure === 'skip') return [];
    const address = pick.exposure === 'route' ? row.addresses[0] : hostAddress;
    const port = pick.exposure === 'route' ? row.port : pick.hostPort;
    if (address === undefined) return [];
    const how = pick.exposure === 'route' ? 'route' : `published on ${port}`;
    const scheme = webScheme(row.port, row.proto);
    const commands =
      row.proto !== 'tcp'
        ? [`nc -6 -u -vz ${address} ${port}`]
        : scheme === null
          ? [`nc -6 -vz ${address} ${port}`]
          : [`curl -6 -m5 ${scheme === 'https' ? '-k ' : ''}${scheme}://[${address}]:${port}/`, `nc -6 -vz ${address} ${port}`];
    return [{ label: `${row.container} ${row.port}/${row.proto} (${how})`, commands }];
  });
}
