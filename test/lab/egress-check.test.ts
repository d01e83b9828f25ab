// The egress check the confirm screen suggests (ui/egress-check.ts), run as suggested inside a lab
// container once v6wall has set deny routed and added its egress rules, against a web server in the
// lab's client namespace (never an outside address: only the target differs from the suggestion).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { egressCheckArgv } from '../../src/ui/egress-check.js';
import { LAB_ADDRESSES, skipLab, startLab, type Lab } from './harness.js';
import { CLIENT_PORT, applyAndConfirm, startClientListener } from './steps.js';

const skip = skipLab();
const web = '2001:db8:1234:a1:1::10';

describe.skipIf(skip)('the suggested egress check', () => {
  let lab: Lab;
  let listener: ChildProcess | undefined;

  beforeAll(async () => {
    lab = await startLab();
    await lab.createNetwork({ name: 'v6net', subnet6: LAB_ADDRESSES.containerSubnet });
    await lab.runContainer({ name: 'web', network: 'v6net', ip6: web, expose: ['80'] });
    listener = startClientListener(lab);
    await applyAndConfirm(lab, join(lab.dir, 'v6wall-state'), ['--route', 'web:80']);
  });
  afterAll(async () => {
    listener?.kill();
    await lab?.teardown();
  });

  it('runs in the lab image and exits 0 when the container gets out, 1 when nothing answers', async () => {
    const [docker, ...args] = egressCheckArgv('web', { address: LAB_ADDRESSES.client, port: CLIENT_PORT });
    expect(docker).toBe('docker');
    const reached = await lab.docker(args, { timeoutMs: 15_000 });
    expect(reached.exitCode, reached.stderr).toBe(0);
    const refused = await lab.docker(egressCheckArgv('web', { address: LAB_ADDRESSES.client, port: CLIENT_PORT + 1 }).slice(1), { timeoutMs: 15_000 });
    expect(refused.exitCode).toBe(1);
  });

  it('busybox wget with -T, which a wget check would need, crashes in this image (why the check uses nc)', async () => {
    const crashed = await lab.docker(['exec', 'web', 'wget', '-q', '-T', '5', '-O', '/dev/null', `http://[${LAB_ADDRESSES.client}]:${CLIENT_PORT}/`], {
      timeoutMs: 15_000,
    });
    expect(crashed.exitCode).toBe(139);
  });
});
