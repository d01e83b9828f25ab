// A standalone entry for the watchdog (`node --import tsx src/apply/watchdog-main.ts __watchdog ...`),
// used by tests; the real CLI routes `v6wall __watchdog` to runWatchdog itself.
import { runWatchdog } from './watchdog.js';

process.exitCode = await runWatchdog(process.argv.slice(2));
