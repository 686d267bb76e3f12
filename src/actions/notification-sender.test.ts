import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testApp } from '../../test/app.ts';
import { fxChannel, fxTeam, fxUser, type FxUser } from '../../test/fixtures.ts';
import { notificationEmailPass, USERS_PER_PASS } from './notification-emails.ts';
import { startNotificationSender, type NotificationSender } from './notification-sender.ts';
import type { Deps } from '../deps.ts';

// The sender's scheduling: posts kick it, and a burst of kicks shares one pass. The emails
// themselves are covered end to end by notification-emails.test.ts; here they stay queued in
// the outbox (no worker sends them), where each post's notification is looked for.
const GAP = 1500;
const t = await testApp({ config: { 'server.site_url': 'https://chat.example.com' } });
const ada = await fxUser(t.deps, { username: 'ada' });
const recipients = [await fxUser(t.deps, { username: 'bob' }), await fxUser(t.deps, { username: 'cy' }), await fxUser(t.deps, { username: 'dan' })];
const team = await fxTeam(t.deps, ada, { name: 'acme', members: recipients });
const general = await fxChannel(t.deps, team.id, ada, { name: 'general', members: recipients });

/** Pass start times (ms, performance.now()) of the sender under test. */
let passes: number[] = [];
let sender: NotificationSender | undefined;
const start = () => {
  sender = startNotificationSender(t.deps, {
    pollMs: 60_000,
    minGapMs: GAP,
    pass: (deps: Deps) => {
      passes.push(performance.now());
      return notificationEmailPass(deps);
    },
  });
};

async function post(u: FxUser, message: string) {
  const r = await t.req('POST', `/api/v1/channels/${general.id}/posts`, { token: u.token, body: { message } });
  assert.is(r.status, 201, JSON.stringify(r.body));
}
const waitingRows = async () => Number((await t.deps.db.query<{ n: number }>('select count(*)::int as n from email_notifications'))[0]!.n);
async function until(what: string, ok: () => Promise<boolean>, ms = 10_000) {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
/** How many queued emails to `u` quote `text`. */
const emailsQuoting = async (u: FxUser, text: string) =>
  Number((await t.deps.db.query<{ n: number }>(`select count(*)::int as n from email_outbox where to_address = $1 and kind = 'notification' and strpos(text_body, $2) > 0`, [u.email, text]))[0]!.n);

test('mention posts arriving steadily share one pass per gap; every mention is emailed exactly once', async () => {
  start();
  await until('the start-up pass', async () => passes.length === 1);
  await new Promise((r) => setTimeout(r, GAP)); // quiet: the first kick of the burst runs at once
  passes = [];
  const began = performance.now();
  // An open loop like real traffic (one post every 25 ms), not one batch: posts issued all at
  // once would queue behind each other and their kicks would coalesce without any help.
  const messages = Array.from({ length: 20 }, (_, i) => `burst ${i} for @${recipients[i % 3]!.username}`);
  const sent: Promise<void>[] = [];
  let firstAnswered = Infinity;
  for (const m of messages) {
    sent.push(post(ada, m).then(() => void (firstAnswered = Math.min(firstAnswered, performance.now()))));
    await new Promise((r) => setTimeout(r, 25));
  }
  await Promise.all(sent);
  await until('every notification row emailed', async () => (await waitingRows()) === 0);
  const done = performance.now();
  assert.ok(passes.length >= 1 && passes[0]! - firstAnswered < GAP / 2, `the first post of the burst started a pass at once (${Math.round(passes[0]! - firstAnswered)} ms after its answer)`);
  for (let i = 1; i < passes.length; i++) assert.ok(passes[i]! - passes[i - 1]! >= GAP - 5, `pass ${i} began ${Math.round(passes[i]! - passes[i - 1]!)} ms after the one before`);
  // One at the first kick, then at most one per gap until everything was emailed (2 when the
  // posts take less than the gap, as they do unless the machine is very busy).
  assert.ok(passes.length <= 2 + Math.floor((done - began) / GAP), `${passes.length} passes for ${messages.length} posts in ${Math.round(done - began)} ms`);
  for (const [i, m] of messages.entries()) assert.is(await emailsQuoting(recipients[i % 3]!, `> ${m}`), 1, m);
  // Each recipient: at most one email per pass.
  for (const u of recipients) {
    const n = Number((await t.deps.db.query<{ n: number }>(`select count(*)::int as n from email_outbox where to_address = $1`, [u.email]))[0]!.n);
    assert.ok(n >= 1 && n <= passes.length, `${u.username}: ${n} emails in ${passes.length} passes`);
  }
});

test('a post right after a pass is emailed once the gap is over, not later', async () => {
  const last = passes.at(-1)!;
  const before = passes.length;
  await post(ada, 'after the burst @bob');
  const at = performance.now();
  await until('the late post emailed', async () => (await emailsQuoting(recipients[0]!, '> after the burst @bob')) === 1, GAP + 5000);
  const took = performance.now() - at;
  assert.ok(took <= Math.max(0, last + GAP - at) + 1000, `emailed ${Math.round(took)} ms after posting`);
  assert.is(passes.length, before + 1, 'one more pass');
  assert.ok(passes.at(-1)! - last >= GAP - 5, 'not before the gap');
});

test('after a quiet spell a post is emailed at once, not after the gap', async () => {
  await new Promise((r) => setTimeout(r, GAP + 100));
  await post(ada, 'quiet then @cy');
  const at = performance.now();
  await until('emailed', async () => (await emailsQuoting(recipients[1]!, '> quiet then @cy')) === 1);
  assert.ok(performance.now() - at < GAP / 2, `emailed ${Math.round(performance.now() - at)} ms after posting`);
  await sender!.stop();
});

test('a full pass (a backlog of due recipients) goes on at once instead of waiting for the gap', async () => {
  const starts: number[] = [];
  let full = 3;
  const s = startNotificationSender(t.deps, {
    pollMs: 60_000,
    minGapMs: 60_000,
    pass: async () => {
      starts.push(performance.now());
      return { due: full-- > 0 ? USERS_PER_PASS : 0, queued: 0 };
    },
  });
  try {
    await until('four passes', async () => starts.length >= 4, 5000);
    await new Promise((r) => setTimeout(r, 200));
    assert.is(starts.length, 4, 'three full passes and the one that found the rest');
  } finally {
    await s.stop();
  }
});

test.after(async () => {
  await sender?.stop();
  await t.close();
});

test.run();
