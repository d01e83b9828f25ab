import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendToTranscript, listTranscripts, parseTranscript, readTranscript, startTranscript, type StartEntry } from '../../src/apply/transcript.js';
import { renderTranscript, renderTranscriptSh, renderTranscriptUndoSh } from '../../src/apply/transcript-render.js';
import { stateLayout } from '../../src/apply/paths.js';
import type { StepRecord } from '../../src/core/types/apply-events.js';

const WHEN = '2026-11-22T19:03:00.000Z';
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true, maxRetries: 5 });
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'v6wall-transcript-'));
  dirs.push(d);
  return d;
}

function start(id: string): StartEntry {
  return {
    type: 'start',
    version: 1,
    id,
    kind: 'apply',
    when: '2026-11-22T19:00:00.000Z',
    who: 'alice',
    hostname: 'web1',
    choices: { sshPorts: [22], exposures: [{ container: 'web', port: 80, proto: 'tcp', exposure: 'route' }] },
    plan: [],
    confirmTimeoutSec: 120,
  };
}

function record(index: number, argv: string[], why: string, exitCode = 0): StepRecord {
  return {
    index,
    why,
    argv,
    exitCode,
    stdout: exitCode === 0 ? 'Rule added (v6)\n' : '',
    stderr: exitCode === 0 ? '' : 'ERROR: bad\n',
    durationMs: 180,
    startedAt: '2026-11-22T19:00:01.000Z',
  };
}

const sshArgv = ['ufw', 'allow', 'proto', 'tcp', 'from', 'any', 'to', '::/0', 'port', '22', 'comment', "v6wall ssh 22/tcp; it's $(safe)"];
const routeArgv = ['ufw', 'route', 'allow', 'proto', 'tcp', 'from', 'any', 'to', '2001:db8::10', 'port', '80', 'comment', 'v6wall route web 80/tcp'];

async function writeSample(stateDir: string, id: string): Promise<void> {
  const t = await startTranscript(stateDir, start(id));
  if (!t.ok) throw new Error(t.error);
  const w = t.value;
  await w.append({ type: 'snapshot', when: '2026-11-22T19:00:00.500Z', snapshotId: id, ufwEnabled: false });
  await w.append({
    type: 'step',
    when: WHEN,
    phase: 'apply',
    kind: 'ssh',
    undoArgv: ['ufw', 'delete', 'allow', 'proto', 'tcp', 'from', 'any', 'to', '::/0', 'port', '22'],
    record: record(0, sshArgv, 'Allow SSH first\n# rm -rf /'),
  });
  await w.append({
    type: 'step',
    when: WHEN,
    phase: 'apply',
    kind: 'route',
    undoArgv: ['ufw', 'route', 'delete', 'allow', 'proto', 'tcp', 'from', 'any', 'to', '2001:db8::10', 'port', '80'],
    record: record(1, routeArgv, 'Reach web'),
  });
  await w.append({
    type: 'step',
    when: WHEN,
    phase: 'apply',
    kind: 'enable',
    undoArgv: ['ufw', 'disable'],
    record: record(3, ['ufw', '--force', 'enable'], 'Turn the firewall on'),
  });
  await w.append({ type: 'outcome', when: '2026-11-22T19:03:01.000Z', outcome: 'pending', detail: 'awaiting', failedStep: null, by: 'alice' });
  await appendToTranscript(stateDir, id, {
    type: 'outcome',
    when: '2026-11-22T19:03:40.000Z',
    outcome: 'confirmed',
    detail: 'confirmed from a new SSH session',
    failedStep: null,
    by: 'bob',
  });
}

describe('transcripts', () => {
  it('are read back with the last outcome winning', async () => {
    const dir = await tempDir();
    await writeSample(dir, '20261122T190000Z-aaaa');
    const t = await readTranscript(dir, '20261122T190000Z-aaaa');
    expect(t.ok && t.value.outcome).toBe('confirmed');
    expect(t.ok && t.value.entries).toHaveLength(7);
  });

  it('a partial transcript (writer died mid-line) is truthful: incomplete, last line left out', () => {
    const text = `${JSON.stringify(start('a'))}\n{"type":"snapshot","when":"2026-11-22T19:03:00.000Z","snap`;
    const t = parseTranscript('a', '/x/a.jsonl', text);
    expect(t.ok && t.value.outcome).toBe('incomplete');
    expect(t.ok && t.value.truncated).toBe(true);
    expect(t.ok && renderTranscript(t.value, 'text', false)).toMatch(/no outcome was written.*\n.*last line was cut off/);
  });

  it('a corrupted transcript gets a clear message and the others are still listed', async () => {
    const dir = await tempDir();
    await writeSample(dir, '20261122T190000Z-aaaa');
    await writeSample(dir, '20261122T190100Z-bbbb');
    await appendFile(stateLayout.transcript(dir, '20261122T190000Z-aaaa'), 'garbage\n{"type":"note","when":"2026-11-22T19:03:00.000Z","message":"m"}\n');
    await writeFile(stateLayout.transcript(dir, '20261122T185900Z-cccc'), '');
    const listing = await listTranscripts(dir);
    expect(listing.transcripts.map((t) => t.id)).toEqual(['20261122T190100Z-bbbb']);
    expect(listing.problems).toEqual([
      expect.stringMatching(/transcript 20261122T185900Z-cccc is corrupted: .* does not begin with a start line/),
      expect.stringMatching(/transcript 20261122T190000Z-aaaa is corrupted: line 8 of .* is not JSON/),
    ]);
  });

  it('refuses ids that could leave the folder', async () => {
    const t = await readTranscript(await tempDir(), '../../etc/passwd');
    expect(!t.ok && t.error).toMatch(/not a transcript id/);
  });
});

describe('transcript renderers', () => {
  it('text of an older transcript (no stage on its armed lines) names the last deadline only, the one the watchdog kept', () => {
    const armed = (deadline: string, watchdog?: string) =>
      JSON.stringify({ type: 'armed', when: WHEN, deadline, watchdogPid: 4242, ...(watchdog === undefined ? {} : { watchdog }) });
    const text = [JSON.stringify(start('b')), armed('2026-11-22T19:05:00.000Z', 'detached process'), armed('2026-11-22T19:07:00.000Z')].join('\n') + '\n';
    const t = parseTranscript('b', '/x/b.jsonl', text);
    const rendered = t.ok ? renderTranscript(t.value, 'text', false) : '';
    expect(rendered).toContain('rollback armed (watchdog pid 4242, detached process): it rolls back if v6wall stops while the steps run');
    expect(rendered).toContain('rollback armed until 2026-11-22T19:07:00.000Z (watchdog pid 4242)');
    expect(rendered).not.toContain('19:05:00');
  });

  it('text names who, where, what was chosen, every command with its output, and the outcome', async () => {
    const dir = await tempDir();
    await writeSample(dir, 'id1');
    const t = await readTranscript(dir, 'id1');
    if (!t.ok) throw new Error(t.error);
    const text = renderTranscript(t.value, 'text', false);
    expect(text).toContain('v6wall apply id1: confirmed');
    expect(text).toContain('alice on web1');
    expect(text).toContain('chose:   ssh 22; route web:80/tcp');
    expect(text).toContain("$ ufw route allow proto tcp from any to 2001:db8::10 port 80 comment 'v6wall route web 80/tcp'");
    expect(text).toContain('exit 0 (180 ms');
    expect(text).toContain('| Rule added (v6)');
    expect(text).toMatch(/confirmed \(by bob\): confirmed from a new SSH session/);
    const json = JSON.parse(renderTranscript(t.value, 'json', false)) as { outcome: string; entries: unknown[] };
    expect(json.outcome).toBe('confirmed');
    expect(json.entries).toHaveLength(7);
  });

  it('sh is a runnable POSIX script of the applied commands, safely quoted, with why comments', async () => {
    const dir = await tempDir();
    await writeSample(dir, 'id1');
    const t = await readTranscript(dir, 'id1');
    if (!t.ok) throw new Error(t.error);
    const script = renderTranscriptSh(t.value);
    expect(script.startsWith('#!/bin/sh\n')).toBe(true);
    expect(script).toContain('# Allow SSH first # rm -rf /\n');
    expect(script).toContain("comment 'v6wall ssh 22/tcp; it'\\''s $(safe)'");
    // Run it with a fake ufw that prints each argument on its own line.
    const bin = await tempDir();
    await writeFile(join(bin, 'ufw'), '#!/bin/sh\nfor a in "$@"; do printf "[%s]" "$a"; done; echo\n', { mode: 0o755 });
    const scriptPath = join(bin, 'applied.sh');
    await writeFile(scriptPath, script);
    const out = execFileSync('sh', [scriptPath], { env: { PATH: `${bin}:/usr/bin:/bin` }, encoding: 'utf8' })
      .trim()
      .split('\n');
    expect(out).toEqual([`[${sshArgv.slice(1).join('][')}]`, `[${routeArgv.slice(1).join('][')}]`, '[--force][enable]']);
  });

  it('--undo is the inverse, last first', async () => {
    const dir = await tempDir();
    await writeSample(dir, 'id1');
    const t = await readTranscript(dir, 'id1');
    if (!t.ok) throw new Error(t.error);
    const lines = renderTranscriptUndoSh(t.value)
      .split('\n')
      .filter((l) => l.startsWith('ufw'));
    expect(lines).toEqual([
      'ufw disable',
      'ufw route delete allow proto tcp from any to 2001:db8::10 port 80',
      'ufw delete allow proto tcp from any to ::/0 port 22',
    ]);
    expect(renderTranscript(t.value, 'sh', true)).toBe(renderTranscriptUndoSh(t.value));
  });

  it('leaves failed commands out of the script and says the changes were rolled back', async () => {
    const dir = await tempDir();
    const w = await startTranscript(dir, start('id2'));
    if (!w.ok) throw new Error(w.error);
    await w.value.append({ type: 'step', when: WHEN, phase: 'apply', kind: 'ssh', undoArgv: null, record: record(0, ['ufw', 'allow', '22'], 'ssh') });
    await w.value.append({
      type: 'step',
      when: WHEN,
      phase: 'apply',
      kind: 'route',
      undoArgv: null,
      record: record(1, ['ufw', 'route', 'allow', 'bad'], 'bad one', 1),
    });
    await w.value.append({
      type: 'step',
      when: WHEN,
      phase: 'rollback',
      kind: null,
      undoArgv: null,
      record: record(0, ['ufw', '--force', 'disable'], 'disable again'),
    });
    await w.value.append({ type: 'outcome', when: WHEN, outcome: 'failed', detail: 'step 2 failed: bad one', failedStep: 1, by: 'alice' });
    const t = await readTranscript(dir, 'id2');
    if (!t.ok) throw new Error(t.error);
    const script = renderTranscriptSh(t.value);
    expect(script).toContain('# these commands were rolled back on that host afterwards');
    expect(script.split('\n').filter((l) => l.startsWith('ufw'))).toEqual(['ufw allow 22']);
    const text = renderTranscript(t.value, 'text', false);
    expect(text).toContain('[rollback] disable again');
    expect(text).toContain('failed (by alice): step 2 failed: bad one');
    expect(await readFile(t.value.path, 'utf8')).toContain('"failedStep":1');
  });
});

describe('a step that writes a file from its standard input (the DOCKER-USER block)', () => {
  it('is replayed by the sh script, and undone by --undo, byte for byte', async () => {
    const dir = await tempDir();
    const target = join(dir, 'after6.rules');
    const before = "*filter\n# it's $(not run)\nCOMMIT\n";
    const after = "*filter\n# BEGIN v6wall DOCKER-USER block\n-A DOCKER-USER -j ufw6-user-forward\n# END v6wall DOCKER-USER block\n# it's $(not run)\nCOMMIT\n";
    const t = await startTranscript(dir, start('file1'));
    if (!t.ok) throw new Error(t.error);
    const write = { ...record(0, ['cp', '/dev/stdin', target], 'Put the block in after6.rules'), input: after };
    await t.value.append({
      type: 'step',
      when: WHEN,
      phase: 'apply',
      kind: 'integration',
      undoArgv: ['cp', '/dev/stdin', target],
      undoInput: before,
      record: write,
    });
    const read = await readTranscript(dir, 'file1');
    if (!read.ok) throw new Error(read.error);

    await writeFile(target, before);
    const script = join(dir, 'apply.sh');
    await writeFile(script, renderTranscriptSh(read.value));
    execFileSync('sh', [script]);
    expect(await readFile(target, 'utf8')).toBe(after);

    await writeFile(script, renderTranscriptUndoSh(read.value));
    execFileSync('sh', [script]);
    expect(await readFile(target, 'utf8')).toBe(before);
  });
});
