// Helper process for harness.test.ts: boots a systemd lab, prints what identifies it, and waits to be killed without teardown.
import { startSystemdLab } from './harness.js';

const lab = await startSystemdLab();
process.stdout.write(`${JSON.stringify({ id: lab.id, dir: lab.dir, serverNs: lab.serverNs, clientNs: lab.clientNs, leader: lab.leader() })}\n`);
setInterval(() => undefined, 60_000);
