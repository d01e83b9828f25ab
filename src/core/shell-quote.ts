/** Quotes one argument for a POSIX shell; plain words stay as they are. */
export function shellQuote(arg: string): string {
  if (arg !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** A command line with its standard input as a quoted here-document, when it has one. */
export function shellCommand(argv: readonly string[], input?: string): string {
  if (input === undefined) return shellJoin(argv);
  let delimiter = 'V6WALL_EOF';
  while (input.split('\n').includes(delimiter)) delimiter += '_';
  const body = input.endsWith('\n') ? input : `${input}\n`;
  return `${shellJoin(argv)} <<'${delimiter}'\n${body}${delimiter}`;
}

export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}
