// One cold analysis in a fresh process (what a one-shot `v6wall status` pays): reads the
// `nft -j list ruleset` output and the probes from the files given, parses and analyses once,
// prints the wall and CPU milliseconds as JSON. nftables.bench.ts bundles it like the CLI and runs
// it; not a bench of its own.
import { readFileSync } from 'node:fs';
import { parseIptablesSave } from '../src/core/iptables/parse-save.js';
import { analyzeReachability, type Probe, type RoutingContext } from '../src/core/iptables/reachability.js';
import { parseNftJson } from '../src/core/nftables/parse-json.js';

const [jsonFile, inputFile] = process.argv.slice(2);
if (jsonFile === undefined || inputFile === undefined) throw new Error('usage: nftables-cold-run.ts NFT_JSON INPUT_JSON');
const text = readFileSync(jsonFile, 'utf8');
const { context, probes } = JSON.parse(readFileSync(inputFile, 'utf8')) as { context: RoutingContext; probes: Probe[] };

const started = performance.now();
const cpu = process.cpuUsage();
const results = analyzeReachability(parseIptablesSave(''), context, probes, parseNftJson(text));
const used = process.cpuUsage(cpu);
const ms = performance.now() - started;
const cpuMs = (used.user + used.system) / 1000;
const counts = { open: 0, blocked: 0, unknown: 0 };
for (const r of results) counts[r.verdict]++;
process.stdout.write(`${JSON.stringify({ ms, cpuMs, counts })}\n`);
