import { describe, expect, it } from 'vitest';
import { run } from '../../src/commands/plan.js';
import { settledFacts } from '../ui/facts.js';

describe('v6wall plan', () => {
  it('with no flags on a host already set up, says nothing runs and which openings stay', async () => {
    let out = '';
    const code = await run([], { stdout: (text) => void (out += text), stderr: () => undefined, env: {} }, async () => settledFacts());
    expect(code).toBe(0);
    expect(out).toContain('Nothing to do');
    expect(out).toMatch(/Open after this plan \(v6wall's openings not named stay as they are/);
    expect(out).toMatch(/^ {2}SSH \d+\/tcp from any$/m);
  });
});
