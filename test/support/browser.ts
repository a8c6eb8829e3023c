/**
 * Browser tests drive Debian's Chromium (/usr/bin/chromium) through playwright-core; no browser is
 * ever downloaded. `playwright-core`'s own `chromium.launch()` (a pipe to the browser) works under
 * Deno 2.8.3, so no CDP workaround is needed. Page errors and console errors are collected so a
 * test can fail on them, and screenshots go to .artifacts/screenshots/.
 */
import { type Browser, chromium, type Page } from "playwright-core";
import { ROOT_PATH } from "./infra.ts";

export const CHROMIUM_PATH = "/usr/bin/chromium";
export const SCREENSHOT_DIR = `${ROOT_PATH}.artifacts/screenshots`;

/** A tablet in landscape, as in the kitchen. */
export const TABLET = { width: 1280, height: 800 } as const;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      "--headless=new",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** A page plus what went wrong inside it (uncaught errors, console errors). */
export interface WatchedPage {
  readonly page: Page;
  readonly errors: string[];
}

/**
 * Opens `url` in a fresh browser context (its own storage, like a separate tablet).
 * `beforeLoad` runs before navigation, e.g. to watch requests from the very first one.
 */
export async function openPage(
  browser: Browser,
  url: string,
  options: { viewport?: { width: number; height: number }; beforeLoad?: (page: Page) => void } = {},
): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: options.viewport ?? TABLET });
  const page = await context.newPage();
  options.beforeLoad?.(page);
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    // A refused WebSocket or fetch while the hub is down is expected; other errors are not.
    if (message.type() === "error" && !/WebSocket|Failed to load resource/.test(message.text())) {
      errors.push(`console: ${message.text()}`);
    }
  });
  await page.goto(url);
  return { page, errors };
}

/**
 * Saves a PNG of the viewport (or the whole page) as .artifacts/screenshots/<name>.png and
 * returns its path.
 */
export async function screenshot(page: Page, name: string, fullPage = false): Promise<string> {
  await Deno.mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = `${SCREENSHOT_DIR}/${name.replace(/[^a-z0-9_-]+/gi, "_")}.png`;
  await page.screenshot({ path, fullPage });
  return path;
}
