// Docker's own golden rulesets for its nftables firewall backend (Docker 29+), copied verbatim
// from moby/moby into test/fixtures/nftables/moby/ (see the README there for the commit), and the
// one change the lab makes to them: Docker's placeholder names and addresses replaced by the
// lab's real bridge, subnet, container address and host port. Nothing else is touched.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './harness.js';

export const MOBY_FIXTURES = join(REPO_ROOT, 'test/fixtures/nftables/moby');
/** The moby/moby commit the golden files were read at. */
export const MOBY_COMMIT = 'b985e2313a8676e18072b442911fc8f64f17d440';

export interface GoldenRuleset {
  /** e.g. "nftablesdoc/usernet-portmap.md" */
  source: string;
  /** The `nft list ruleset` text Docker's tests compare against. */
  text: string;
}

/** The first ruleset in a generated nftablesdoc page: the indented block from "table" to its closing brace. */
export function extractDocRuleset(markdown: string): string | null {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => /^ {4}table \S+ \S+ \{$/.test(l));
  if (start === -1) return null;
  const end = lines.findIndex((l, i) => i > start && l === '    }');
  if (end === -1) return null;
  return `${lines
    .slice(start, end + 1)
    .map((l) => l.slice(4))
    .join('\n')}\n`;
}

export function nftablesdocRulesets(): GoldenRuleset[] {
  const dir = join(MOBY_FIXTURES, 'nftablesdoc');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.md'))
    .sort()
    .flatMap((f) => {
      const text = extractDocRuleset(readFileSync(join(dir, f), 'utf8'));
      return text === null ? [] : [{ source: `nftablesdoc/${f}`, text }];
    });
}

export function nftablerIp6Goldens(): GoldenRuleset[] {
  const dir = join(MOBY_FIXTURES, 'nftabler-ip6');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.golden'))
    .sort()
    .map((f) => ({ source: `nftabler-ip6/${f}`, text: readFileSync(join(dir, f), 'utf8') }));
}

/** The IPv6 golden for one gateway mode (ICC on, masquerade on, no SNAT, no hairpin, not bound to localhost). */
export function ip6GoldenFor(mode: 'nat' | 'routed' | 'nat-unprotected'): GoldenRuleset {
  const name = `hairpin=false,internal=false,icc=true,masq=true,snat=false,gwm=${mode},bindlh=false__ip6.golden`;
  return { source: `nftabler-ip6/${name}`, text: readFileSync(join(MOBY_FIXTURES, 'nftabler-ip6', name), 'utf8') };
}

/** Docker's placeholders in the IPv6 goldens. */
export const GOLDEN_PLACEHOLDERS = {
  bridge: 'br-dummy',
  subnet: 'fd49:efd7:54aa::/64',
  container: 'fd49:efd7:54aa::1',
  hostPort: 8080,
  containerPort: 80,
} as const;

/**
 * Debian 12's nft (1.0.6) accepts no priority name on the output hook; newer nft prints -100 there
 * as "dstnat" (moby commit fbde2bcb). The same number, spelled so this nft loads it.
 */
export const NFT_1_0_6_SPELLING: [string, string][] = [['hook output priority dstnat;', 'hook output priority -100;']];

export interface LabNames {
  bridge: string;
  subnet: string;
  container: string;
  hostPort: number;
}

/** The golden with Docker's placeholders replaced by the lab's names; fails if one is left over. */
export function adaptGolden(text: string, lab: LabNames): { text: string; substitutions: [string, string][] } {
  const p = GOLDEN_PLACEHOLDERS;
  const substitutions: [string, string][] = [
    [`"${p.bridge}"`, `"${lab.bridge}"`],
    [`__${p.bridge}`, `__${lab.bridge}`],
    [p.subnet, lab.subnet],
    [`[${p.container}]`, `[${lab.container}]`],
    [`ip6 daddr ${p.container} `, `ip6 daddr ${lab.container} `],
    [`tcp dport ${p.hostPort} `, `tcp dport ${lab.hostPort} `],
    ...NFT_1_0_6_SPELLING,
  ];
  let out = text;
  for (const [from, to] of substitutions) out = out.split(from).join(to);
  if (out.includes(p.bridge) || out.includes('fd49:')) throw new Error('a placeholder is left in the adapted golden');
  return { text: out, substitutions };
}
