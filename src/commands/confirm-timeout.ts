/** --confirm-timeout: long enough to open a second SSH session, at most a day. */
export function parseConfirmTimeout(text: string | undefined): number | string {
  if (text === undefined) return 120;
  if (!/^\d+$/.test(text) || Number(text) < 10 || Number(text) > 86_400) return `--confirm-timeout ${text}: expected whole seconds between 10 and 86400`;
  return Number(text);
}
