// What flows, by real packets, in every Docker mode, through the whole life of v6wall's openings:
// before v6wall, after a confirmed first-time apply, after closing an opening (--close), after
// unticking one (--exact without it; the closed one comes back), after docker stop/start, and
// after the rollback of the last apply. Where Docker decides alone (20.10 with ip6tables) the
// rollback of the first apply instead: ufw disable resets the policies Docker had set.
// One lab per Docker daemon (Docker 28's gateway modes are per network, so one daemon holds nat,
// routed and nat-unprotected at once); every probe of one moment runs at the same time.
// The tables it prints are the README's "What flows, per Docker mode".
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker28Root, skipDocker28 } from './docker28.js';
import { LAB_ADDRESSES, skipLab, startLab, type DockerOptions, type Lab, type Reachability } from './harness.js';
import { applyAndConfirm, containerConnects, egress, startClientListener } from './steps.js';

const skip = skipLab();
const SERVER = LAB_ADDRESSES.server;
/** The source every opening is limited to. */
const ALLOWED = LAB_ADDRESSES.client;
/** A second address of the client namespace, on the same link: no opening names it. */
const REFUSED = '2001:db8:1234:1::200';

type GatewayMode = 'nat' | 'routed' | 'nat-unprotected';

interface Net {
  name: string;
  /** Docker 28's gateway_mode_ipv6; undefined: the daemon's default. */
  mode: GatewayMode | undefined;
  subnet: string;
  /** Listens on 80 and 9000, publishes both (host ports hostPort and hostPort9000). */
  web: string;
  /** Listens on 80 and 9000, declares neither (no EXPOSE, nothing published). */
  hidden: string;
  hostPort: number;
  hostPort9000: number;
  /** How web's 80 is opened (from ALLOWED only). */
  chosen: 'publish' | 'route';
  /** Whether hidden's undeclared 80 is opened by route (from anywhere); Docker 28 drops direct traffic on nat networks. */
  routeHidden: boolean;
}

function net(index: number, name: string, mode: GatewayMode | undefined, chosen: 'publish' | 'route', routeHidden: boolean): Net {
  return {
    name,
    mode,
    subnet: `2001:db8:1234:a1:${index}::/80`,
    web: `2001:db8:1234:a1:${index}::10`,
    hidden: `2001:db8:1234:a1:${index}::11`,
    hostPort: 8080 + index,
    hostPort9000: 9090 + index,
    chosen,
    routeHidden,
  };
}

const LISTEN_80_AND_9000 = ['sh', '-c', 'httpd -p 9000 -h /www; exec httpd -f -p 80 -h /www'];

/** The opening of web's 80, as flags. */
const webOpening = (n: Net, source: string | null): string[] => {
  const at = source === null ? '' : `@${source}`;
  return n.chosen === 'publish' ? ['--publish', `web-${n.name}:${n.hostPort}${at}`] : ['--route', `web-${n.name}:80${at}`];
};
const hiddenOpening = (n: Net): string[] => (n.routeHidden ? ['--route', `hidden-${n.name}:80`] : []);
const selection = (nets: Net[], source: string | null): string[] => nets.flatMap((n) => [...webOpening(n, source), ...hiddenOpening(n)]);
const closeWeb = (nets: Net[]): string[] => nets.flatMap((n) => ['--close', n.chosen === 'publish' ? `web-${n.name}:${n.hostPort}` : `web-${n.name}:80`]);
/** Web's openings only: with --exact, hidden's is unticked (and web's, closed just before, comes back). */
const withoutHidden = (nets: Net[], source: string | null): string[] => ['--exact', ...nets.flatMap((n) => webOpening(n, source))];

/** One row per thing an operator relies on or expects closed; each checked by a real connection. */
interface Check {
  row: string;
  probe: (lab: Lab) => Promise<Reachability>;
}

async function tcpFrom(lab: Lab, source: string, address: string, port: number): Promise<Reachability> {
  return (await lab.inClient(['nc', '-z', '-w2', '-s', source, address, String(port)], { timeoutMs: 10_000 })).exitCode === 0 ? 'open' : 'blocked';
}

async function echoFrom(lab: Lab, source: string, address: string): Promise<Reachability> {
  const ping = await lab.inClient(['busybox', 'ping', '-6', '-c', '1', '-W', '2', '-I', source, address], { timeoutMs: 10_000 });
  return ping.exitCode === 0 ? 'open' : 'blocked';
}

function checks(nets: Net[]): Check[] {
  return nets.flatMap((n, index) => {
    const next = nets[(index + 1) % nets.length] ?? n;
    const chosen =
      n.chosen === 'publish' ? { address: SERVER, port: n.hostPort, how: `host port ${n.hostPort}` } : { address: n.web, port: 80, how: 'route :80' };
    // Docker ignores host ports on a routed network: the published 9000 is the container's own.
    const unchosen =
      n.mode === 'routed' ? { address: n.web, port: 9000, how: ':9000 direct' } : { address: SERVER, port: n.hostPort9000, how: `host port ${n.hostPort9000}` };
    const rows: Check[] = [
      { row: `${n.name}: chosen web ${chosen.how}, from the allowed source`, probe: (lab) => tcpFrom(lab, ALLOWED, chosen.address, chosen.port) },
      { row: `${n.name}: chosen web ${chosen.how}, from a refused source`, probe: (lab) => tcpFrom(lab, REFUSED, chosen.address, chosen.port) },
      ...(n.chosen === 'publish'
        ? [{ row: `${n.name}: web :80 direct (chosen only as a host port)`, probe: (lab: Lab) => tcpFrom(lab, ALLOWED, n.web, 80) }]
        : []),
      { row: `${n.name}: unchosen published web ${unchosen.how}`, probe: (lab) => tcpFrom(lab, ALLOWED, unchosen.address, unchosen.port) },
      {
        row: `${n.name}: undeclared hidden :80 (${n.routeHidden ? 'route from anywhere' : 'not chosen'}), from the refused source`,
        probe: (lab) => tcpFrom(lab, REFUSED, n.hidden, 80),
      },
      { row: `${n.name}: unpublished hidden :9000`, probe: (lab) => tcpFrom(lab, ALLOWED, n.hidden, 9000) },
      { row: `${n.name}: ICMPv6 echo to web`, probe: (lab) => echoFrom(lab, ALLOWED, n.web) },
      { row: `${n.name}: ICMPv6 echo to hidden`, probe: (lab) => echoFrom(lab, ALLOWED, n.hidden) },
      { row: `${n.name}: egress, web to the internet`, probe: (lab) => egress(lab, `web-${n.name}`) },
      { row: `${n.name}: same network, web to hidden :9000`, probe: (lab) => containerConnects(lab, `web-${n.name}`, n.hidden, 9000) },
      ...(next === n
        ? []
        : [
            {
              row: `${n.name}: cross-network, web to ${next.name}'s hidden :9000`,
              probe: (lab: Lab) => containerConnects(lab, `web-${n.name}`, next.hidden, 9000),
            },
          ]),
      {
        row: `${n.name}: host to hidden :9000`,
        probe: async (lab) => ((await lab.inServer(['nc', '-z', '-w2', n.hidden, '9000'], { timeoutMs: 10_000 })).exitCode === 0 ? 'open' : 'blocked'),
      },
    ];
    return rows;
  });
}

type Matrix = Record<string, Reachability>;

async function measure(lab: Lab, all: Check[]): Promise<Matrix> {
  const seen = await Promise.all(all.map(async (c) => [c.row, await c.probe(lab)] as const));
  return Object.fromEntries(seen);
}

/** The rows whose value differs between two matrices, as "row: a -> b". */
function changes(from: Matrix, to: Matrix): string[] {
  return Object.keys(to)
    .filter((row) => from[row] !== to[row])
    .map((row) => `${row}: ${from[row]} -> ${to[row]}`);
}

interface ModeCase {
  title: string;
  docker: () => Promise<DockerOptions>;
  needsDocker28: boolean;
  nets: Net[];
  /** The source web's openings are limited to; null where v6wall refuses a limit Docker would not keep (20.10 with ip6tables). */
  source: string | null;
  /** Whether to go on after the first apply: --close, untick, docker stop/start, then roll the last apply back. */
  lifecycle: boolean;
  /** The rows that change (measured; see the README table): confirmed against before, closed and unticked against confirmed. */
  expected: {
    confirmed: string[];
    closed: string[];
    unticked: string[];
  };
}

const MODES: ModeCase[] = [
  {
    title: 'Docker 20.10, ip6tables off',
    docker: async () => ({}),
    needsDocker28: false,
    nets: [net(1, 'a', undefined, 'publish', true), net(2, 'b', undefined, 'route', true)],
    source: ALLOWED,
    lifecycle: true,
    expected: {
      confirmed: [
        'a: chosen web host port 8081, from a refused source: open -> blocked',
        'a: web :80 direct (chosen only as a host port): open -> blocked',
        'a: unchosen published web host port 9091: open -> blocked',
        'a: unpublished hidden :9000: open -> blocked',
        'b: chosen web route :80, from a refused source: open -> blocked',
        'b: unchosen published web host port 9092: open -> blocked',
        'b: unpublished hidden :9000: open -> blocked',
      ],
      closed: ['a: chosen web host port 8081, from the allowed source: open -> blocked', 'b: chosen web route :80, from the allowed source: open -> blocked'],
      unticked: [
        'a: undeclared hidden :80 (route from anywhere), from the refused source: open -> blocked',
        'b: undeclared hidden :80 (route from anywhere), from the refused source: open -> blocked',
      ],
    },
  },
  {
    title: 'Docker 20.10, ip6tables on',
    docker: async () => ({ ip6tables: true, experimental: true }),
    needsDocker28: false,
    nets: [net(1, 'a', undefined, 'publish', true), net(2, 'b', undefined, 'route', true)],
    source: null,
    // Docker accepts every published port (and its container's address) before UFW: closing or
    // unticking web changes nothing there, as v6wall's plan says; only the first apply and its
    // rollback are measured.
    lifecycle: false,
    expected: {
      confirmed: [
        'a: undeclared hidden :80 (route from anywhere), from the refused source: blocked -> open',
        'a: ICMPv6 echo to web: blocked -> open',
        'a: ICMPv6 echo to hidden: blocked -> open',
        'b: undeclared hidden :80 (route from anywhere), from the refused source: blocked -> open',
        'b: ICMPv6 echo to web: blocked -> open',
        'b: ICMPv6 echo to hidden: blocked -> open',
      ],
      closed: [],
      unticked: [],
    },
  },
  {
    title: 'Docker 28.5, nat, routed and nat-unprotected networks',
    docker: async () => ({ unpackedRoot: await docker28Root() }),
    needsDocker28: true,
    nets: [net(1, 'nat', 'nat', 'publish', false), net(2, 'routed', 'routed', 'route', true), net(3, 'unprotected', 'nat-unprotected', 'publish', true)],
    source: ALLOWED,
    lifecycle: true,
    expected: {
      confirmed: [
        'nat: chosen web host port 8081, from a refused source: open -> blocked',
        'nat: unchosen published web host port 9091: open -> blocked',
        'routed: chosen web route :80, from a refused source: open -> blocked',
        'routed: unchosen published web :9000 direct: open -> blocked',
        'routed: undeclared hidden :80 (route from anywhere), from the refused source: blocked -> open',
        'unprotected: chosen web host port 8083, from a refused source: open -> blocked',
        'unprotected: unchosen published web host port 9093: open -> blocked',
        'unprotected: unpublished hidden :9000: open -> blocked',
      ],
      closed: [
        'nat: chosen web host port 8081, from the allowed source: open -> blocked',
        'routed: chosen web route :80, from the allowed source: open -> blocked',
        'unprotected: chosen web host port 8083, from the allowed source: open -> blocked',
        // The route rule a published port needs on nat-unprotected lets the same source in directly too.
        'unprotected: web :80 direct (chosen only as a host port): open -> blocked',
      ],
      unticked: [
        'routed: undeclared hidden :80 (route from anywhere), from the refused source: open -> blocked',
        'unprotected: undeclared hidden :80 (route from anywhere), from the refused source: open -> blocked',
      ],
    },
  },
];

function printTable(title: string, moments: Record<string, Matrix>): void {
  const names = Object.keys(moments);
  const rows = Object.keys(moments[names[0] ?? ''] ?? {});
  const width = Math.max(...rows.map((r) => r.length));
  const lines = rows.map((row) => `  ${row.padEnd(width)}  ${names.map((n) => (moments[n]?.[row] ?? '-').padEnd(10)).join(' ')}`);
  console.log(`${title}, real connections:\n  ${''.padEnd(width)}  ${names.map((n) => n.padEnd(10)).join(' ')}\n${lines.join('\n')}`);
}

for (const mode of MODES) {
  describe.skipIf(skip || (mode.needsDocker28 && skipDocker28()))(`${mode.title}: what flows, by real packets`, () => {
    let lab: Lab;
    let stateDir: string;
    let listener: ChildProcess | undefined;
    const all = checks(mode.nets);
    const moments: Record<string, Matrix> = {};
    const at = (name: string): Matrix => moments[name] ?? {};

    beforeAll(async () => {
      lab = await startLab({ docker: await mode.docker() });
      stateDir = join(lab.dir, 'v6wall-state');
      const refused = await lab.inClient(['ip', '-6', 'addr', 'add', `${REFUSED}/64`, 'dev', 'eth0', 'nodad']);
      expect(refused.exitCode, refused.stderr).toBe(0);
      for (const n of mode.nets) {
        await lab.createNetwork({ name: n.name, subnet6: n.subnet, ...(n.mode ? { options: { 'com.docker.network.bridge.gateway_mode_ipv6': n.mode } } : {}) });
        const publish = n.mode === 'routed' ? ['80', '9000'] : [`${n.hostPort}:80`, `${n.hostPort9000}:9000`];
        await lab.runContainer({ name: `web-${n.name}`, network: n.name, ip6: n.web, publish, command: LISTEN_80_AND_9000 });
        await lab.runContainer({ name: `hidden-${n.name}`, network: n.name, ip6: n.hidden, command: LISTEN_80_AND_9000 });
      }
      listener = startClientListener(lab);
    }, 240_000);
    afterAll(async () => {
      listener?.kill('SIGKILL');
      printTable(mode.title, moments);
      await lab?.teardown();
    }, 120_000);

    it('before v6wall: every container reaches the internet, the others and the host reaches it', async () => {
      moments['before'] = await measure(lab, all);
      for (const n of mode.nets) expect(at('before')[`${n.name}: egress, web to the internet`]).toBe('open');
    }, 120_000);

    it('after apply and confirm: each opening from its source only; egress and traffic between containers as before', async () => {
      await applyAndConfirm(lab, stateDir, selection(mode.nets, mode.source));
      moments['confirmed'] = await measure(lab, all);
      expect(changes(at('before'), at('confirmed'))).toEqual(mode.expected.confirmed);
    }, 180_000);

    it.skipIf(mode.lifecycle)(
      'rollback of that first apply restores the matrix before it exactly',
      async () => {
        const rolled = await lab.runV6wall(['rollback', '--state-dir', stateDir]);
        expect(rolled.exitCode, rolled.stdout + rolled.stderr).toBe(0);
        moments['rolled back'] = await measure(lab, all);
        expect(at('rolled back')).toEqual(at('before'));
      },
      180_000,
    );

    it.runIf(mode.lifecycle)(
      'after --close of the chosen openings: they refuse new connections; nothing else changes',
      async () => {
        await applyAndConfirm(lab, stateDir, closeWeb(mode.nets));
        moments['closed'] = await measure(lab, all);
        expect(changes(at('confirmed'), at('closed'))).toEqual(mode.expected.closed);
      },
      180_000,
    );

    it.runIf(mode.lifecycle)(
      'unticking an opening (--exact without it) closes it; the others are as chosen',
      async () => {
        await applyAndConfirm(lab, stateDir, withoutHidden(mode.nets, mode.source));
        moments['unticked'] = await measure(lab, all);
        expect(changes(at('confirmed'), at('unticked'))).toEqual(mode.expected.unticked);
      },
      180_000,
    );

    it.runIf(mode.lifecycle)(
      'docker stop keeps the openings (nothing to do while stopped); after docker start the matrix is as before',
      async () => {
        const names = mode.nets.map((n) => `web-${n.name}`);
        const stopped = await lab.docker(['stop', '-t', '1', ...names], { timeoutMs: 60_000 });
        expect(stopped.exitCode, stopped.stderr).toBe(0);
        const plan = await lab.runV6wall(['plan', ...withoutHidden(mode.nets, mode.source)]);
        expect(plan.exitCode, plan.stderr).toBe(0);
        expect(plan.stdout).toContain('Nothing to do: every step is already in place.');
        const started = await lab.docker(['start', ...names], { timeoutMs: 60_000 });
        expect(started.exitCode, started.stderr).toBe(0);
        moments['restarted'] = await measure(lab, all);
        expect(at('restarted')).toEqual(at('unticked'));
      },
      180_000,
    );

    it.runIf(mode.lifecycle)(
      'rollback of the untick restores the matrix before it exactly',
      async () => {
        const rolled = await lab.runV6wall(['rollback', '--state-dir', stateDir]);
        expect(rolled.exitCode, rolled.stdout + rolled.stderr).toBe(0);
        moments['rolled back'] = await measure(lab, all);
        expect(at('rolled back')).toEqual(at('closed'));
      },
      180_000,
    );
  });
}
