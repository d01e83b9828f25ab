import { spawnSync } from 'node:child_process';
import ipaddr from 'ipaddr.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { capturedLabFacts } from '../support/captured-facts.js';
import { resolveChoices } from '../../src/core/choices.js';
import { buildPlan } from '../../src/core/plan.js';
import { openingsOf, type Opening } from '../../src/core/openings.js';
import { renderExport, EXPORT_FORMATS } from '../../src/core/export/formats.js';
import type { Facts, Plan } from '../../src/core/types.js';

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
    const lines = render('list').split('\n').filter((line) => line !== '' && !line.startsWith('#'));
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
