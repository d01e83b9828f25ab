// This host's plan as a plain Ansible playbook: community.general.ufw tasks in the plan's order
// (SSH first, the openings, the default denies, enable last) and v6wall's DOCKER-USER block as
// an ansible.builtin.blockinfile task with v6wall's own markers, so v6wall recognises it later.
// Every task is idempotent: a second run reports changed=0.
import type { Facts } from '../types/facts.js';
import type { Plan, PlanStep } from '../types/plan.js';
import { AFTER6_RULES_PATH } from '../docker-user-block.js';

/** A YAML double-quoted scalar: JSON's string syntax is valid YAML. */
const q = (text: string): string => JSON.stringify(text);

const BEGIN = '# BEGIN v6wall';
const END = '# END v6wall';

/** The block's lines, markers apart, from the full after6.rules the plan writes. */
function blockOf(after6: string): { begin: string; end: string; body: string[] } | null {
  const lines = after6.split('\n');
  const begin = lines.findIndex((line) => line.trim().startsWith(BEGIN));
  const end = lines.findIndex((line) => line.trim().startsWith(END));
  if (begin === -1 || end <= begin) return null;
  return { begin: lines[begin] ?? '', end: lines[end] ?? '', body: lines.slice(begin + 1, end) };
}

function ruleTask(step: PlanStep): string[] {
  const rule = step.rule;
  if (rule === undefined) return [];
  const { spec } = rule;
  return [
    `    - name: ${q(step.why)}`,
    '      community.general.ufw:',
    '        rule: allow',
    ...(spec.route ? ['        route: true'] : []),
    ...(rule.delete ? ['        delete: true'] : []),
    ...(spec.inInterface === undefined ? [] : [`        interface_in: ${q(spec.inInterface)}`]),
    `        proto: ${spec.proto}`,
    `        from_ip: ${q(spec.from ?? 'any')}`,
    `        to_ip: ${q(spec.to)}`,
    ...(spec.port === null ? [] : [`        to_port: ${q(String(spec.port))}`]),
    ...(rule.delete || spec.comment === null ? [] : [`        comment: ${q(spec.comment)}`]),
  ];
}

function stepTask(step: PlanStep): string[] {
  if (step.rule !== undefined) return ruleTask(step);
  const [tool, ...args] = step.argv;
  if (step.kind === 'default' && tool === 'ufw' && args[0] === 'default') {
    return [
      `    - name: ${q(step.why)}`,
      '      community.general.ufw:',
      `        default: ${args[1] ?? 'deny'}`,
      `        direction: ${args[2] ?? 'incoming'}`,
    ];
  }
  if (step.kind === 'enable') return [`    - name: ${q(step.why)}`, '      community.general.ufw:', '        state: enabled'];
  if (step.kind === 'integration' && tool === 'cp' && step.input !== undefined) {
    const block = blockOf(step.input);
    if (block === null) return [];
    return [
      `    - name: ${q(step.why)}`,
      '      ansible.builtin.blockinfile:',
      `        path: ${AFTER6_RULES_PATH}`,
      '        marker: "{mark}"',
      `        marker_begin: ${q(block.begin)}`,
      `        marker_end: ${q(block.end)}`,
      '        insertbefore: "^COMMIT"',
      '        block: |',
      ...block.body.map((line) => `          ${line}`),
      '      notify: Reload UFW',
    ];
  }
  // `ufw reload` after the block: the handler does it, once, at the end.
  return [];
}

export function renderAnsible(plan: Plan, facts: Facts): string {
  const tasks = plan.steps.map(stepTask).filter((task) => task.length > 0);
  const lines = [
    `# v6wall's plan for ${facts.host.hostname} as Ansible tasks (community.general.ufw, ansible.builtin.blockinfile).`,
    "# Addresses are this host's: for a fleet, use the v6wall role (ansible/ in v6wall's repository), which plans on each host.",
    `# Run: ansible-playbook -i INVENTORY -e v6wall_hosts=NAME this.yml (without -e: the hosts named ${facts.host.hostname});`,
    '# v6wall_hosts must be an extra variable (-e): a play chooses its hosts before it reads inventory variables.',
    ...plan.notes.map((note) => `# Note: ${note}`),
    '- name: v6wall firewall',
    `  hosts: ${q(`{{ v6wall_hosts | default('${facts.host.hostname.replace(/'/g, '')}') }}`)}`,
    '  become: true',
    '  gather_facts: false',
    '  tasks:',
    ...tasks.flat(),
    '  handlers:',
    '    - name: Reload UFW',
    '      community.general.ufw:',
    '        state: reloaded',
  ];
  return `${lines.join('\n')}\n`;
}
