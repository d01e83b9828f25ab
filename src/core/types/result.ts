import type { ChoiceError } from './choices.js';

/**
 * A value, or why there is none: `errors` when the reasons are a list (by default the refused
 * choices), `error` when the reason is one message.
 */
export type Result<T, E = ChoiceError[]> = { ok: true; value: T } | ([E] extends [string] ? { ok: false; error: E } : { ok: false; errors: E });
