// Helper process for harness.test.ts: starts a lab, prints its id and waits to be killed without teardown.
import { startLab } from './harness.js';

const lab = await startLab();
process.stdout.write(`${JSON.stringify({ id: lab.id, dir: lab.dir, serverNs: lab.serverNs, clientNs: lab.clientNs })}\n`);
setInterval(() => {}, 60_000);
