// The built wizard driven through a pseudo-terminal with keystrokes, as a
// person would, against a real host: the lab's server namespace with real
// ufw, a real dockerd and sshd on 2222 (issue 5, scenario 5).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LAB_ADDRESSES, LAB_SSH_PORT, skipLab, startLab, type Lab } from './harness.js';
import { type PtyRun, spawnCli } from '../ui/pty-helpers.js';

// npm test builds dist/ before the lab suite runs; a missing build fails the test.
const runnable = !skipLab();
const WEB = '2001:db8:1234:a1:1::10';
const DB = '2001:db8:1234:a1:1::12';
const ENTER = '\r';

describe.skipIf(!runnable)('the wizard in a pty against the lab', () => {
  let lab: Lab;
  let stateDir: string;

  beforeAll(async () => {
    lab = await startLab();
    await lab.createNetwork({ name: 'v6net', subnet6: LAB_ADDRESSES.containerSubnet });
    await lab.runContainer({ name: 'web', network: 'v6net', ip6: WEB, publish: ['8081:80'] });
    await lab.runContainer({ name: 'db', network: 'v6net', ip6: DB });
    stateDir = mkdtempSync(join(tmpdir(), 'v6wall-ui-state-'));
  }, 300_000);

  afterAll(async () => {
    await lab?.teardown();
  }, 120_000);

  it('goes from discovery to a confirmed firewall that lets only the chosen container in', async () => {
    const argv = lab.v6wallArgv(['wizard', '--state-dir', stateDir, '--confirm-timeout', '120']);
    const wizard: PtyRun = spawnCli({
      file: argv[0],
      args: argv.slice(1),
      columns: 100,
      rows: 45,
      // The operator's session, as sshd sets it for a login from the client.
      env: { ...lab.env, SSH_CONNECTION: `${LAB_ADDRESSES.client} 51022 ${LAB_ADDRESSES.server} ${LAB_SSH_PORT}` },
    });
    try {
      // A screen draws in several writes: wait for the part a check reads rather than reading it once.
      await wizard.waitFor('enter go on', 60_000);
      await wizard.waitFor(/port 2222 \(your session\)/);
      await wizard.press(ENTER);
      await wizard.waitFor('Keep SSH open');
      await wizard.waitFor(/\[x\] 2222\/tcp ← your session/);
      await wizard.press(ENTER);
      await wizard.waitFor('Default policies');
      await wizard.press(ENTER);
      await wizard.waitFor('Containers to make reachable');
      await wizard.press('w', 'e', 'b');
      await wizard.waitFor('1 of 2 match');
      await wizard.press(' ', ENTER, ENTER);
      await wizard.waitFor('How each port is reached');
      // web 80/tcp starts on "publish :8081"; left picks route, to the container's own address.
      await wizard.press('\u001B[D');
      await wizard.waitFor(`http://[${WEB}]/`);
      await wizard.press(ENTER);
      await wizard.waitFor('would run, in this order');
      await wizard.waitFor(`ufw route allow proto tcp from any to ${WEB} port 80`);
      await wizard.press(ENTER);
      await wizard.waitFor('Press enter again');
      await wizard.press(ENTER);
      // The lab's `v6wall` is this build and its SSH logins are root: no sudo, and the lab's state dir.
      await wizard.waitFor(`v6wall confirm`, 60_000);
      await wizard.waitFor(new RegExp(`In that new session run: v6wall confirm \\S+ --state-dir ${stateDir}`));
      const code = /v6wall confirm (\S+)/.exec(wizard.screen())?.[1];
      expect(code).toBeDefined();
      // The screen draws in several writes: wait for its last part rather than reading it once.
      await wizard.waitFor(`curl -6 -m5 http://[${WEB}]:80/`, 30_000);
      // The confirm step read the host again: the live ruleset lets SSH and the route in, and both answer the host.
      await wizard.waitFor(/open +answers +web 80\/tcp \(route\)/, 30_000);
      expect(wizard.screen()).toMatch(/open +answers +SSH 2222\/tcp/);

      // From outside: the routed container answers, the other one does not.
      expect(await lab.probeHttp(WEB, 80)).toBe('open');
      expect(await lab.probeHttp(DB, 80)).toBe('blocked');

      // A NEW session confirms; the wizard notices by itself.
      const confirmed = await lab.runV6wall(['confirm', code ?? '', '--state-dir', stateDir]);
      expect(confirmed.exitCode, confirmed.stderr).toBe(0);
      await wizard.waitFor('Confirmed from a new session', 15_000);
      await wizard.press(ENTER);
      await wizard.waitFor('step 9 of 9');
      await wizard.waitFor(/Transcript: /);
      await wizard.press(ENTER);
      expect(await wizard.exited).toBe(0);

      const status = await lab.ufw(['status']);
      expect(status.stdout).toMatch(/Status: active/);
      expect(status.stdout).toMatch(/2222\/tcp/);
    } catch (error) {
      console.error(`the wizard's screen:\n${wizard.screen()}`);
      throw error;
    } finally {
      wizard.kill();
    }
  }, 240_000);
});
