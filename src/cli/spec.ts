// The command line, declared once. `--help`, `COMMAND --help`, the argument parser, the man page
// v6wall(8) and the bash and zsh completions are all generated from this table, so they cannot
// disagree. A leaf module: the start-up path of every command imports it, so it imports nothing but
// the wizard's key table (itself a leaf).
import { keyHelp } from '../ui/key-bindings.js';

/** What a flag's value is completed with in the shells: `NAME:PORT` from the local Docker, or a directory. */
export type ValueCompletion = 'route-ports' | 'publish-ports' | 'directory';

export interface FlagSpec {
  readonly name: string;
  readonly short?: string;
  /** The value's name as the help shows it (`SECONDS`); absent for a switch. */
  readonly value?: string;
  readonly multiple?: boolean;
  /** The only values accepted, offered by the completions. */
  readonly choices?: readonly string[];
  /** Values the completions offer, others allowed too. */
  readonly suggest?: readonly string[];
  readonly complete?: ValueCompletion;
  readonly description: string;
}

export interface FlagGroup {
  /** Heading in the help, or null for the command's own flags. */
  readonly title: string | null;
  readonly flags: readonly FlagSpec[];
}

export interface Example {
  readonly command: string;
  readonly note: string;
}

export interface CommandSpec {
  /** The word after `v6wall`; the wizard's is `wizard` (it also runs with no command). */
  readonly name: string;
  /** The synopsis after `v6wall NAME`, e.g. `[selection] --yes`. */
  readonly synopsis: string;
  /** One line for the command overview. */
  readonly summary: string;
  /** Paragraphs of the command's help. */
  readonly description: readonly string[];
  readonly groups: readonly FlagGroup[];
  /** The positional argument the command takes, if any, as the help shows it (`CODE`, `[ID]`). */
  readonly positionals?: string;
  readonly exitCodes?: string;
  readonly examples?: readonly Example[];
  readonly footer?: string;
  /** The keys of an interactive command: the keys column and what each does. */
  readonly keys?: readonly (readonly [string, string])[];
}

const help = { name: 'help', short: 'h', description: 'this help' } as const satisfies FlagSpec;

const stateDir = {
  name: 'state-dir',
  value: 'DIR',
  complete: 'directory',
  description: 'where snapshots, transcripts and state live (default /var/lib/v6wall, or V6WALL_STATE_DIR)',
} as const satisfies FlagSpec;

const confirmTimeout = {
  name: 'confirm-timeout',
  value: 'SECONDS',
  description: 'time to confirm before the rollback fires (default 120, from 10 to 86400)',
} as const satisfies FlagSpec;

const backend = {
  name: 'backend',
  value: 'ufw|nftables',
  choices: ['ufw', 'nftables'],
  description:
    "the firewall v6wall drives: ufw, or nftables (v6wall's own table inet v6wall, next to Docker's; no UFW needed). Default: ufw where UFW is installed, else nftables",
} as const satisfies FlagSpec;

const selection = {
  title: 'Selection',
  flags: [
    backend,
    {
      name: 'ssh-port',
      value: 'N|auto',
      multiple: true,
      suggest: ['auto'],
      description: 'SSH port to keep open (repeatable; default: auto = every detected port)',
    },
    {
      name: 'route',
      value: 'NAME:PORT[/tcp|/udp][@SOURCE]',
      multiple: true,
      complete: 'route-ports',
      description:
        "open the container's own IPv6 address on its port (repeatable); @SOURCE, an IPv6 address or network (e.g. @2001:db8:abcd::/48), lets only that source in: repeat the flag for several sources",
    },
    {
      name: 'publish',
      value: 'NAME:HOSTPORT[/tcp|/udp][@SOURCE]',
      multiple: true,
      complete: 'publish-ports',
      description: 'open a host port the container publishes (repeatable; @SOURCE as for --route)',
    },
    {
      name: 'close',
      value: 'NAME:PORT[/tcp|/udp][@SOURCE]',
      multiple: true,
      complete: 'route-ports',
      description: "close v6wall's opening of that port, route or publish (PORT: the container port or the host port; repeatable; SSH is never closed)",
    },
    {
      name: 'exact',
      description:
        "close every opening of v6wall's that is not named (without it, openings not named stay as they are; an opening you name always gets exactly the sources you give)",
    },
    { name: 'remove-stale', description: "remove v6wall's rules for containers that are gone or have a new address" },
  ],
} as const satisfies FlagGroup;

export const wizardCommand = {
  name: 'wizard',
  synopsis: '[--backend ufw|nftables] [--confirm-timeout SECONDS] [--state-dir DIR]',
  summary: 'the interactive wizard (needs a terminal)',
  description: [
    'The interactive wizard: detects the SSH port, shows the firewall and the containers, lets you choose what to open, previews and applies the commands, and waits for your confirmation from a NEW SSH session before it keeps them.',
  ],
  groups: [{ title: null, flags: [backend, confirmTimeout, stateDir, help] }],
  keys: keyHelp(true),
  exitCodes:
    '0 finished, or quit before anything changed, or quit leaving changes to confirm (the code and the deadline are printed); 1 the apply failed, was rolled back, or was not confirmed in time; 2 bad flags or no terminal; 130 ctrl+c.',
  examples: [{ command: 'sudo v6wall', note: 'start the wizard' }],
} as const satisfies CommandSpec;

export const planCommand = {
  name: 'plan',
  synopsis: '[selection] [--json]',
  summary: 'print the commands for this host; changes nothing',
  description: ['Prints the commands v6wall would run on this host, in order, and changes nothing.'],
  groups: [selection, { title: 'Output', flags: [{ name: 'json', description: 'the plan as JSON (steps with why, argv, undoArgv, satisfied)' }, help] }],
  exitCodes: '0 plan printed, 2 bad or impossible choice (the message names it).',
  examples: [{ command: 'v6wall plan --route web:80 --publish api:8081', note: 'print the commands, change nothing' }],
} as const satisfies CommandSpec;

export const applyCommand = {
  name: 'apply',
  synopsis: '[selection] --yes [--confirm-timeout SECONDS] [--state-dir DIR]',
  summary: 'apply that plan, arm the automatic rollback, print the confirm code',
  description: [
    "Applies the plan `v6wall plan` prints for the same selection. Before the first command it saves UFW's files and starts a detached rollback; if nobody runs `v6wall confirm CODE` from a NEW SSH session before the deadline, the firewall is restored as it was, even if this terminal or SSH connection is gone.",
  ],
  groups: [
    selection,
    {
      title: 'Apply',
      flags: [
        { name: 'yes', short: 'y', description: 'really apply (without it, the plan is printed and nothing changes)' },
        { name: 'json', description: 'print one JSON object: what ran, the confirm code and deadline, or why nothing changed (for Ansible and scripts)' },
        confirmTimeout,
        stateDir,
        help,
      ],
    },
  ],
  exitCodes:
    '0 applied and awaiting confirmation (or nothing to do), 1 refused or failed (a failed step is rolled back at once), 2 bad flags or an impossible choice, or no --yes.',
  examples: [{ command: 'sudo v6wall apply --route web:80 --publish api:8081 --yes', note: 'apply, then confirm from a new SSH session' }],
} as const satisfies CommandSpec;

export const confirmCommand = {
  name: 'confirm',
  synopsis: 'CODE [--state-dir DIR]',
  summary: 'from a NEW SSH session: keep the applied changes',
  description: [
    'Keeps the changes of the last `v6wall apply` and disarms its automatic rollback. Run it from a NEW SSH session: getting in proves that new connections still work (your old session proves nothing, the firewall lets established connections through).',
  ],
  positionals: 'CODE',
  groups: [{ title: null, flags: [stateDir, help] }],
  exitCodes: '0 confirmed, 1 wrong code / nothing pending / too late, 2 bad flags.',
  examples: [{ command: 'sudo v6wall confirm K7P2QX', note: 'from a NEW SSH session' }],
} as const satisfies CommandSpec;

export const rollbackCommand = {
  name: 'rollback',
  synopsis: '[--to ID] [--force] [--state-dir DIR]',
  summary: 'undo the last apply (or go back to before apply ID)',
  description: [
    "Restores UFW as it was before the last `v6wall apply`: its rule files, ufw.conf and /etc/default/ufw, and the live rules. Works while an apply awaits confirmation (it disarms that apply's automatic rollback) and after a confirmation.",
    "When the last apply was already rolled back (by its deadline, at boot, by hand), there is nothing to undo: it says so, changes nothing and exits 1; `--to ID` goes back further. When UFW's rules were changed since v6wall left them by something other than v6wall, it shows the difference and changes nothing unless --force is given.",
  ],
  groups: [
    {
      title: null,
      flags: [
        { name: 'to', value: 'ID', description: 'back to the firewall before apply ID (`v6wall history` lists them), undoing it and every apply after it' },
        { name: 'force', description: "roll back even though UFW's rules were changed since v6wall left them (those changes are undone too)" },
        stateDir,
        help,
      ],
    },
  ],
  exitCodes: '0 rolled back, 1 nothing to undo, rules changed by someone else (without --force), or failed; 2 bad flags.',
  examples: [
    { command: 'sudo v6wall rollback', note: 'back to the firewall before the last apply' },
    { command: 'sudo v6wall rollback --to 20261122T190300.123Z-3f9a', note: 'back to before that apply' },
  ],
} as const satisfies CommandSpec;

export const historyCommand = {
  name: 'history',
  synopsis: '[--json] [--state-dir DIR]',
  summary: 'every apply and what became of it: confirmed, or rolled back and why',
  description: [
    'One line per apply, oldest first: when, who, how many commands, and its outcome: confirmed, kept without proof, awaiting confirmation, or rolled back, with when and why (no confirmation by the deadline, the applying process died, still unconfirmed at boot, by hand, a command failed). Applies marked "in effect" are in the firewall; their ids are what `v6wall rollback --to ID` takes.',
  ],
  groups: [{ title: null, flags: [{ name: 'json', description: 'the same as JSON' }, stateDir, help] }],
  exitCodes: '0 listed (also when empty), 1 the state directory cannot be read, 2 bad flags.',
  examples: [{ command: 'sudo v6wall history', note: 'what happened to each apply' }],
} as const satisfies CommandSpec;

export const statusCommand = {
  name: 'status',
  synopsis: '[--from ADDR] [--json] [--state-dir DIR]',
  summary: "firewall state, pending confirmation, v6wall's rules, what the live firewall does against what v6wall intends, transcripts",
  description: [
    'The firewall\'s state and policies, an apply awaiting confirmation (with its time left), v6wall\'s rules per container (recognised by their "v6wall ..." comments), what a NEW connection from the internet can reach (judged from the live ip6tables and nftables rulesets: SSH, each container port at its own address, each published port), and the latest transcripts.',
    'It also holds what v6wall intends (each of its openings open from its sources and from nowhere else, every other container port closed, the containers able to start connections out) against the live ruleset, and names every difference in plain words.',
  ],
  groups: [
    {
      title: null,
      flags: [
        { name: 'from', value: 'ADDR', description: 'judge for connections from this IPv6 address only (e.g. one of the sources an opening allows)' },
        { name: 'json', description: 'the same as JSON' },
        stateDir,
        help,
      ],
    },
  ],
  examples: [
    { command: 'v6wall status', note: 'what is open, and what awaits confirmation' },
    { command: 'v6wall status --from 2001:db8:abcd::10', note: 'what that address can reach' },
  ],
} as const satisfies CommandSpec;

export const transcriptCommand = {
  name: 'transcript',
  synopsis: '[--list | --last | ID] [--format text|sh|json] [--undo] [--state-dir DIR]',
  summary: 'what was applied, also as a runnable script',
  description: ['What v6wall applied and rolled back, written as it happened. ID shows that transcript.'],
  positionals: '[ID]',
  groups: [
    {
      title: null,
      flags: [
        { name: 'list', description: 'one line per transcript, oldest first (the default)' },
        { name: 'last', description: 'the newest transcript' },
        {
          name: 'format',
          value: 'text|sh|json',
          choices: ['text', 'sh', 'json'],
          description: 'text for reading (default); sh: a runnable POSIX script of the commands that were applied, each under its why; json: every entry',
        },
        { name: 'undo', description: "the inverse script: each applied command's undo, last first" },
        stateDir,
        help,
      ],
    },
  ],
  exitCodes: '0 shown, 1 missing or corrupted transcript, 2 bad flags.',
  examples: [{ command: 'v6wall transcript --last --format sh', note: 'the applied commands as a script' }],
} as const satisfies CommandSpec;

export const exportCommand = {
  name: 'export',
  synopsis: '--format FORMAT [selection]',
  summary: "this host's plan for another tool: Ansible, an outside firewall, a rules file",
  description: [
    "Takes the same selection as `v6wall plan` and prints this host's plan for another tool; changes nothing.",
    "ansible: community.general.ufw tasks and the after6.rules block as a blockinfile task (idempotent). list: one opening a line, the address first (a pfSense or OPNsense URL table). pfsense: an <aliases> fragment for pfSense's configuration restore. opnsense: alias JSON for OPNsense's alias API. hetzner: Hetzner Cloud Firewall rules, with what they cannot express. ip6tables-restore: a rules file for iptables-persistent's rules.v6.",
    "An outside firewall sees traffic before the host: a routed port is opened on the container's own address (/128), a published port and SSH on the host's global addresses.",
  ],
  groups: [
    {
      title: null,
      flags: [
        {
          name: 'format',
          value: 'FORMAT',
          choices: ['ansible', 'list', 'pfsense', 'opnsense', 'hetzner', 'ip6tables-restore'],
          description: 'ansible, list, pfsense, opnsense, hetzner or ip6tables-restore',
        },
      ],
    },
    selection,
    { title: 'Output', flags: [help] },
  ],
  exitCodes: '0 printed, 2 bad flags or an impossible choice (the message names it).',
  examples: [
    { command: 'v6wall export --format ansible --route web:80 > v6wall.yml', note: 'a playbook of community.general.ufw tasks' },
    { command: 'v6wall export --format list --route web:80', note: 'one opening a line, for a URL table' },
    { command: 'v6wall export --format pfsense --route web:80 > aliases.xml', note: 'pfSense aliases to restore' },
    { command: 'v6wall export --format opnsense --route web:80', note: "bodies for OPNsense's alias API" },
    { command: 'v6wall export --format hetzner --publish api:8081', note: 'Hetzner Cloud Firewall rules, and what they cannot express' },
    { command: 'v6wall export --format ip6tables-restore --route web:80 > rules.v6', note: "iptables-persistent's rules file" },
  ],
} as const satisfies CommandSpec;

export const COMMANDS: readonly CommandSpec[] = [
  wizardCommand,
  planCommand,
  applyCommand,
  confirmCommand,
  rollbackCommand,
  historyCommand,
  statusCommand,
  transcriptCommand,
  exportCommand,
];

/** Flags of `v6wall` itself, before any command. */
export const GLOBAL_FLAGS: readonly FlagSpec[] = [
  { name: 'help', short: 'h', description: 'help (also `v6wall COMMAND --help` and `v6wall help COMMAND`)' },
  { name: 'version', short: 'V', description: 'the version' },
];

export const PROGRAM = {
  name: 'v6wall',
  summary: 'secure the firewall of an IPv6 Docker host without locking yourself out',
  description: [
    "On an IPv6 Docker host every container can have a public address: its ports are reachable from the internet even when nothing publishes them. v6wall finds the SSH port(s) in use and allows them first, sets UFW to deny incoming and routed traffic by default, lets you choose per container port whether to route it (the container's own IPv6 address) or publish it (a host port), previews the exact ufw commands, and applies them with a snapshot taken first.",
    'Before the first command it arms a detached rollback: unless `v6wall confirm CODE` runs from a NEW SSH session before the deadline, the firewall is restored as it was, even if the wizard, its terminal or the SSH session is gone. Every change is written to a transcript that can be replayed as a shell script.',
    "Docker 23 and later write their own ip6tables rules, which come before UFW's: v6wall reads Docker's version and settings, says who really decides, and where needed adds a marked block to /etc/ufw/after6.rules so that UFW's route rules decide for containers too.",
  ],
  notes: ['The wizard and apply need root. Read-only commands work as far as they can without it.'],
  environment: [
    { name: 'V6WALL_STATE_DIR', description: 'the state directory when --state-dir is not given (default /var/lib/v6wall)' },
    { name: 'DOCKER_HOST', description: 'the Docker daemon to read (unix://PATH is read through its API, anything else through the docker CLI)' },
    { name: 'V6WALL_DEBUG', description: 'print the stack of an unexpected error' },
  ],
  files: [
    { path: '/var/lib/v6wall', description: "snapshots of UFW's files taken before each apply, transcripts, the pending apply and the watchdog's log" },
    { path: '/etc/ufw, /etc/default/ufw', description: "UFW's configuration, which apply changes through ufw and rollback restores" },
  ],
} as const;

export function commandByName(name: string): CommandSpec | undefined {
  return COMMANDS.find((command) => command.name === name);
}

export function allFlags(command: CommandSpec): FlagSpec[] {
  return command.groups.flatMap((group) => group.flags);
}
