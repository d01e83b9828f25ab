// The wizard's memory between runs (remembered.ts), kept by `conf` in the state directory as
// wizard-memory.json. Loaded only by the wizard, after its first frame (conf and its JSON-schema
// validator take about 90 ms to import). Nothing the root watchdog reads lives here.
import { join } from 'node:path';
import type { Recalled, Remembered } from '../ui/remembered.js';

export const WIZARD_MEMORY_NAME = 'wizard-memory';

export function wizardMemoryPath(stateDir: string): string {
  return join(stateDir, `${WIZARD_MEMORY_NAME}.json`);
}

const OPTION = {
  oneOf: [
    { type: 'object', properties: { exposure: { const: 'route' } }, required: ['exposure'], additionalProperties: false },
    {
      type: 'object',
      properties: { exposure: { const: 'publish' }, hostPort: { type: 'integer', minimum: 1, maximum: 65535 } },
      required: ['exposure', 'hostPort'],
      additionalProperties: false,
    },
    { type: 'object', properties: { exposure: { const: 'skip' } }, required: ['exposure'], additionalProperties: false },
  ],
} as const;

const SCHEMA = {
  exposures: {
    type: 'object',
    additionalProperties: {
      type: 'object',
      properties: {
        container: { type: 'string' },
        port: { type: 'integer', minimum: 1, maximum: 65535 },
        proto: { enum: ['tcp', 'udp'] },
        option: OPTION,
        sources: { type: 'array', items: { type: 'string' } },
      },
      required: ['container', 'port', 'proto', 'option', 'sources'],
      additionalProperties: false,
    },
  },
} as const;

async function openStore(stateDir: string, clearInvalid: boolean) {
  const { default: Conf } = await import('conf');
  return new Conf<Remembered>({
    cwd: stateDir,
    configName: WIZARD_MEMORY_NAME,
    // conf's types want the schema's value types spelled out; the shape above is what it checks.
    schema: SCHEMA as never,
    defaults: { exposures: {} },
    clearInvalidConfig: clearInvalid,
    configFileMode: 0o600,
  });
}

/** Cannot write there (not root, a read-only state directory): nothing is remembered, and that is no news. */
function unwritable(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'EACCES' || code === 'EPERM' || code === 'EROFS';
}

export async function recallWizardMemory(stateDir: string): Promise<Recalled> {
  try {
    const store = await openStore(stateDir, false);
    return { remembered: { exposures: store.get('exposures') }, note: null };
  } catch (error) {
    if (unwritable(error)) return { remembered: { exposures: {} }, note: null };
    const reason =
      error instanceof SyntaxError
        ? 'not valid JSON'
        : error instanceof Error
          ? error.message.replace(/^Config schema violation: /, 'unexpected content: ')
          : String(error);
    return {
      remembered: { exposures: {} },
      note: `The choices remembered from the last run were ignored: ${wizardMemoryPath(stateDir)} could not be read (${reason}). It is written afresh at the preview.`,
    };
  }
}

export async function rememberWizardChoices(stateDir: string, remembered: Remembered): Promise<void> {
  try {
    const store = await openStore(stateDir, true);
    store.set('exposures', remembered.exposures);
  } catch (error) {
    if (!unwritable(error)) throw error;
  }
}
