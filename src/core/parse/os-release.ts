import { splitLines } from './parsed.js';

export interface OsRelease {
  id: string | null;
  /** ID plus the distributions it says it is like (ID_LIKE), lowercased. */
  family: string[];
}

/** /etc/os-release (KEY=value, values optionally quoted). */
export function parseOsRelease(text: string): OsRelease {
  const values = new Map<string, string>();
  for (const line of splitLines(text)) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match) values.set(match[1] ?? '', (match[2] ?? '').replace(/^["']|["']$/g, ''));
  }
  const id = values.get('ID')?.toLowerCase() || null;
  const like = (values.get('ID_LIKE') ?? '')
    .toLowerCase()
    .split(/\s+/)
    .filter((word) => word !== '');
  return { id, family: id === null ? like : [id, ...like] };
}

/** The command that installs ufw on this distribution. */
export function ufwInstallHint(os: OsRelease): string {
  const is = (name: string): boolean => os.family.includes(name);
  if (is('debian') || is('ubuntu')) return 'apt-get install ufw';
  if (is('fedora') || is('rhel') || is('centos')) return 'dnf install ufw (from EPEL on RHEL-like systems)';
  if (is('arch')) return 'pacman -S ufw';
  if (is('alpine')) return 'apk add ufw';
  if (is('suse') || is('opensuse')) return 'zypper install ufw';
  return "install ufw with this system's package manager";
}
