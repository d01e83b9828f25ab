// Every lab test file ends by checking that the machine itself is as it was when the file began:
// its v6wall and UFW files, the nftables backend's file and units, and its own live firewall. A lab
// that writes outside its folders or namespaces fails here, named by its file.
import { afterAll, beforeAll, expect } from 'vitest';
import { fingerprint, liveFirewall, MACHINE_PATHS } from './machine-fingerprint.js';

let filesBefore: Record<string, string> = {};
let firewallBefore: Record<string, string> = {};

beforeAll(async () => {
  filesBefore = fingerprint(MACHINE_PATHS);
  firewallBefore = await liveFirewall();
});

afterAll(async () => {
  expect(fingerprint(MACHINE_PATHS), "the machine's own files changed during this lab file").toEqual(filesBefore);
  expect(await liveFirewall(), "the machine's own firewall changed during this lab file").toEqual(firewallBefore);
});
