import { spawnSync } from 'node:child_process';
import ipaddr from 'ipaddr.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { capturedLabFacts } from '../support/captured-facts.js';
import { resolveChoices } from '../../src/core/choices.js';
import { buildPlan } from '../../src/core/plan.js';
import { openingsOf, type Opening } from '../../src/core/openings.js';
import { renderExport, EXPORT_FORMATS } from '../../src/core/export/formats.js';
import type { Facts } from '../../src/core/types/facts.js';
import type { Plan } from '../../src/core/types/plan.js';

// The captured lab host: Docker 28.5.2, web6 on a nat network publishing 8081, routed-web on a routed network.
const HOST = '2001:db8:1234:1::2';
const ROUTED_WEB = '2001:db8:1234:a1:2::10';

let facts: Facts;
let plan: Plan;
let openings: Opening[];

beforeAll(async () => {
  facts = await capturedLabFacts();
  const choices = resolveChoices(facts, { sshPorts: [], route: ['routed-web:80'], publish: ['web6:8081'] });
  if (!choices.ok) throw new Error(JSON.stringify(choices.errors));
  const built = buildPlan(facts, choices.value);
  if (!built.ok) throw new Error(JSON.stringify(built.errors));
  plan = built.value;
  const projected = openingsOf(facts, choices.value);
  if (!projected.ok) throw new Error(JSON.stringify(projected.errors));
  openings = projected.value;
});

const render = (format: (typeof EXPORT_FORMATS)[number]): string => renderExport(format, plan, facts, openings);

/** Python's parsers (python3 comes with Ansible): a second, independent reader of what we print. */
function python(script: string, input: string): string {
  const result = spawnSync('python3', ['-c', script], { input, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`python3 failed: ${result.stderr}`);
  return result.stdout;
}

describe('openings: what an outside firewall must let through', () => {
  it('a routed port at the container address, a published port and SSH at the host address', () => {
    expect(openings).toEqual([
      { kind: 'ssh', container: null, address: HOST, port: 2222, proto: 'tcp', sources: [] },
      { kind: 'route', container: 'routed-web', address: ROUTED_WEB, port: 80, proto: 'tcp', sources: [] },
      { kind: 'publish', container: 'web6', address: HOST, port: 8081, proto: 'tcp', sources: [] },
    ]);
  });
});

describe('export formats', () => {
  it('list: one /128 a line, address first, the rest after #', () => {
    const lines = render('list')
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'));
    expect(lines).toHaveLength(openings.length);
    for (const [index, line] of lines.entries()) {
      const [cidr, comment] = line.split(' # ');
      expect(ipaddr.IPv6.isValidCIDR(cidr ?? '')).toBe(true);
      expect(cidr).toBe(`${openings[index]?.address}/128`);
      expect(comment).toContain(`${openings[index]?.port}/tcp`);
    }
  });

  it("pfsense: well-formed XML whose aliases use pfSense's fields and names", () => {
    const aliases = JSON.parse(
      python(
        'import sys, json, xml.etree.ElementTree as ET\nroot = ET.fromstring(sys.stdin.read())\nprint(json.dumps([root.tag] + [{child.tag: (child.text or "") for child in alias} for alias in root]))',
        render('pfsense'),
      ),
    ) as [string, ...Record<string, string>[]];
    const [root, ...entries] = aliases;
    expect(root).toBe('aliases');
    expect(entries.map((entry) => entry.name)).toEqual(['v6wall_tcp2222', 'v6wall_tcp80', 'v6wall_tcp8081']);
    for (const entry of entries) {
      expect(Object.keys(entry).sort()).toEqual(['address', 'descr', 'detail', 'name', 'type']);
      expect(entry.name).toMatch(/^[A-Za-z0-9_]{1,31}$/);
      expect(entry.type).toBe('host');
      for (const address of (entry.address ?? '').split(' ')) expect(ipaddr.IPv6.isValid(address)).toBe(true);
    }
    expect(entries[1]?.address).toBe(ROUTED_WEB);
  });

  it("opnsense: the alias API's fields, names and the characters its description accepts", () => {
    const parsed = JSON.parse(render('opnsense')) as { aliases: { alias: Record<string, string> }[] };
    expect(parsed.aliases).toHaveLength(3);
    for (const { alias } of parsed.aliases) {
      expect(Object.keys(alias).sort()).toEqual(['content', 'description', 'enabled', 'name', 'proto', 'type']);
      expect(alias.name).toMatch(/^[A-Za-z0-9_]{1,31}$/);
      // The mask of OPNsense's Alias model (Firewall/Alias.xml).
      expect(alias.description).toMatch(/^([\t\n\v\f\r 0-9a-zA-Z.\-,_\u00A0-\uFFFF]){1,255}$/u);
      expect(['host', 'network']).toContain(alias.type);
    }
    expect(parsed.aliases[1]?.alias.content).toBe(ROUTED_WEB);
  });

  it('hetzner: the rule fields, and it says each rule opens the port on every address', () => {
    const parsed = JSON.parse(render('hetzner')) as { rules: Record<string, unknown>[]; cannot_express: string[] };
    expect(parsed.rules.map((rule) => rule.port)).toEqual(['2222', '80', '8081']);
    for (const rule of parsed.rules) {
      expect(Object.keys(rule).sort()).toEqual(['description', 'direction', 'port', 'protocol', 'source_ips']);
      expect(rule.direction).toBe('in');
    }
    expect(parsed.cannot_express).toHaveLength(3);
    expect(parsed.cannot_express[1]).toContain(`meant for ${ROUTED_WEB} only`);
    expect(parsed.cannot_express[1]).toContain('no destination');
  });

  it('ip6tables-restore: every rule of the plan, the default drops, and DOCKER-USER on Docker 28', () => {
    const text = render('ip6tables-restore');
    expect(text).toContain(':INPUT DROP [0:0]');
    expect(text).toContain(':FORWARD DROP [0:0]');
    expect(text).toMatch(/-A v6wall-input -p tcp -m tcp --dport 2222 .* -j ACCEPT/);
    expect(text).toMatch(new RegExp(`-A v6wall-forward -d ${ROUTED_WEB}/128 -p tcp -m tcp --dport 80 .* -j ACCEPT`));
    expect(text).toContain('-A DOCKER-USER -j v6wall-forward');
    expect(text.trimEnd().endsWith('COMMIT')).toBe(true);
  });

  it('ansible: valid YAML, one ufw task per rule of the plan in its order, the block as blockinfile, enable last', () => {
    const playbook = JSON.parse(python('import sys, json, yaml\nprint(json.dumps(yaml.safe_load(sys.stdin)))', render('ansible'))) as {
      tasks: Record<string, Record<string, unknown>>[];
      handlers: unknown[];
    }[];
    const tasks = playbook[0]?.tasks ?? [];
    const ufwRules = tasks.flatMap((task) => {
      const ufw = task['community.general.ufw'];
      return ufw?.rule === undefined ? [] : [ufw];
    });
    const planRules = plan.steps.flatMap((step) => (step.rule === undefined ? [] : [step.rule.spec]));
    expect(ufwRules.map((rule) => [rule.route ?? false, rule.proto, rule.to_ip, Number(rule.to_port), rule.comment])).toEqual(
      planRules.map((spec) => [spec.route, spec.proto, spec.to, spec.port, spec.comment]),
    );
    const block = tasks.find((task) => task['ansible.builtin.blockinfile'] !== undefined)?.['ansible.builtin.blockinfile'];
    expect(block?.path).toBe('/etc/ufw/after6.rules');
    expect(String(block?.marker_begin)).toMatch(/^# BEGIN v6wall/);
    expect(String(block?.block)).toContain('-A DOCKER-USER -j ufw6-user-forward');
    expect(tasks.at(-1)?.['community.general.ufw']).toEqual({ state: 'enabled' });
    // Inventory variables cannot choose a play's hosts: the header says to pass v6wall_hosts with -e.
    expect(render('ansible')).toMatch(/^# Run: ansible-playbook -i INVENTORY -e v6wall_hosts=NAME /m);
  });
});

describe('export formats carry sources', () => {
  it('an opening limited to a source network keeps it in every format that can say it', async () => {
    const source = '2001:db8:abcd::/48';
    const choices = resolveChoices(facts, { sshPorts: [], route: [`routed-web:80@${source}`], publish: [] });
    if (!choices.ok) throw new Error(JSON.stringify(choices.errors));
    const built = buildPlan(facts, choices.value);
    if (!built.ok) throw new Error(JSON.stringify(built.errors));
    const projected = openingsOf(facts, choices.value);
    if (!projected.ok) throw new Error(JSON.stringify(projected.errors));
    expect(projected.value.find((opening) => opening.kind === 'route')).toMatchObject({ address: ROUTED_WEB, sources: [source] });
    const out = (format: (typeof EXPORT_FORMATS)[number]) => renderExport(format, built.value, facts, projected.value);
    expect(out('list')).toContain(`${ROUTED_WEB}/128 # 80/tcp from ${source}`);
    expect(out('pfsense')).toMatch(new RegExp(`<name>v6wall_tcp80_src</name>\\s*<type>network</type>\\s*<address>${source}</address>`));
    expect(JSON.parse(out('hetzner')).rules[1]).toMatchObject({ port: '80', source_ips: [source] });
    expect(out('ip6tables-restore')).toMatch(new RegExp(`-A v6wall-forward -s ${source} -d ${ROUTED_WEB}/128 -p tcp -m tcp --dport 80`));
    expect(out('ansible')).toContain(`from_ip: "${source}"`);
  });
});

describe("exports on the nftables backend read the openings kept in v6wall's live table", () => {
  // test/fixtures/nftables/v6wall/applied.json: the table v6wall planned for this host (route
  // routed-web:80 from 2001:db8:abcd::/48, publish web6:8081), loaded by a real nft and listed with nft -j.
  const APPLIED = `${import.meta.dirname}/../fixtures/nftables/v6wall/applied.json`;
  async function nftHost(stopRoutedWeb = false): Promise<Facts> {
    const { readFileSync } = await import('node:fs');
    const { chooseBackend } = await import('../../src/core/backend.js');
    const base = await capturedLabFacts();
    const containers = base.docker.containers.map((c) =>
      stopRoutedWeb && c.name === 'routed-web'
        ? { ...c, state: 'exited', networks: c.networks.map((n) => ({ ...n, ipv6: null, ipv4: null })), ports: c.ports.map((p) => ({ ...p, published: [] })) }
        : c,
    );
    const withoutUfw: Facts = {
      ...base,
      ufw: { ...base.ufw, installed: false, enabled: false, rules: [] },
      docker: { ...base.docker, containers, nftRuleset: readFileSync(APPLIED, 'utf8') },
    };
    return { ...withoutUfw, backend: chooseBackend(withoutUfw) };
  }
  const openingsFor = (host: Facts, flags: { exact?: boolean; close?: string[] } = {}): Opening[] => {
    const choices = resolveChoices(host, { sshPorts: [], route: [], publish: [], close: flags.close ?? [], exact: flags.exact ?? false });
    if (!choices.ok) throw new Error(JSON.stringify(choices.errors));
    const projected = openingsOf(host, choices.value);
    if (!projected.ok) throw new Error(JSON.stringify(projected.errors));
    return projected.value;
  };

  it('list, pfsense, opnsense and hetzner carry the live openings, each with its source', async () => {
    const host = await nftHost();
    expect(host.backend?.kind).toBe('nftables');
    const kept = openingsFor(host);
    expect(kept.filter((o) => o.kind !== 'ssh').map((o) => `${o.kind} ${o.address} ${o.port}/${o.proto} ${o.sources.join(',') || 'any'}`)).toEqual([
      `route ${ROUTED_WEB} 80/tcp 2001:db8:abcd::/48`,
      `publish ${HOST} 8081/tcp any`,
    ]);
    const hostPlan = buildPlan(host, { sshPorts: [2222], exposures: [], scope: 'additive' });
    if (!hostPlan.ok) throw new Error(JSON.stringify(hostPlan.errors));
    for (const format of ['list', 'pfsense', 'opnsense', 'hetzner'] as const) {
      const text = renderExport(format, hostPlan.value, host, kept);
      expect(text, format).toContain(ROUTED_WEB);
      expect(text, format).toContain('8081');
      expect(text, format).toContain('2001:db8:abcd::');
    }
    // --exact drops what was not chosen; --close drops one.
    expect(openingsFor(host, { exact: true }).filter((o) => o.kind !== 'ssh')).toEqual([]);
    expect(openingsFor(host, { close: ['routed-web:80'] }).map((o) => o.container)).not.toContain('routed-web');
  });

  it('a stopped container keeps its opening, at the address its rule in the live table names', async () => {
    const kept = openingsFor(await nftHost(true));
    expect(kept.find((o) => o.container === 'routed-web')).toMatchObject({ kind: 'route', address: ROUTED_WEB, port: 80, sources: ['2001:db8:abcd::/48'] });
  });
});
