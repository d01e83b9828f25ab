// Entry point: picks the wizard or a subcommand. Heavy modules (Ink, React,
// execa, conf) are imported only by the path that needs them.
import pkg from '../package.json' with { type: 'json' };
import type { CommandIo } from './commands/io.js';

const HELP = `v6wall ${pkg.version} - secure the firewall of an IPv6 Docker host without locking yourself out

Usage:
  v6wall [--state-dir DIR] [--confirm-timeout SECONDS]
                            the interactive wizard (needs a terminal)
  v6wall plan [selection]   print the commands for this host; changes nothing
  v6wall apply [selection] --yes
                            apply them, arm the automatic rollback, print the confirm code
  v6wall confirm CODE       from a NEW SSH session: keep the applied changes
  v6wall rollback           restore the firewall saved before the last apply
  v6wall status [--json]    firewall state, pending confirmation, v6wall's rules, transcripts
  v6wall transcript [--list | --last | ID] [--format text|sh|json] [--undo]
                            what was applied, also as a runnable script

Selection (plan and apply):
  --ssh-port N|auto  --route NAME:PORT[/tcp|/udp]  --publish NAME:HOSTPORT[/tcp|/udp]

Common:
  --state-dir DIR           where snapshots and transcripts live (default /var/lib/v6wall, or V6WALL_STATE_DIR)
  -h, --help                help (also \`v6wall COMMAND --help\`)
  -V, --version             the version

The wizard and apply need root. Read-only commands work as far as they can without it.
`;

const io: CommandIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  env: process.env,
};

async function discover() {
  const { discoverHostFacts } = await import('./host/discover.js');
  return discoverHostFacts();
}

const WIZARD_FLAGS = new Set(['--state-dir', '--confirm-timeout']);

async function main(argv: string[]): Promise<number> {
  const [first] = argv;
  // `v6wall --state-dir DIR` is the wizard with a flag, not a command.
  const flagsOnly = first !== undefined && WIZARD_FLAGS.has(first.split('=')[0] ?? '');
  const [command, ...rest] = flagsOnly ? ['wizard', ...argv] : argv;
  switch (command) {
    case undefined:
    case 'wizard': {
      const { startWizard } = await import('./commands/wizard.js');
      return startWizard(rest, io);
    }
    case '-h':
    case '--help':
    case 'help':
      io.stdout(HELP);
      return 0;
    case '-V':
    case '--version':
      io.stdout(`${pkg.version}\n`);
      return 0;
    case 'plan':
      return (await import('./commands/plan.js')).run(rest, io, discover);
    case 'apply':
      return (await import('./commands/apply.js')).run(rest, io);
    case 'confirm':
      return (await import('./commands/confirm.js')).run(rest, io);
    case 'rollback':
      return (await import('./commands/rollback.js')).run(rest, io);
    case 'status':
      return (await import('./commands/status.js')).run(rest, io);
    case 'transcript':
      return (await import('./commands/transcript.js')).run(rest, io);
    case '__watchdog':
      return (await import('./apply/watchdog.js')).runWatchdog(rest);
    default:
      io.stderr(`v6wall: unknown command "${command}"\nRun \`v6wall --help\` for the commands.\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`v6wall: ${error instanceof Error ? error.message : String(error)}\n`);
    if (process.env.V6WALL_DEBUG) console.error(error);
    process.exitCode = 1;
  },
);
