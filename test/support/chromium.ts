/**
 * The Chromium the browser tests drive with playwright-core: CHROMIUM_PATH, else Debian's
 * package. Without one, those tests are skipped with a message saying how to get it.
 */
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => !!p);
const executablePath = CANDIDATES.find((p) => fs.existsSync(p));

// Offline and quiet: no sync, no component updates, no field trials phoning home.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** `describe` when a Chromium is installed, else `describe.skip` after a warning naming `what` is skipped. */
export function describeWithChromium(what: string): jest.Describe {
  if (executablePath) return describe;
  console.warn(
    `Skipping the ${what}: no Chromium at ${CANDIDATES.join(' or ')}. Install it (Debian: apt-get install chromium) or set CHROMIUM_PATH.`,
  );
  return describe.skip;
}

/** Starts the installed Chromium headless (only call it inside describeWithChromium). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS });
}
