// The single executable's V8 code cache, taken after a real run: this machine's node (the very
// binary the x64 executable is made of) runs the bundle in a pseudo-terminal the way the executable
// will (wrapped alike, see sea-loader.mjs), draws the wizard's first frame, reads this host (read
// only: discovery changes nothing) and quits; on exit V8 writes the compiled code of everything
// that ran. State goes to a temporary folder, never /var/lib/v6wall.
import { spawn } from '@lydell/node-pty';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUNDLE_ASSET, wrapBundle } from './sea-loader.mjs';

const FIRST_FRAME = 'step 1 of 9';
// The discovery screen once the host is read, or its error: then every discovery module has run.
const HOST_READ = /enter go on|Could not read this host/;

function runner(bundle, cache) {
  return `'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const { Script } = require('node:vm');
const script = new Script((${wrapBundle.toString()})(readFileSync(${JSON.stringify(bundle)}, 'utf8')), { filename: ${JSON.stringify(BUNDLE_ASSET)} });
process.on('exit', () => writeFileSync(${JSON.stringify(cache)}, script.createCachedData()));
script.runInThisContext()(exports, require, module, __filename, __dirname);
`;
}

/** Writes the code cache of `bundle` to `out`; resolves with its size in bytes. */
export async function warmCodeCache({ bundle, out, workDir, timeoutMs = 120_000 }) {
  const script = join(workDir, 'code-cache-runner.cjs');
  writeFileSync(script, runner(bundle, out));
  const stateDir = mkdtempSync(join(tmpdir(), 'v6wall-code-cache-'));
  rmSync(out, { force: true });
  // CI set to anything but 0/false makes Ink non-interactive; no NODE_OPTIONS, so that V8 runs with
  // the flags the executable has (V8 refuses a cache made under other flags).
  const env = { ...process.env, CI: 'false', TERM: 'xterm-256color' };
  delete env.NODE_OPTIONS;
  const pty = spawn(process.execPath, [script, '--state-dir', stateDir], { name: 'xterm-256color', cols: 100, rows: 40, env });
  let screen = '';
  let quit = false;
  let exited = false;
  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`code cache: the wizard did not read the host within ${timeoutMs / 1000} s; it wrote:\n${screen.slice(-2000)}`)),
        timeoutMs,
      );
      pty.onData((data) => {
        screen += data;
        if (!quit && screen.includes(FIRST_FRAME) && HOST_READ.test(screen)) {
          quit = true;
          pty.write('q');
        }
      });
      pty.onExit(({ exitCode }) => {
        exited = true;
        clearTimeout(timer);
        if (quit) resolve();
        else reject(new Error(`code cache: the wizard exited (${exitCode}) before reading the host; it wrote:\n${screen.slice(-2000)}`));
      });
    });
  } finally {
    if (!exited) pty.kill();
    rmSync(stateDir, { recursive: true, force: true });
  }
  readFileSync(out); // fails clearly if the exit handler did not write it
  return statSync(out).size;
}
