import type { ChoiceError } from './choices.js';

export type Result<T, E = ChoiceError[]> = { ok: true; value: T } | { ok: false; errors: E };
