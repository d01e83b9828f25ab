// Reading JSON of unknown shape without trusting it: every accessor returns null on a mismatch.

export type JsonRecord = Record<string, unknown>;

export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An own property only, so keys like "constructor" never reach Object.prototype. */
export function field(record: unknown, key: string): unknown {
  return isRecord(record) && Object.hasOwn(record, key) ? record[key] : undefined;
}

export function stringField(record: unknown, key: string): string | null {
  const value = field(record, key);
  return typeof value === 'string' ? value : null;
}

export function booleanField(record: unknown, key: string): boolean | null {
  const value = field(record, key);
  return typeof value === 'boolean' ? value : null;
}

export function recordField(record: unknown, key: string): JsonRecord | null {
  const value = field(record, key);
  return isRecord(value) ? value : null;
}

export function arrayField(record: unknown, key: string): unknown[] | null {
  const value = field(record, key);
  return Array.isArray(value) ? value : null;
}
