// The wizard remembers the last run's choices (per container port: the exposure and the sources typed)
// in its real store, conf's JSON file in the state directory, and offers them on the next run.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KEYS as K } from './ink-harness.js';
import { drive, menuUp, type Step } from './drive.js';
import { fakeDeps } from './fake-deps.js';
import { labFacts } from './facts.js';
import { wizardMemoryPath } from '../../src/apply/wizard-memory.js';

const E = K.enter;
const TO_CONTAINERS: Step[] = [E, E, E];

async function waitFor(check: () => boolean): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > 5000) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("the wizard's memory", () => {
  it('offers the last run’s exposure and sources as the defaults of the next run', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'v6wall-memory-test-'));
    const first = await drive(
      labFacts(),
      // web and api; web 80 by route (its menu, item 1); web 443 only from one network; then the preview.
      [...TO_CONTAINERS, K.space, K.down, K.space, E, K.space, ...menuUp('route'), '1', K.down, 'f', ...'2001:db8:abcd::/48', E, E, { until: 'would run' }],
      { deps: fakeDeps(labFacts(), { memoryDir: stateDir }).deps },
    );
    await waitFor(() => readFileSync(wizardMemoryPath(stateDir), 'utf8').includes('2001:db8:abcd::/48'));
    first.app.unmount();

    const second = await drive(labFacts(), [...TO_CONTAINERS, E], { deps: fakeDeps(labFacts(), { memoryDir: stateDir }).deps });
    const frame = second.app.lastFrame();
    expect(frame).toMatch(/web 80\/tcp\n\s+‹route› publish :8081/);
    expect(frame).toMatch(/web 443\/tcp\n\s+‹route› skip\s+from 2001:db8:abcd::\/48/);
    second.app.unmount();
  });

  it('goes on without them, and says so, when its file is corrupted', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'v6wall-memory-test-'));
    writeFileSync(wizardMemoryPath(stateDir), '{"exposures": {"web|80/tcp": {"container": "web", "port": "eighty"');
    const run = await drive(labFacts(), [], { deps: fakeDeps(labFacts(), { memoryDir: stateDir }).deps });
    expect(run.app.lastFrame().replace(/\s+/g, ' ')).toContain('The choices remembered from the last run were ignored');
    // The wizard goes on as on a first run: nothing chosen, every step reachable.
    await run.app.press(E, E, E);
    expect(run.app.lastFrame()).toContain('step 4 of 9');
    expect(run.app.lastFrame()).not.toContain('[x]');
    run.app.unmount();

    // Content of the wrong shape is refused the same way.
    writeFileSync(wizardMemoryPath(stateDir), JSON.stringify({ exposures: { 'web|80/tcp': { container: 'web', port: 'eighty' } } }));
    const again = await drive(labFacts(), [], { deps: fakeDeps(labFacts(), { memoryDir: stateDir }).deps });
    expect(again.app.lastFrame().replace(/\s+/g, ' ')).toContain('unexpected content');
    again.app.unmount();
  });
});
