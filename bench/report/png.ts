/** Renders a report page to chart.png with Debian's headless Chromium (playwright-core). */
import fs from 'node:fs';
import { chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Screenshot of the whole page at `htmlPath`; false (and nothing written) when Chromium is not installed. */
export async function renderPng(htmlPath: string, pngPath: string): Promise<boolean> {
  if (!fs.existsSync(CHROMIUM)) return false;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 30_000 });
  try {
    const page = await browser.newPage({ viewport: { width: 1170, height: 900 } });
    // The page is self-contained: anything it tried to fetch would be a bug, so nothing is allowed.
    await page.route('**/*', (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));
    await page.goto(`file://${htmlPath}`, { waitUntil: 'load', timeout: 30_000 });
    await page.screenshot({ path: pngPath, fullPage: true });
    return true;
  } finally {
    await browser.close();
  }
}
