// Keypress to frame with 1,000 containers in the list: the time from a key
// reaching Ink's stdin to the frame that shows its effect, through the real
// Wizard, Ink's real renderer (throttled as in a terminal) and React's
// production build, as in the bundle. Prints numbers; asserts nothing.
process.env.NODE_ENV = 'production';

const [{ createElement }, { Wizard }, { renderAt, KEYS, tick }, { fakeDeps, testUiOptions }, { manyContainersFacts }] = await Promise.all([
  import('react'),
  import('../src/ui/wizard.js'),
  import('../test/ui/ink-harness.js'),
  import('../test/ui/fake-deps.js'),
  import('../test/ui/facts.js'),
]);

const COUNT = 1000;
const PRESSES = 40;
// Keys further apart than Ink's 30 fps throttle, as a person types.
const GAP_MS = 60;

const facts = manyContainersFacts(COUNT);
const app = renderAt(createElement(Wizard, { deps: fakeDeps(facts).deps, options: { ...testUiOptions, animate: false }, onExit: () => undefined }), {
  columns: 100,
  rows: 40,
  debug: false,
});
await tick(50);
for (const key of [KEYS.enter, KEYS.enter, KEYS.enter]) {
  await app.press(key);
  await tick(GAP_MS);
}
if (!app.lastFrame().includes(`${COUNT} containers`)) throw new Error(`the containers screen did not show: ${JSON.stringify(app.lastFrame().slice(0, 400))}`);

async function measure(keys: readonly string[]): Promise<number[]> {
  const times: number[] = [];
  for (const key of keys) {
    const frame = app.nextFrame().then(() => performance.now());
    const start = performance.now();
    await app.press(key);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no frame after key ${JSON.stringify(key)}`)), 2000);
    });
    const shownAt = await Promise.race([frame, late]);
    clearTimeout(timer);
    times.push(shownAt - start);
    await tick(GAP_MS);
  }
  return times;
}

function stats(label: string, times: number[]): void {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  console.log(`${label.padEnd(34)} n=${sorted.length}  median ${at(0.5).toFixed(1)} ms  p90 ${at(0.9).toFixed(1)} ms  max ${at(1).toFixed(1)} ms`);
}

const downs = await measure(Array.from({ length: PRESSES }, (_, index) => (index % 10 === 9 ? KEYS.pageDown : 'j')));
const toggles = await measure(Array.from({ length: PRESSES }, () => KEYS.space));
// Every key changes the frame: filters typed, then erased back to empty.
const typeAndErase = (text: string): string[] => [...text, ...Array.from({ length: text.length }, () => KEYS.backspace)];
const filter = await measure(['/', ...typeAndErase('app-0'), ...typeAndErase('app-00'), ...typeAndErase('app-1')]);
console.log(`keypress to frame, ${COUNT} containers, target median <= 30 ms (NODE_ENV=production)`);
stats('move (j, PgDn)', downs);
stats('toggle (space)', toggles);
stats('filter typing / erasing', filter);
stats('all', [...downs, ...toggles, ...filter]);
app.unmount();
