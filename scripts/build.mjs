// Bundles the CLI into one file: the fastest start, and nothing to resolve at run time.
import { build } from 'esbuild';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { bundleOptions, DEVTOOLS_STUB } from './bundle-options.mjs';

await mkdir('dist', { recursive: true });
await writeFile(DEVTOOLS_STUB, 'export default {};\n');
await build(bundleOptions('src/cli.tsx', 'dist/v6wall.js'));
await chmod('dist/v6wall.js', 0o755);
