// Which firewall v6wall drives on this host: UFW, or its own nftables table. One pure choice
// that discovery's screen, the planner and apply all read.
import type { Backend, BackendKind, Facts } from './types/facts.js';
import { liveV6wallTable } from './nftables/v6wall-table.js';

/** `--backend` when given, else the one in force (v6wall's table loaded), else UFW where it is installed, else nftables where nft can be read. */
export function chooseBackend(facts: Pick<Facts, 'ufw' | 'docker'>, flag?: BackendKind): Backend {
  const nftReadable = facts.docker.nftRuleset !== null;
  if (flag === 'ufw') return { kind: 'ufw', why: 'UFW, as chosen with --backend ufw.' };
  if (flag === 'nftables') {
    return {
      kind: 'nftables',
      why: `v6wall's own nftables table (table inet v6wall), as chosen with --backend nftables${facts.ufw.enabled ? '; UFW is enabled too, and a packet must pass both' : ''}.`,
    };
  }
  if (liveV6wallTable(facts.docker.nftRuleset).present) {
    return {
      kind: 'nftables',
      why: "v6wall's own nftables table (table inet v6wall) is loaded, so v6wall keeps driving it (--backend ufw for UFW instead).",
    };
  }
  if (facts.ufw.installed) return { kind: 'ufw', why: 'UFW is installed, so v6wall drives UFW (--backend nftables for its own nftables table instead).' };
  if (nftReadable) {
    return {
      kind: 'nftables',
      why: "UFW is not installed, so v6wall keeps its rules in its own nftables table (table inet v6wall), next to Docker's, which it never touches.",
    };
  }
  return { kind: 'ufw', why: 'Neither UFW nor nft could be used here.' };
}

/** The backend discovery chose, or the automatic one for facts read without it. */
export function backendOf(facts: Facts): Backend {
  return facts.backend ?? chooseBackend(facts);
}

/** The facts with the backend `--backend` asks for (validated by the command line), or the automatic one. */
export function withBackend(facts: Facts, flag: string | undefined): Facts {
  const chosen = flag === 'ufw' || flag === 'nftables' ? flag : undefined;
  return { ...facts, backend: chooseBackend(facts, chosen) };
}
