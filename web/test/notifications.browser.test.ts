/**
 * Notification settings and desktop notifications in a real browser (issue 14 items 4 and 7):
 * Account settings → Notifications saves each choice (read back through the API, and shown again
 * after a reload); the permission is asked only from there, never on load; a channel's
 * Notification preferences dialog and the Mute/Unmute items (channel menu, sidebar options) change
 * the membership's notify props (read back through the API); a muted channel is dimmed with a
 * bell-off icon, is not bold for new messages but counts mentions, and a change made elsewhere
 * reaches the page. Desktop notifications: the permission granted through the browser context,
 * the page hidden (document.visibilityState), posts by another user through the API; the page's
 * window.Notification is wrapped to record what is constructed (the only observation point a
 * headless browser offers). Skipped (one "[skip]" line) without chromium.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, Page } from 'playwright-core';
import { browserUnavailable, type Client, contrastProblems, ensureWebBuilt, eventually, launch, logIn, openClient, startServer } from './harness.ts';
import type { ServerProcess } from '../../test/process.ts';

const skip = browserUnavailable();
let server: ServerProcess;
let browser: Browser;
const PW = 'notify test password 1';
const tokens: Record<string, string> = {};
const ids: Record<string, string> = {};
const ch: Record<string, string> = {};
let teamId = '';
const open: Client[] = [];

async function api(who: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { ...(tokens[who] ? { authorization: `Bearer ${tokens[who]}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as any };
}
const settings = async () => (await api('ada', 'GET', `/users/${ids.ada}/notify_props`)).body as { notify_props: Record<string, string>; email_interval: number };
/** Ada's notify props for a channel, as the server has them. */
async function channelProps(channelId: string): Promise<Record<string, string>> {
  const items = (await api('ada', 'GET', `/teams/${teamId}/channels`)).body.items as any[];
  return items.find((c) => c.id === channelId).member.notify_props;
}
async function post(who: string, channelId: string, message: string) {
  const r = await api(who, 'POST', `/channels/${channelId}/posts`, { message });
  assert.is(r.status, 201, JSON.stringify(r.body));
  return r.body as { id: string };
}
async function client(): Promise<Client> {
  const c = await openClient(browser, server.url);
  open.push(c);
  await c.page.addInitScript({ content: RECORDER });
  return c;
}
async function channelMenu(page: Page, item: string) {
  await page.click('button.ch-menu-btn');
  await page.click(`[role=menuitem]:has-text("${item}")`);
}
const sidebarItem = (page: Page, name: string) => page.locator(`.ch-item[data-channel="${name}"]`);

/**
 * Records every Notification the app constructs (and every permission request) in the page, and
 * lets the test set document.visibilityState. Runs before the app's scripts.
 */
const RECORDER = `(() => {
  const Real = window.Notification;
  window.__notes = [];
  window.__asked = 0;
  let vis = 'visible';
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => vis });
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => vis === 'hidden' });
  window.__setVisibility = (v) => { vis = v; document.dispatchEvent(new Event('visibilitychange')); };
  if (!Real) return;
  class Recorded extends Real {
    constructor(title, options) {
      window.__notes.push({ title, body: options && options.body, tag: options && options.tag, silent: !!(options && options.silent) });
      super(title, options);
      window.__last = this;
    }
  }
  Object.defineProperty(Recorded, 'permission', { get: () => Real.permission });
  Recorded.requestPermission = () => { window.__asked++; return Real.requestPermission(); };
  window.Notification = Recorded;
})();`;

const notes = (page: Page) => page.evaluate(() => (window as any).__notes as { title: string; body: string; tag: string; silent: boolean }[]);

test.before(async () => {
  if (skip) return;
  await ensureWebBuilt();
  server = await startServer();
  browser = await launch();
  for (const [u, name] of [['ada', 'Ada Lovelace'], ['bob', 'Bob Builder']]) {
    const r = await api('', 'POST', '/auth/register', { email: `${u}@example.com`, username: u, password: PW, display_name: name });
    assert.is(r.status, 201, JSON.stringify(r.body));
    tokens[u] = r.body.token;
    ids[u] = r.body.user.id;
  }
  const team = (await api('ada', 'POST', '/teams', { name: 'lab', display_name: 'Lab', type: 'O' })).body;
  teamId = team.id;
  assert.ok((await api('bob', 'POST', `/teams/${teamId}/join`, {})).status < 300);
  const chans = (await api('ada', 'GET', `/teams/${teamId}/channels`)).body.items as any[];
  ch['town-square'] = chans.find((c) => c.name === 'town-square').id;
  for (const name of ['quiet-room', 'noisy-room']) {
    ch[name] = (await api('ada', 'POST', '/channels', { team_id: teamId, name, display_name: name === 'quiet-room' ? 'Quiet Room' : 'Noisy Room', type: 'public' })).body.id;
    assert.ok((await api('bob', 'POST', `/channels/${ch[name]}/join`)).status < 300);
  }
  ch.dm = (await api('bob', 'POST', '/channels/direct', { user_id: ids.ada })).body.id;
});

test.after(async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
});

if (skip) {
  console.log(`[skip] notifications browser suite skipped: ${skip}`);
} else {
  test('account settings → Notifications: each choice saved, shown again after a reload; permission asked only from here', async () => {
    const c = await client();
    await logIn(c.page, 'ada', PW);
    await c.page.waitForURL('**/lab/channels/town-square');
    await c.page.goto('/settings');
    const section = c.page.locator('section.notify-settings');
    await section.locator('[role=status]', { hasText: 'Changes are saved' }).waitFor();
    // Defaults: desktop for mentions, email immediately, push for mentions, @channel on.
    assert.ok(await section.locator('input[name=desktop][value=mention]').isChecked());
    assert.ok(await section.locator('input[name=email][value="30"]').isChecked());
    assert.ok(await section.locator('input[name=push][value=mention]').isChecked());
    assert.ok(await section.locator('input[name=channel_mentions]').isChecked());
    assert.is(await c.page.evaluate(() => (window as any).__asked), 0, 'no permission request on load');
    assert.equal(await contrastProblems(c.page, 'section.notify-settings'), []);

    const saved = () => section.locator('[role=status]', { hasText: 'Changes are saved' }).waitFor();
    await section.locator('input[name=email][value="900"]').check();
    await eventually('every 15 minutes', async () => (await settings()).email_interval === 900);
    assert.is((await settings()).notify_props.email, 'true');
    await saved();
    await section.locator('input[name=email][value="0"]').check();
    await eventually('never', async () => (await settings()).email_interval === 0);
    assert.is((await settings()).notify_props.email, 'false');
    await saved();
    await section.locator('input[name=desktop][value=all]').check();
    await eventually('desktop all', async () => (await settings()).notify_props.desktop === 'all');
    await saved();
    await section.locator('input[name=desktop_sound]').uncheck();
    await eventually('no sound', async () => (await settings()).notify_props.desktop_sound === 'false');
    await saved();
    await section.locator('input[name=push][value=none]').check();
    await eventually('push none', async () => (await settings()).notify_props.push === 'none');
    await saved();
    await section.locator('input[name=channel_mentions]').uncheck();
    await eventually('@channel off', async () => (await settings()).notify_props.channel === 'false');
    await saved();

    await c.page.reload();
    await section.locator('[role=status]', { hasText: 'Changes are saved' }).waitFor();
    assert.ok(await section.locator('input[name=email][value="0"]').isChecked());
    assert.ok(await section.locator('input[name=desktop][value=all]').isChecked());
    assert.not.ok(await section.locator('input[name=desktop_sound]').isChecked());
    assert.ok(await section.locator('input[name=push][value=none]').isChecked());
    assert.not.ok(await section.locator('input[name=channel_mentions]').isChecked());
    // Back to immediately: email on again.
    await section.locator('input[name=email][value="30"]').check();
    await eventually('immediately', async () => (await settings()).email_interval === 30 && (await settings()).notify_props.email === 'true');

    // The browser has not been asked yet (headless: "default" or "denied"); the button asks it.
    const perm = await c.page.evaluate(() => Notification.permission);
    if (perm === 'default') {
      await section.locator('button', { hasText: 'Allow desktop notifications' }).click();
      await eventually('asked once', async () => (await c.page.evaluate(() => (window as any).__asked)) === 1);
    } else assert.ok(await section.locator(`[data-permission="${perm}"]`).isVisible());
    await c.ctx.close();
  });

  test('channel notification preferences and mute: saved to the membership, muted channel dimmed but mentions counted', async () => {
    const c = await client();
    await logIn(c.page, 'ada', PW);
    await c.page.waitForURL('**/lab/channels/town-square');
    await c.page.goto('/lab/channels/quiet-room');
    await c.page.locator('main.chan[data-channel="quiet-room"]').waitFor();
    await channelMenu(c.page, 'Notification preferences');
    const dlg = c.page.locator('[role=dialog][aria-label="Notification preferences: Quiet Room"]');
    await dlg.waitFor();
    // "Default" names the account setting it follows (desktop: all, set in the previous test).
    assert.match(await dlg.locator('select[name=desktop] option[value=default]').innerText(), 'Default (all activity)');
    assert.equal(await contrastProblems(c.page, '[role=dialog]'), []);
    await dlg.locator('select[name=desktop]').selectOption('none');
    await dlg.locator('select[name=email]').selectOption('false');
    await dlg.locator('select[name=push]').selectOption('all');
    await dlg.locator('select[name=ignore_channel_mentions]').selectOption('on');
    await dlg.locator('button[type=submit]').click();
    await dlg.waitFor({ state: 'detached' });
    let p = await channelProps(ch['quiet-room']!);
    assert.equal([p.desktop, p.email, p.push, p.ignore_channel_mentions, p.mark_unread ?? 'all'], ['none', 'false', 'all', 'on', 'all']);

    // Mute from the channel menu.
    await channelMenu(c.page, 'Mute channel');
    await eventually('muted', async () => (await channelProps(ch['quiet-room']!)).mark_unread === 'mention');
    const item = sidebarItem(c.page, 'quiet-room');
    await c.page.locator('.ch-item.muted-ch[data-channel="quiet-room"] svg[aria-label="muted"]').waitFor();
    // Reopened, the dialog shows what was saved.
    await channelMenu(c.page, 'Notification preferences');
    assert.ok(await dlg.locator('input[name=mute]').isChecked());
    assert.is(await dlg.locator('select[name=desktop]').inputValue(), 'none');
    await c.page.keyboard.press('Escape');

    // In another channel, new messages there do not make it bold; a mention still counts.
    await c.page.goto('/lab/channels/town-square');
    await c.page.locator('main.chan[data-channel="town-square"]').waitFor();
    await post('bob', ch['quiet-room']!, 'nothing for ada');
    await post('bob', ch['quiet-room']!, '@ada this one is for you');
    await item.locator('.badge', { hasText: '1' }).waitFor();
    assert.not.ok(await item.evaluate((e) => e.classList.contains('unread')), 'not bold');
    assert.ok(await item.evaluate((e) => e.classList.contains('muted-ch')));

    // Unmute from the sidebar's channel options.
    const li = c.page.locator('li', { has: item });
    await li.hover();
    await li.locator('button.sb-ch-menu').click();
    await li.locator('[role=menuitem]', { hasText: 'Unmute channel' }).click();
    await eventually('unmuted', async () => (await channelProps(ch['quiet-room']!)).mark_unread === 'all');
    await c.page.locator('.ch-item.unread:not(.muted-ch)[data-channel="quiet-room"]').waitFor();

    // A change made elsewhere (the API, as another client would) reaches the page.
    assert.is((await api('ada', 'PUT', `/channels/${ch['noisy-room']}/members/me/notify_props`, { mark_unread: 'mention' })).status, 200);
    await c.page.locator('.ch-item.muted-ch[data-channel="noisy-room"]').waitFor();
    assert.is((await api('ada', 'PUT', `/channels/${ch['noisy-room']}/members/me/notify_props`, { mark_unread: 'all' })).status, 200);
    await c.page.locator('.ch-item:not(.muted-ch)[data-channel="noisy-room"]').waitFor();
    p = await channelProps(ch['quiet-room']!);
    assert.is(p.desktop, 'none');
    await c.ctx.close();
  });

  test('desktop notifications: only while hidden, as the user and channel settings say, never for own posts or muted channels; a click opens the message', async () => {
    // Ada's account: desktop for mentions, with sound; the channels as left by the previous
    // test (quiet-room: desktop never; noisy-room: default).
    assert.is((await api('ada', 'PATCH', `/users/${ids.ada}/notify_props`, { notify_props: { desktop: 'mention', desktop_sound: 'true' } })).status, 200);
    const c = await client();
    await c.ctx.grantPermissions(['notifications'], { origin: server.url });
    await logIn(c.page, 'ada', PW);
    await c.page.waitForURL('**/lab/channels/town-square');
    await c.page.locator('main.chan[data-channel="town-square"]').waitFor();
    assert.is(await c.page.evaluate(() => Notification.permission), 'granted');
    assert.is(await c.page.evaluate(() => (window as any).__asked), 0, 'no permission request on load');
    const hide = () => c.page.evaluate(() => (window as any).__setVisibility('hidden'));
    /** Posts `last` (which must notify) and waits for its notification: everything posted before it has been handled. */
    async function until(who: string, channel: string, last: string) {
      const p = await post(who, ch[channel]!, last);
      await eventually(`a notification for "${last}"`, async () => (await notes(c.page)).some((n) => n.tag === p.id));
      return p;
    }

    // Visible: nothing, even for a mention.
    const seen = await post('bob', ch['town-square']!, '@ada while you look');
    await c.page.locator(`.post[data-post-id="${seen.id}"]`).waitFor();
    await hide();
    // Hidden, desktop "mentions": a plain message and ada's own mention of herself show nothing.
    await post('bob', ch['town-square']!, 'just chatting');
    await post('ada', ch['town-square']!, 'note to self @ada');
    const m1 = await until('bob', 'town-square', '@ada can you **review** this?');
    let got = await notes(c.page);
    assert.equal(got, [{ title: 'Town Square', body: 'Bob Builder: @ada can you review this?', tag: m1.id, silent: false }]);

    // A direct message is a mention; its title is the sender.
    const dm = await until('bob', 'dm', 'psst');
    assert.equal((await notes(c.page)).at(-1), { title: 'Bob Builder', body: 'psst', tag: dm.id, silent: false });

    // Channel says never (quiet-room), muted (noisy-room): a mention shows nothing there.
    await post('bob', ch['quiet-room']!, '@ada not on desktop');
    assert.is((await api('ada', 'PUT', `/channels/${ch['noisy-room']}/members/me/notify_props`, { mark_unread: 'mention' })).status, 200);
    await eventually('muted in the page', async () => c.page.locator('.ch-item.muted-ch[data-channel="noisy-room"]').count().then((n) => n === 1));
    await post('bob', ch['noisy-room']!, '@ada muted here');
    // Account "all activity", no sound: a plain message notifies, silently.
    assert.is((await api('ada', 'PATCH', `/users/${ids.ada}/notify_props`, { notify_props: { desktop: 'all', desktop_sound: 'false' } })).status, 200);
    await c.page.reload();
    await c.page.locator('main.chan[data-channel="town-square"]').waitFor();
    await hide();
    await post('bob', ch['noisy-room']!, 'still muted');
    const plain = await until('bob', 'town-square', 'a plain message');
    got = await notes(c.page);
    assert.equal(got, [{ title: 'Town Square', body: 'Bob Builder: a plain message', tag: plain.id, silent: true }], 'only the plain message since the reload');

    // The channel overrides the account: "mention" in noisy-room (unmuted) ignores plain messages.
    assert.is((await api('ada', 'PUT', `/channels/${ch['noisy-room']}/members/me/notify_props`, { mark_unread: 'all', desktop: 'mention' })).status, 200);
    await eventually('unmuted in the page', async () => c.page.locator('.ch-item.muted-ch[data-channel="noisy-room"]').count().then((n) => n === 0));
    await post('bob', ch['noisy-room']!, 'plain in noisy');
    const target = await until('bob', 'noisy-room', 'hey @ada, over here');
    got = await notes(c.page);
    assert.equal(got.map((n) => n.body), ['Bob Builder: a plain message', 'Bob Builder: hey @ada, over here']);

    // A click brings the tab forward and opens the message.
    await c.page.evaluate(() => (window as any).__last.onclick());
    await c.page.waitForURL('**/lab/channels/noisy-room');
    await c.page.locator(`.post[data-post-id="${target.id}"]`).waitFor();
    assert.equal(c.problems, []);
    await c.ctx.close();
  });

  test('no page logged an error', () => {
    for (const c of open) assert.equal(c.problems, []);
  });
}

test.run();
