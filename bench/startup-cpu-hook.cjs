// Preloaded (NODE_OPTIONS=--require) into every process bench/startup.bench.ts starts, the baseline
// included: appends the process's own CPU time (getrusage: user + system, every thread) to the file
// named by V6WALL_STARTUP_CPU_LOG when the wizard hands its first frame to the terminal, and when the
// process exits. Measured inside, because from outside the wizard keeps running (it reads the host)
// until a loaded machine lets the bench look.
'use strict';
const { appendFileSync } = require('node:fs');

const log = process.env.V6WALL_STARTUP_CPU_LOG;
const marker = process.env.V6WALL_STARTUP_MARKER;
if (log) {
  const record = (at) => {
    const { user, system } = process.cpuUsage();
    appendFileSync(log, `${JSON.stringify({ pid: process.pid, at, cpuMs: (user + system) / 1000 })}\n`);
  };
  process.on('exit', () => record('exit'));
  if (marker) {
    // Wrapped when first used, so that a process that never writes does not create it here.
    const original = Object.getOwnPropertyDescriptor(process, 'stdout');
    Object.defineProperty(process, 'stdout', {
      configurable: true,
      enumerable: true,
      get() {
        const stdout = original.get.call(process);
        Object.defineProperty(process, 'stdout', { ...original });
        const write = stdout.write;
        stdout.write = function writeAndRecord(chunk, ...rest) {
          if (String(chunk).includes(marker)) {
            record('frame');
            stdout.write = write;
          }
          return write.call(this, chunk, ...rest);
        };
        return stdout;
      },
    });
  }
}
