/** Docker's own rule for container names: [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
export function isValidContainerName(name: string): boolean {
  return /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name) && name.length <= 255;
}
