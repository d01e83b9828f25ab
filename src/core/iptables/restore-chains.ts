// The fast, atomic part of a rollback: one `ip6tables-restore --noflush` (or iptables-restore)
// input that brings UFW's chains (and, on IPv6, v6wall's DOCKER-USER block) from the live filter
// table back to the one saved in the snapshot, leaving every other chain (Docker's) as it is now.
// With --noflush a declared user chain is flushed and refilled, a built-in chain only gets its
// policy: the whole change is one transaction, and a container Docker started meanwhile keeps its
// rules. Pure: text in, text out.

const BUILT_IN = ['INPUT', 'FORWARD', 'OUTPUT'] as const;

interface FilterTable {
  /** Chain name → policy ('-' for user chains), in declaration order. */
  policies: Map<string, string>;
  /** Chain name → its rules as `-A CHAIN ...` lines, in order. */
  rules: Map<string, string[]>;
}

/** No filter table at all (nothing loaded it yet): the kernel's defaults, built-in chains accepting. */
function emptyFilterTable(): FilterTable {
  return { policies: new Map(BUILT_IN.map((chain) => [chain, 'ACCEPT'])), rules: new Map(BUILT_IN.map((chain) => [chain, []])) };
}

/** The filter table of an iptables-save / ip6tables-save text; null when it has none. */
export function readFilterTable(saveText: string): FilterTable | null {
  let inFilter = false;
  let found = false;
  const policies = new Map<string, string>();
  const rules = new Map<string, string[]>();
  for (const raw of saveText.split('\n')) {
    const line = raw.trim();
    if (line === '*filter') {
      inFilter = true;
      found = true;
      continue;
    }
    if (!inFilter || line === '' || line.startsWith('#')) continue;
    if (line === 'COMMIT') {
      inFilter = false;
      continue;
    }
    const chain = /^:(\S+)\s+(\S+)/.exec(line);
    if (chain !== null) {
      policies.set(chain[1] ?? '', chain[2] ?? '-');
      if (!rules.has(chain[1] ?? '')) rules.set(chain[1] ?? '', []);
      continue;
    }
    const rule = /^-A\s+(\S+)\s/.exec(line);
    if (rule !== null) {
      const name = rule[1] ?? '';
      // Counters (`-c` output, or `[p:b] -A ...`) are not part of a rule's identity.
      rules.set(name, [...(rules.get(name) ?? []), line.replace(/^\[\d+:\d+\]\s+/, '')]);
    }
  }
  return found ? { policies, rules } : null;
}

export interface ChainsRestoreInput {
  /** ip6tables-save (or iptables-save) as the snapshot took it, before the apply. */
  saved: string;
  /** The same, read now. */
  live: string;
  /** UFW's chain prefix: 'ufw6-' for IPv6, 'ufw-' for IPv4. */
  prefix: 'ufw6-' | 'ufw-';
  /** Also bring DOCKER-USER back (IPv6: v6wall's block lives there). */
  dockerUser: boolean;
}

export type ChainsRestore =
  | { kind: 'in-place' }
  | { kind: 'restore'; input: string; chains: string[] }
  /** The change cannot be made chain by chain (UFW's jumps from the built-in chains moved): reload UFW instead. */
  | { kind: 'reload'; reason: string };

function jumpTarget(rule: string): string | null {
  return /\s-j\s+(\S+)/.exec(rule)?.[1] ?? null;
}

/** The rules of a built-in chain that jump into UFW's chains, in order. */
function ufwJumps(table: FilterTable, chain: string, prefix: string): string[] {
  return (table.rules.get(chain) ?? []).filter((rule) => jumpTarget(rule)?.startsWith(prefix) === true);
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** The restore input that makes UFW's part of `live` equal to `saved`'s, or why it cannot. */
export function chainsRestore(input: ChainsRestoreInput): ChainsRestore {
  // A family nothing had loaded (a fresh host, UFW off, Docker's ip6tables off) saves no filter table.
  const saved = readFilterTable(input.saved) ?? emptyFilterTable();
  const live = readFilterTable(input.live) ?? emptyFilterTable();
  const owned = (name: string) => name.startsWith(input.prefix) || (input.dockerUser && name === 'DOCKER-USER');

  const deletions: string[] = [];
  for (const chain of BUILT_IN) {
    const before = ufwJumps(saved, chain, input.prefix);
    const now = ufwJumps(live, chain, input.prefix);
    if (sameList(before, now)) continue;
    // UFW was off before (no jumps then): take its jumps out. Anything else needs UFW to rebuild them.
    if (before.length > 0) return { kind: 'reload', reason: `UFW's jumps from ${chain} differ from the snapshot's` };
    deletions.push(...now.map((rule) => rule.replace(/^-A /, '-D ')));
  }

  const declare: string[] = [];
  const fill: string[] = [];
  const remove: string[] = [];
  const changed: string[] = [];
  for (const chain of BUILT_IN) {
    const policy = saved.policies.get(chain);
    if (policy !== undefined && policy !== live.policies.get(chain)) {
      declare.push(`:${chain} ${policy} [0:0]`);
      changed.push(`${chain} policy ${policy}`);
    }
  }
  for (const [chain, rules] of saved.rules) {
    if (!owned(chain) || (sameList(rules, live.rules.get(chain) ?? []) && live.policies.has(chain))) continue;
    declare.push(`:${chain} - [0:0]`);
    fill.push(...rules);
    changed.push(chain);
  }
  for (const [chain, rules] of live.rules) {
    if (!owned(chain) || saved.policies.has(chain)) continue;
    if (chain === 'DOCKER-USER') {
      // Docker's own chain: emptied (of v6wall's block), never deleted.
      if (rules.length === 0) continue;
      declare.push(':DOCKER-USER - [0:0]');
    } else {
      declare.push(`:${chain} - [0:0]`);
      remove.push(`-X ${chain}`);
    }
    changed.push(chain);
  }
  if (declare.length === 0 && deletions.length === 0) return { kind: 'in-place' };
  return { kind: 'restore', input: ['*filter', ...declare, ...deletions, ...fill, ...remove, 'COMMIT', ''].join('\n'), chains: changed };
}

/** Whether UFW's part (and DOCKER-USER, if asked) of two rulesets is the same, counters aside. */
export function sameUfwPart(a: string, b: string, prefix: 'ufw6-' | 'ufw-', dockerUser: boolean): boolean {
  return chainsRestore({ saved: a, live: b, prefix, dockerUser }).kind === 'in-place';
}

/** The restore input that puts DOCKER-USER back as saved (emptied if it did not exist then); null when it already is. */
export function dockerUserRestore(saved: string, live: string): string | null {
  const before = readFilterTable(saved);
  const now = readFilterTable(live);
  if (before === null || now === null || !now.policies.has('DOCKER-USER')) return null;
  const rules = before.rules.get('DOCKER-USER') ?? [];
  if (sameList(rules, now.rules.get('DOCKER-USER') ?? [])) return null;
  return ['*filter', ':DOCKER-USER - [0:0]', ...rules, 'COMMIT', ''].join('\n');
}
