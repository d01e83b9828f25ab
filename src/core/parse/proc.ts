/** The parent pid from /proc/PID/stat ("pid (comm) state ppid ..."); comm may hold spaces and parentheses. */
export function parseProcStatParentPid(text: string): number | null {
  if (!text.includes(')')) return null;
  const ppidText =
    text
      .slice(text.lastIndexOf(')') + 1)
      .trim()
      .split(/\s+/)[1] ?? '';
  return /^\d{1,10}$/.test(ppidText) ? Number(ppidText) : null;
}

/** The one-letter state from /proc/PID/stat ("R", "S", "Z" for an exited, unreaped process...). */
export function parseProcStatState(text: string): string | null {
  if (!text.includes(')')) return null;
  const state =
    text
      .slice(text.lastIndexOf(')') + 1)
      .trim()
      .split(/\s+/)[0] ?? '';
  return /^[A-Za-z]$/.test(state) ? state : null;
}

/** /proc/sys/net/ipv4/ip_local_port_range ("32768\t60999"). */
export function parsePortRange(text: string): { low: number; high: number } | null {
  const [low, high] = text
    .trim()
    .split(/\s+/)
    .map((part) => (/^\d{1,5}$/.test(part) ? Number(part) : Number.NaN));
  return low !== undefined && high !== undefined && low <= high && low >= 1 && high <= 65535 ? { low, high } : null;
}
