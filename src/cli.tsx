// Entry point: picks the wizard or a subcommand. Every module is imported only by the path that
// needs it: `--version` loads nothing but this file, the wizard alone loads Ink and React.
import pkg from '../package.json' with { type: 'json' };
import type { CommandIo } from './commands/command-io.js';

const io: CommandIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  env: process.env,
};

async function discover() {
  const { discoverHostFacts } = await import('./host/discover.js');
  return discoverHostFacts();
}

async function main(argv: string[]): Promise<number> {
  const [first] = argv;
  if (first === '--version' || first === '-V') {
    io.stdout(`${pkg.version}\n`);
    return 0;
  }
  const [{ commandByName, wizardCommand, allFlags }, { commandHelp, programHelp }] = await Promise.all([import('./cli/spec.js'), import('./cli/help.js')]);
  // `v6wall --state-dir DIR` is the wizard with a flag, not a command (`v6wall --help` is the program's help).
  const wizardFlags = new Set(
    allFlags(wizardCommand)
      .filter((flag) => flag.name !== 'help')
      .map((flag) => `--${flag.name}`),
  );
  const flagsOnly = first !== undefined && wizardFlags.has(first.split('=')[0] ?? '');
  const [command, ...rest] = flagsOnly ? ['wizard', ...argv] : argv;
  switch (command) {
    case undefined:
    case 'wizard': {
      const { startWizard } = await import('./commands/wizard.js');
      return startWizard(rest, io);
    }
    case '-h':
    case '--help':
      io.stdout(programHelp(pkg.version));
      return 0;
    case 'help': {
      const topic = rest[0] === undefined ? undefined : commandByName(rest[0]);
      if (rest[0] !== undefined && topic === undefined) {
        io.stderr(`v6wall help: unknown command "${rest[0]}"\nRun \`v6wall --help\` for the commands.\n`);
        return 2;
      }
      io.stdout(topic === undefined ? programHelp(pkg.version) : commandHelp(topic));
      return 0;
    }
    case 'plan':
      return (await import('./commands/plan.js')).run(rest, io, discover);
    case 'apply':
      return (await import('./commands/apply.js')).run(rest, io);
    case 'confirm':
      return (await import('./commands/confirm.js')).run(rest, io);
    case 'rollback':
      return (await import('./commands/rollback.js')).run(rest, io);
    case 'history':
      return (await import('./commands/history.js')).run(rest, io);
    case 'status':
      return (await import('./commands/status.js')).run(rest, io);
    case 'transcript':
      return (await import('./commands/transcript.js')).run(rest, io);
    case 'export':
      return (await import('./commands/export.js')).run(rest, io, discover);
    case '__watchdog':
      return (await import('./apply/watchdog.js')).runWatchdog(rest);
    case '__boot-guard':
      return (await import('./apply/boot-guard.js')).runBootGuard(rest);
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
