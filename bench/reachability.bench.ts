// Issue 6 speed target: analysing a 5,000-rule ruleset takes 200 ms or less.
// The ruleset is a real capture (Docker 20.10 with ip6tables on, UFW active, from the lab)
// grown to 5,000 rules with the shapes UFW and Docker write: UFW allow and route rules,
// Docker DNAT and ACCEPT rules for published ports. Probes: every published host port and
// every container address/port, plus as many ports nothing allows (they walk every rule).
// Prints timings and the ratio to parsing alone, measured in the same run; no assertions.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseIptablesSave } from '../src/core/iptables/parse-save.js';
import { analyzeReachability, type Probe, type RoutingContext } from '../src/core/iptables/reachability.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const BASE = readFileSync(join(here, '../test/fixtures/ip6tables/docker20.10-ip6tables-on-ufw-active.ip6tables-save'), 'utf8');
/** The lab network's bridge, as Docker named it in this capture (its id changes with every capture). */
const BRIDGE = /^-A DOCKER -i (\S+) -j RETURN$/m.exec(BASE)?.[1] ?? 'docker0';
const HOST = '2001:db8:1234:1::2';
const TARGET_RULES = 5000;
const RUNS = 15;

const containerAddress = (i: number): string => `2001:db8:1234:a1:1::${(0x1000 + i).toString(16)}`;

/** Inserts lines just before the COMMIT of a table. */
function addToTable(text: string, table: string, lines: string[]): string {
  const start = text.indexOf(`*${table}\n`);
  const commit = text.indexOf('\nCOMMIT', start);
  return `${text.slice(0, commit)}\n${lines.join('\n')}${text.slice(commit)}`;
}

function grow(base: string): { text: string; rules: number; services: number } {
  const existing = base.split('\n').filter((l) => l.startsWith('-A ')).length;
  // Each published service brings 4 rules: a DNAT, Docker's ACCEPT, a UFW route rule and a UFW host-port rule.
  const services = Math.ceil((TARGET_RULES - existing) / 4);
  const filter: string[] = [];
  const nat: string[] = [];
  for (let i = 0; i < services; i++) {
    const addr = containerAddress(i);
    const hostPort = 10000 + i;
    nat.push(`-A DOCKER ! -i ${BRIDGE} -p tcp -m tcp --dport ${hostPort} -j DNAT --to-destination [${addr}]:80`);
    filter.push(`-A DOCKER -d ${addr}/128 ! -i ${BRIDGE} -o ${BRIDGE} -p tcp -m tcp --dport 80 -j ACCEPT`);
    filter.push(`-A ufw6-user-forward -d ${addr}/128 -p tcp -m tcp --dport 443 -j ACCEPT`);
    filter.push(`-A ufw6-user-input -p udp -m multiport --dports ${hostPort},${hostPort + 20000} -j ACCEPT`);
  }
  const text = addToTable(addToTable(base, 'filter', filter), 'nat', nat);
  return { text, rules: text.split('\n').filter((l) => l.startsWith('-A ')).length, services };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function time(fn: () => unknown): number {
  const started = performance.now();
  fn();
  return performance.now() - started;
}

const { text, rules, services } = grow(BASE);
const context: RoutingContext = { publicInterface: 'eth0', hostAddresses: [HOST], dockerSubnets: [{ subnet: '2001:db8:1234:a1:1::/80', bridge: BRIDGE }] };
const probes: Probe[] = [];
for (let i = 0; i < services; i += 10) {
  probes.push({ address: HOST, port: 10000 + i, proto: 'tcp' }); // published: DNAT, then Docker's ACCEPT near the end
  probes.push({ address: containerAddress(i), port: 443, proto: 'tcp' }); // route rule
  probes.push({ address: containerAddress(i), port: 8443, proto: 'tcp' }); // nothing allows it: walks everything
}
probes.push({ address: HOST, port: 22, proto: 'tcp' });

// The first run is what a one-shot `v6wall status` pays (cold JIT); the medians are steady state.
const first = time(() => analyzeReachability(parseIptablesSave(text), context, probes));
const parsed = parseIptablesSave(text);
const parseTimes: number[] = [];
const analyseTimes: number[] = [];
const totalTimes: number[] = [];
for (let run = 0; run < RUNS; run++) {
  parseTimes.push(time(() => parseIptablesSave(text)));
  analyseTimes.push(time(() => analyzeReachability(parsed, context, probes)));
  totalTimes.push(time(() => analyzeReachability(parseIptablesSave(text), context, probes)));
}
const results = analyzeReachability(parsed, context, probes);
const counts = { open: 0, blocked: 0, unknown: 0 };
for (const r of results) counts[r.verdict]++;
const dockerOnly = results.filter((r) => r.dockerOnly).length;

const parseMs = median(parseTimes);
const analyseMs = median(analyseTimes);
const totalMs = median(totalTimes);
console.log(`ruleset: ${rules} rules (${services} published services grown around a real Docker 20.10 + UFW capture)`);
console.log(
  `probes: ${probes.length} (open ${counts.open} of which ${dockerOnly} only because of Docker, blocked ${counts.blocked}, unknown ${counts.unknown})`,
);
console.log(`parse only (baseline):        median ${parseMs.toFixed(1)} ms over ${RUNS} runs`);
console.log(`analyse only (parsed once):   median ${analyseMs.toFixed(1)} ms (${((analyseMs / probes.length) * 1000).toFixed(0)} µs per probe)`);
console.log(`parse + analyse:              median ${totalMs.toFixed(1)} ms, first (cold) run ${first.toFixed(1)} ms`);
console.log(`ratio parse + analyse / parse: ${(totalMs / parseMs).toFixed(2)}x`);
console.log(`target <= 200 ms for parse + analyse: ${totalMs <= 200 ? 'met' : 'NOT met'} (median), ${first <= 200 ? 'met' : 'NOT met'} (cold)`);
