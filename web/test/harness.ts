/**
 * Shared pieces of the browser suites and `npm run screenshots`: find Chromium, make sure the web
 * build is current, start a server process, and open browser contexts.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import * as assert from 'uvu/assert';
import { spawnServer, type ServerProcess, BINARY } from '../../test/process.ts';

export const CHROMIUM = process.env.RUSTCHAT_CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];
const root = new URL('../..', import.meta.url).pathname;

/** Why the browser suite cannot run here, or undefined when it can. */
export function browserUnavailable(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const why = `${CHROMIUM} not found (apt-get install chromium)`;
  // Under CI a missing browser is a failure, never a quiet skip: the web client would go untested.
  if (/^(1|true)$/i.test(process.env.CI ?? '')) throw new Error(`${why} (CI is set: the browser suites must run here, not skip)`);
  return why;
}

/**
 * When the web build is stale (scripts/web-sources.mjs, shared with the test runner, which
 * builds it before the suites; this check serves a suite run alone and `npm run screenshots`).
 */
const webSources = (await import(join(root, 'scripts/web-sources.mjs'))) as { webSourcesTime(root: string): number; webBuildIsCurrent(root: string): boolean };
const webSourcesTime = () => webSources.webSourcesTime(root);

/**
 * Whether to run dist/rustchat: when it exists, RUSTCHAT_TEST_SOURCE is unset, and it is newer
 * than the web client's sources (an older executable carries an older client: use the source
 * server, which serves a fresh dist/web).
 */
export function useBinary(): boolean {
  return existsSync(BINARY) && !process.env.RUSTCHAT_TEST_SOURCE && statSync(BINARY).mtimeMs >= webSourcesTime();
}

export async function ensureWebBuilt(): Promise<void> {
  if (useBinary()) return; // the executable carries its own copy of the web client
  if (webSources.webBuildIsCurrent(root)) return;
  const mod = (await import(join(root, 'scripts/build-web.mjs'))) as { buildWeb(out: string): Promise<unknown> };
  await mod.buildWeb(join(root, 'dist/web'));
}

export async function startServer(o: { dataDir?: string; port?: number; env?: Record<string, string | undefined> } = {}): Promise<ServerProcess> {
  return spawnServer({
    binary: useBinary(),
    dataDir: o.dataDir,
    args: o.port ? ['--port', String(o.port)] : [],
    // Its own Redis prefix (bus and rate limits): suites running at the same time, or earlier in
    // the same CI pass, share one Redis, and a password-reset limit spent by another suite's
    // bob@example.com silently suppressed this one's email.
    env: { RUSTCHAT_LOG_LEVEL: 'info', RUSTCHAT_REDIS_CHANNEL_PREFIX: `test-${randomBytes(6).toString('hex')}`, ...o.env },
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
  // 30 s: CI shares two cores with other work; a step that never comes still fails, only later.
  ctx.setDefaultTimeout(30_000);
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

export async function logIn(page: Page, loginId: string, password: string) {
  if (!/\/login/.test(page.url())) await page.goto('/login');
  await page.waitForSelector('input[name=login_id]');
  await page.fill('input[name=login_id]', loginId);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
}

/**
 * Text inside `scope` whose contrast with what is behind it is under WCAG AA (4.5:1; 3:1 for large
 * text), as "text (ratio)". The background is the first opaque one up the tree (translucent
 * layers are blended over it). Disabled controls are exempt (WCAG 1.4.3).
 */
export async function contrastProblems(page: Page, scope: string): Promise<string[]> {
  // A string, not a function: the test runner's transform would add helpers the page lacks.
  return page.evaluate(`(${CONTRAST_JS})(${JSON.stringify(scope)})`) as Promise<string[]>;
}

const CONTRAST_JS = String.raw`(sel) => {
    const parse = (c) => {
      const m = /rgba?\(([^)]+)\)/.exec(c);
      if (!m) return [0, 0, 0, 0];
      const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
      return [p[0], p[1], p[2], p[3] ?? 1];
    };
    const over = (top, under) => {
      const a = top[3];
      return [top[0] * a + under[0] * (1 - a), top[1] * a + under[1] * (1 - a), top[2] * a + under[2] * (1 - a), 1];
    };
    const background = (el) => {
      const layers = [];
      for (let e = el; e; e = e.parentElement) {
        const c = parse(getComputedStyle(e).backgroundColor);
        if (c[3] > 0) layers.push(c);
        if (c[3] >= 1) break;
      }
      let bg = [255, 255, 255, 1];
      for (const l of layers.reverse()) bg = over(l, bg);
      return bg;
    };
    const lum = ([r, g, b]) => {
      const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const out = [];
    for (const root of document.querySelectorAll(sel)) {
      const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const el = n.parentElement;
        if (!n.textContent?.trim() || el.closest('[disabled]') || !el.getClientRects().length) continue;
        const st = getComputedStyle(el);
        if (st.visibility === 'hidden' || Number(st.opacity) === 0) continue;
        const bg = background(el);
        const fg = over(parse(st.color), bg);
        const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
        const ratio = (hi + 0.05) / (lo + 0.05);
        const large = parseFloat(st.fontSize) >= 24 || (parseFloat(st.fontSize) >= 18.66 && Number(st.fontWeight) >= 700);
        if (ratio < (large ? 3 : 4.5)) out.push(n.textContent.trim().slice(0, 40) + ' (' + ratio.toFixed(2) + ')');
      }
    }
    return out;
}`;

/**
 * Waits until `check` is true (polled every 100 ms), or fails the test after `ms` — 30 s, like
 * every browser step: the CI machine is shared, so a wait is long and only a failure pays for it.
 */
export async function eventually(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  for (const until = Date.now() + ms; Date.now() < until; ) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  if (await check()) return;
  assert.unreachable(`never true: ${what}`);
}

/**
 * Holds the answers of requests matching `url`: each is fetched from the server at once (so it is
 * a snapshot of now) and reaches the page only after `release()`. With `first`, only the first
 * that many are held; later ones pass at once (an older answer landing after a newer one).
 */
export async function hold(page: Page, url: RegExp, first = Infinity) {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const h = { held: 0, delivered: 0, release: () => release() };
  let seen = 0;
  let busy = 0;
  const handler = async (route: Route) => {
    if (++seen > first) return route.continue();
    busy++;
    try {
      const res = await route.fetch();
      h.held++;
      await gate;
      await route.fulfill({ response: res });
      h.delivered++;
    } finally {
      busy--;
    }
  };
  await page.route(url, handler);
  return {
    ...h,
    get held() {
      return h.held;
    },
    get delivered() {
      return h.delivered;
    },
    async done() {
      release();
      // A request still on its way through the handler would be let go by unroute, and its
      // fulfil would then throw ("Route is already handled").
      while (busy) await new Promise((r) => setTimeout(r, 20));
      await page.unroute(url, handler);
    },
  };
}
