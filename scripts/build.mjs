// `npm run build`: the CLI for Node in dist/ (an entry and chunks loaded on demand; all
// dependencies bundled, nothing to resolve at run time), its man page and its shell completions.
import { build } from 'esbuild';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { bundleOptions, DEVTOOLS_STUB, splitBundleOptions } from './bundle-options.mjs';

const pkg = JSON.parse(await readFile('package.json', 'utf8'));

await rm('dist', { recursive: true, force: true });
await mkdir('dist', { recursive: true });
await writeFile(DEVTOOLS_STUB, 'export default {};\n');
await build(splitBundleOptions('src/cli.tsx', 'dist'));
await chmod('dist/v6wall.js', 0o755);

// The man page and the completions, rendered from the command-line spec like --help.
const docs = await build({ ...bundleOptions('src/cli/docs.ts', 'docs.js'), banner: {}, write: false });
const { manPage, bashCompletion, zshCompletion } = await import(`data:text/javascript;base64,${Buffer.from(docs.outputFiles[0].contents).toString('base64')}`);
await mkdir('dist/man', { recursive: true });
await mkdir('dist/completions', { recursive: true });
await writeFile('dist/man/v6wall.8', manPage(pkg.version));
await writeFile('dist/completions/v6wall.bash', bashCompletion());
await writeFile('dist/completions/_v6wall', zshCompletion());
