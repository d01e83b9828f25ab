/** A TCP or UDP port number: a whole number from 1 to 65535. */
export function isValidPort(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= 65535;
}

/** Parses a decimal port string strictly ("08" and "1e3" are refused). */
export function parsePort(text: string): number | null {
  if (!/^[1-9][0-9]{0,4}$/.test(text)) return null;
  const port = Number(text);
  return isValidPort(port) ? port : null;
}
