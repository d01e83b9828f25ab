/** What every parser returns: as much as it could read, plus plain-words warnings about the rest. */
export interface Parsed<T> {
  value: T;
  warnings: string[];
}

/** One line of a tool's output, shortened so a warning stays readable. */
export function quoteLine(line: string, max = 120): string {
  const trimmed = line.trim();
  return trimmed.length > max ? `"${trimmed.slice(0, max)}…"` : `"${trimmed}"`;
}

export function splitLines(text: string): string[] {
  return text.split(/\r?\n/);
}
