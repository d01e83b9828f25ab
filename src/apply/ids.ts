import { randomBytes, randomInt } from 'node:crypto';

/** A sortable id: UTC time to the millisecond plus a random suffix, e.g. 20261122T190300.123Z-3f9a. */
export function newId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '');
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

// No 0/O, 1/I/L: the code is read off one screen and typed into another.
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

export function newConfirmCode(length = 6): string {
  let code = '';
  for (let i = 0; i < length; i += 1) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

export function sameConfirmCode(expected: string, given: string): boolean {
  return expected.toUpperCase() === given.trim().toUpperCase();
}

/** Ids become file names: refuse anything that could leave the folder. */
export function isSafeId(id: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$/.test(id);
}
