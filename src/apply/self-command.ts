// How v6wall starts itself again (the detached rollback is `v6wall __watchdog ...`), however it
// was installed: the single executable (.deb or a copied file), or a script run by node (the npm
// package, the built bundle, or the sources through a TypeScript loader in tests).

/** True inside a Node single executable application, where argv[1] is the executable, not a script. */
export function isSingleExecutable(): boolean {
  // node:sea exists from Node 20.12 and getBuiltinModule from 20.16; older Nodes cannot be one.
  const sea = typeof process.getBuiltinModule === 'function' ? (process.getBuiltinModule('node:sea') as { isSea?: () => boolean } | undefined) : undefined;
  return sea?.isSea?.() === true;
}

/** argv that runs this program again: the executable alone, or node with the same flags and script. */
export function selfCommand(): string[] {
  const script = process.argv[1];
  if (script === undefined || isSingleExecutable()) return [process.execPath];
  return [process.execPath, ...process.execArgv, script];
}
