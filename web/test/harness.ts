/**
 * Shared pieces of the browser suites and `npm run screenshots`: find Chromium, make sure the web
 * build is current, start a server process, and open browser contexts.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { spawnServer, type ServerProcess, BINARY } from '../../test/process.ts';

export const CHROMIUM = process.env.RUSTCHAT_CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];
const root = new URL('../..', import.meta.url).pathname;

/** Why the browser suite cannot run here, or undefined when it can. */
export function browserUnavailable(): string | undefined {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} not found (apt-get install chromium)`;
  return undefined;
}

function newest(dir: string): number {
  let t = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    t = Math.max(t, st.isDirectory() ? newest(p) : st.mtimeMs);
  }
  return t;
}

/**
 * Builds dist/web when it is missing or older than web/ (the source-mode server serves it).
 * CI builds everything first (`npm run build`), so this is a no-op there.
 */
const webSourcesTime = () => Math.max(newest(join(root, 'web/src')), statSync(join(root, 'web/index.html')).mtimeMs, statSync(join(root, 'src/realtime/reducer.ts')).mtimeMs);

/**
 * Whether to run dist/rustchat: when it exists, RUSTCHAT_TEST_SOURCE is unset, and it is newer
 * than the web client's sources (an older executable carries an older client: use the source
 * server, which serves a fresh dist/web).
 */
export function useBinary(): boolean {
  return existsSync(BINARY) && !process.env.RUSTCHAT_TEST_SOURCE && statSync(BINARY).mtimeMs >= webSourcesTime();
}

export async function ensureWebBuilt(): Promise<void> {
  const index = join(root, 'dist/web/index.html');
  if (useBinary()) return; // the executable carries its own copy of the web client
  if (existsSync(index) && statSync(index).mtimeMs >= webSourcesTime()) return;
  const mod = (await import(join(root, 'scripts/build-web.mjs'))) as { buildWeb(out: string): Promise<unknown> };
  await mod.buildWeb(join(root, 'dist/web'));
}

export async function startServer(o: { dataDir?: string; port?: number; env?: Record<string, string | undefined> } = {}): Promise<ServerProcess> {
  return spawnServer({
    binary: useBinary(),
    dataDir: o.dataDir,
    args: o.port ? ['--port', String(o.port)] : [],
    env: { RUSTCHAT_LOG_LEVEL: 'info', ...o.env },
    timeoutMs: 60_000,
  });
}

export async function launch(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

export interface Client {
  ctx: BrowserContext;
  page: Page;
  /** Console errors, page errors and CSP violations seen so far. */
  problems: string[];
  dialogs: string[];
}

export async function openClient(browser: Browser, base: string, viewport = { width: 1280, height: 800 }, colorScheme: 'light' | 'dark' = 'light'): Promise<Client> {
  const ctx = await browser.newContext({ baseURL: base, viewport, colorScheme });
  ctx.setDefaultTimeout(15_000);
  const page = await ctx.newPage();
  const problems: string[] = [];
  const dialogs: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource|WebSocket connection to/.test(m.text())) problems.push(`console: ${m.text()}`);
    if (/Content Security Policy|Refused to/.test(m.text())) problems.push(`csp: ${m.text()}`);
  });
  if (process.env.BROWSER_DEBUG) {
    page.on('console', (m) => console.log(`[page ${base}] ${m.type()}: ${m.text()}`));
    page.on('websocket', (ws) => ws.on('framereceived', (f) => console.log(`[ws<] ${String(f.payload).slice(0, 400)}`)));
  }
  page.on('dialog', (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  return { ctx, page, problems, dialogs };
}

/** Types a message in the channel composer, sends it, and waits until the server has it. */
export async function sendMessage(page: Page, text: string, composer = 'textarea[aria-label="Write a message"]') {
  await page.fill(composer, text);
  await page.press(composer, 'Enter');
  await page.locator('.post[data-post-id]', { hasText: text.split('\n')[0]!.replace(/[*_`~]/g, '').slice(0, 40) }).first().waitFor();
}

export async function signUp(page: Page, u: { email: string; username: string; password: string; display_name?: string }) {
  await page.waitForSelector('input[name=email]');
  await page.fill('input[name=email]', u.email);
  await page.fill('input[name=username]', u.username);
  if (u.display_name) await page.fill('input[name=display_name]', u.display_name);
  await page.fill('input[name=password]', u.password);
  await page.click('button[type=submit]');
}
