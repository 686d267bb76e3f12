import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testDb } from '../../test/db.ts';
import type { Queryable } from '../db/driver.ts';
import { newId } from '../ids.ts';
import { POST_COLUMNS, insertPostCase, insertPostStatement, type InsertPostCase, type NewPost } from './posts.ts';

// The posting statement comes in one variant per case (root or reply, with or without mentions),
// each leaving out the parts its case does not need. The specification they must all agree with
// is the single statement they replaced, kept here as it was (parameters $1..$14 in
// insertPostStatement's former order): every scenario runs through it and through the variant
// its post takes, each in a transaction that is rolled back, and what each wrote must be equal.

const REFERENCE_SQL = `with allowed as (
       select 1 from channels c
        where c.id = $2 and c.delete_at = 0
          and (c.team_id = '' or exists (select 1 from teams t where t.id = c.team_id and t.delete_at = 0))
          and (exists (select 1 from channel_members cm where cm.channel_id = c.id and cm.user_id = $3) or ($13 and c.type = 'O'))
     ), thread as (
       select r.id from posts p join posts r on r.id = case when p.root_id = '' then p.id else p.root_id end
        where $4 <> '' and p.id = $4 and r.channel_id = $2 and r.delete_at = 0
     ), mention_ids as (
       select coalesce(jsonb_agg(u.id order by u.id), '[]'::jsonb) as ids
         from users u join channel_members cm on cm.user_id = u.id and cm.channel_id = $2
        where lower(u.username) in (select jsonb_array_elements_text($12::text::jsonb)) and u.id <> $3
     ), ins as (
       insert into posts (id, channel_id, user_id, root_id, message, type, props, file_ids, client_msg_id, mentions, mention_channel, create_at, update_at)
       select $1, $2, $3, coalesce((select id from thread), ''), $5, $6, $7::text::jsonb, $8::text::jsonb, $9, m.ids, $10, $11, $11
         from mention_ids m
        where exists (select 1 from allowed) and ($4 = '' or exists (select 1 from thread))
       on conflict (user_id, client_msg_id) where client_msg_id is not null do nothing
       returning ${POST_COLUMNS}
     ), root as (
       update posts r set reply_count = r.reply_count + 1, last_reply_at = greatest(r.last_reply_at, $11), update_at = greatest(r.update_at, $11)
         from ins where ins.root_id <> '' and r.id = ins.root_id
        returning r.reply_count
     ), ch as (
       update channels c set total_msg_count = c.total_msg_count + 1,
           total_msg_count_root = c.total_msg_count_root + case when ins.root_id = '' then 1 else 0 end,
           last_post_at = greatest(c.last_post_at, $11),
           last_root_post_at = case when ins.root_id = '' then greatest(c.last_root_post_at, $11) else c.last_root_post_at end
         from ins where c.id = $2
        returning c.total_msg_count, c.total_msg_count_root
     ), mentioned as (
       update channel_members cm set mention_count = cm.mention_count + 1,
           mention_count_root = cm.mention_count_root + case when ins.root_id = '' then 1 else 0 end,
           last_update_at = $11
         from ins
        where cm.channel_id = $2 and cm.user_id <> $3
          and (cm.user_id in (select jsonb_array_elements_text(ins.mentions))
               -- Every message of a direct or group message is a mention for its recipients.
               or exists (select 1 from channels c where c.id = $2 and c.type in ('D', 'G'))
               -- @channel/@all/@here, unless the member ignores channel-wide mentions here
               -- (ignore_channel_mentions "on"), or by default everywhere (user notify prop channel "false").
               or ($10 and case coalesce(cm.notify_props->>'ignore_channel_mentions', 'default')
                             when 'on' then false when 'off' then true
                             else coalesce((select u.notify_props->>'channel' from users u where u.id = cm.user_id), 'true') <> 'false' end))
       returning cm.user_id, cm.notify_props
     ), email_notify as (
       -- Offline notification emails (0009_email_notifications.sql): mentioned members who are
       -- not online, want email for this channel, have not muted it and have not chosen "never";
       -- none while the site's notification emails are off ($14).
       insert into email_notifications (user_id, post_id, channel_id, create_at)
       select m.user_id, $1, $2, $11
         from mentioned m join users u on u.id = m.user_id
         left join user_status st on st.user_id = m.user_id
        where $14 and u.delete_at = 0 and not u.is_bot
          and coalesce(st.status, 'offline') <> 'online'
          and coalesce(m.notify_props->>'mark_unread', 'all') <> 'mention'
          and case coalesce(m.notify_props->>'email', 'default')
                when 'true' then true when 'false' then false
                else coalesce(u.notify_props->>'email', 'true') <> 'false' end
          and not exists (select 1 from preferences p where p.user_id = m.user_id and p.category = 'notifications' and p.name = 'email_interval' and p.value = '0')
       returning user_id
     ), author as (
       update channel_members m set last_viewed_at = greatest(m.last_viewed_at, $11), msg_count = ch.total_msg_count,
           msg_count_root = ch.total_msg_count_root, mention_count = 0, mention_count_root = 0, last_update_at = $11
         from ch where m.channel_id = $2 and m.user_id = $3
     )
     select ins.*, (select coalesce(jsonb_agg(cm.user_id order by cm.user_id), '[]'::jsonb) from channel_members cm where cm.channel_id = $2) as member_ids,
            (select coalesce(jsonb_agg(m.user_id order by m.user_id), '[]'::jsonb) from mentioned m) as mentioned_ids,
            (select count(*)::int from email_notify) as email_notified,
            (select total_msg_count from ch) as channel_total, (select total_msg_count_root from ch) as channel_total_root,
            (select reply_count from root) as root_reply_count
       from ins`;


const referenceParams = (p: NewPost) => [
  p.id, p.channel_id, p.user_id, p.root_id, p.message, p.type ?? '', JSON.stringify(p.props), JSON.stringify(p.file_ids), p.client_msg_id,
  p.mention_channel, p.create_at, JSON.stringify(p.mention_usernames), !!p.integration, p.send_email,
];

const { db, close } = await testDb();
const AT = 1_000_000;

// Users by name: the author, members with every notification setting the statement reads, a
// bot, a deleted user and an outsider.
const names = ['author', 'bob', 'carol', 'dora', 'ed', 'fay', 'bot', 'gone', 'ivy', 'jo', 'kim', 'lu', 'out'];
const u = Object.fromEntries(names.map((n) => [n, newId()])) as Record<string, string>;
const team = newId();
const deadTeam = newId();
const ch = { open: newId(), priv: newId(), dm: newId(), group: newId(), archived: newId(), inDeadTeam: newId(), other: newId() };
const post = { root: newId(), reply: newId(), deletedRoot: newId(), otherRoot: newId(), dup: newId(), privRoot: newId(), dmRoot: newId() };

await db.exec(`
  insert into teams (id, name, display_name, invite_id, create_at, update_at) values ('${team}', 't', 'T', '${newId()}', 1, 1);
  insert into teams (id, name, display_name, invite_id, create_at, update_at, delete_at) values ('${deadTeam}', 'dead', 'D', '${newId()}', 1, 1, 5);
`);
for (const n of names) {
  const notify = n === 'ed' || n === 'fay' ? `{"channel": "false"}` : n === 'lu' ? `{"email": "false"}` : '{}';
  await db.query(
    `insert into users (id, username, email, create_at, update_at, delete_at, is_bot, notify_props) values ($1, $2, $3, 1, 1, $4, $5, $6::text::jsonb)`,
    [u[n], n === 'bob' ? 'Bob' : n, `${n}@example.com`, n === 'gone' ? 7 : 0, n === 'bot', notify],
  );
}
await db.query(`insert into user_status (user_id, status) values ($1, 'online'), ($2, 'away')`, [u.carol, u.dora]);
await db.query(`insert into preferences (user_id, category, name, value) values ($1, 'notifications', 'email_interval', '0')`, [u.ivy]);
const channels: [string, string, string][] = [
  [ch.open, team, 'O'], [ch.priv, team, 'P'], [ch.dm, '', 'D'], [ch.group, '', 'G'], [ch.archived, team, 'O'], [ch.inDeadTeam, deadTeam, 'O'], [ch.other, team, 'O'],
];
for (const [id, teamId, type] of channels) {
  // Counters and times already set, some later than the new posts' time (greatest() must keep them).
  await db.query(
    `insert into channels (id, team_id, type, name, create_at, update_at, delete_at, last_post_at, last_root_post_at, total_msg_count, total_msg_count_root)
     values ($1, $2, $3, $1, 1, 1, $4, $5, $5, 7, 4)`,
    [id, teamId, type, id === ch.archived ? 9 : 0, id === ch.priv ? AT + 50 : 20],
  );
}
const member = async (channelId: string, user: string, notify: Record<string, string> = {}) =>
  db.query(
    `insert into channel_members (channel_id, user_id, create_at, last_update_at, last_viewed_at, msg_count, mention_count, mention_count_root, notify_props)
     values ($1, $2, 1, 1, 3, 2, 1, 1, $3::text::jsonb)`,
    [channelId, user, JSON.stringify(notify)],
  );
for (const n of names.filter((n) => n !== 'out')) {
  const notify: Record<string, Record<string, string>> = {
    dora: { ignore_channel_mentions: 'on' },
    fay: { ignore_channel_mentions: 'off' },
    jo: { mark_unread: 'mention' },
    kim: { email: 'false' },
    lu: { email: 'true' },
  };
  await member(ch.open, u[n], notify[n]);
  await member(ch.priv, u[n], notify[n]);
}
for (const n of ['author', 'bob']) await member(ch.dm, u[n]);
for (const n of ['author', 'bob', 'carol', 'dora']) await member(ch.group, u[n], n === 'dora' ? { ignore_channel_mentions: 'on' } : {});
for (const c of [ch.archived, ch.inDeadTeam, ch.other]) await member(c, u.author);
await member(ch.other, u.bob);

const addPost = (id: string, channelId: string, rootId: string, o: { user?: string; deleteAt?: number; clientMsgId?: string; at?: number } = {}) =>
  db.query(
    `insert into posts (id, channel_id, user_id, root_id, message, client_msg_id, create_at, update_at, delete_at, reply_count, last_reply_at)
     values ($1, $2, $3, $4, 'earlier', $5, $6, $6, $7, $8, $6)`,
    [id, channelId, o.user ?? u.bob, rootId, o.clientMsgId ?? null, o.at ?? 100, o.deleteAt ?? 0, rootId ? 0 : 2],
  );
await addPost(post.root, ch.open, '');
await addPost(post.reply, ch.open, post.root);
await addPost(post.deletedRoot, ch.open, '', { deleteAt: 200 });
await addPost(post.otherRoot, ch.other, '');
await addPost(post.privRoot, ch.priv, '', { at: AT + 100 });
await addPost(post.dup, ch.open, '', { user: u.author, clientMsgId: 'dup' });
await addPost(post.dmRoot, ch.dm, '');

interface Scenario {
  name: string;
  /** The case its post must take. */
  case: InsertPostCase;
  /** Whether a post is inserted (keeps the comparison from being vacuous). */
  inserts: boolean;
  post: Partial<NewPost>;
}

const scenarios: Scenario[] = [
  { name: 'root, no mentions', case: 'root', inserts: true, post: {} },
  { name: 'root in a private channel whose times are later', case: 'root', inserts: true, post: { channel_id: ch.priv } },
  { name: 'root mentioning bob (any case), an outsider, nobody and the author', case: 'root_mentions', inserts: true, post: { mention_usernames: ['bob', 'out', 'nobody', 'author'] } },
  { name: 'root mentioning everyone by name', case: 'root_mentions', inserts: true, post: { mention_usernames: names } },
  { name: 'root with @channel', case: 'root_mentions', inserts: true, post: { mention_channel: true } },
  { name: 'root with @channel and @dora', case: 'root_mentions', inserts: true, post: { mention_channel: true, mention_usernames: ['dora'] } },
  { name: 'root with @channel, emails off for the site', case: 'root_mentions', inserts: true, post: { mention_channel: true, send_email: false } },
  { name: 'reply, no mentions', case: 'reply', inserts: true, post: { root_id: post.root } },
  { name: 'reply to a reply joins the root', case: 'reply', inserts: true, post: { root_id: post.reply } },
  { name: 'reply to a reply mentioning bob', case: 'reply_mentions', inserts: true, post: { root_id: post.reply, mention_usernames: ['bob'] } },
  { name: 'reply with @channel', case: 'reply_mentions', inserts: true, post: { root_id: post.root, mention_channel: true } },
  { name: 'reply to a root whose times are later', case: 'reply_mentions', inserts: true, post: { channel_id: ch.priv, root_id: post.privRoot, mention_usernames: ['kim', 'lu'] } },
  { name: 'reply to a deleted root', case: 'reply', inserts: false, post: { root_id: post.deletedRoot } },
  { name: 'reply to a root in another channel', case: 'reply_mentions', inserts: false, post: { root_id: post.otherRoot, mention_usernames: ['bob'] } },
  { name: 'reply to no post', case: 'reply', inserts: false, post: { root_id: newId() } },
  { name: 'direct message', case: 'root', inserts: true, post: { channel_id: ch.dm } },
  { name: 'direct message reply', case: 'reply', inserts: true, post: { channel_id: ch.dm, root_id: post.dmRoot } },
  { name: 'direct message mentioning bob', case: 'root_mentions', inserts: true, post: { channel_id: ch.dm, mention_usernames: ['bob'] } },
  { name: 'group message', case: 'root', inserts: true, post: { channel_id: ch.group } },
  { name: 'group message with @channel', case: 'root_mentions', inserts: true, post: { channel_id: ch.group, mention_channel: true } },
  { name: 'group message, emails off for the site', case: 'root', inserts: true, post: { channel_id: ch.group, send_email: false } },
  { name: 'a client_msg_id already used', case: 'root', inserts: false, post: { client_msg_id: 'dup' } },
  { name: 'a client_msg_id already used, reply with mention', case: 'reply_mentions', inserts: false, post: { client_msg_id: 'dup', root_id: post.root, mention_usernames: ['bob'] } },
  { name: 'a new client_msg_id', case: 'reply', inserts: true, post: { client_msg_id: 'fresh', root_id: post.root } },
  { name: 'not a member', case: 'root', inserts: false, post: { user_id: u.out } },
  { name: 'not a member, mentioning', case: 'root_mentions', inserts: false, post: { user_id: u.out, mention_usernames: ['bob'] } },
  { name: 'webhook creator not a member, open channel', case: 'reply_mentions', inserts: true, post: { user_id: u.out, integration: true, root_id: post.root, mention_channel: true } },
  { name: 'webhook creator not a member, private channel', case: 'root', inserts: false, post: { user_id: u.out, integration: true, channel_id: ch.priv } },
  { name: 'archived channel', case: 'root_mentions', inserts: false, post: { channel_id: ch.archived, mention_channel: true } },
  { name: 'channel of a deleted team', case: 'root', inserts: false, post: { channel_id: ch.inDeadTeam } },
];

class Rollback extends Error {}

/** Runs one statement in a transaction that is rolled back; returns its rows and everything it can write. */
async function run(text: string, params: readonly unknown[]) {
  let seen: unknown;
  await db
    .transaction(async (tx) => {
      const rows = await tx.query(text, params);
      seen = { rows: rows.map(({ seq: _seq, ...r }) => r), ...(await state(tx)) };
      throw new Rollback();
    })
    .catch((e) => {
      if (!(e instanceof Rollback)) throw e;
    });
  return seen as { rows: Record<string, unknown>[] };
}

// seq is left out everywhere: a rolled-back insert still used up its sequence number.
const state = async (q: Queryable) => ({
  posts: await q.query(`select ${POST_COLUMNS.replace('seq, ', '')} from posts order by id`),
  channels: await q.query('select * from channels order by id'),
  members: await q.query('select * from channel_members order by channel_id, user_id'),
  emails: await q.query('select * from email_notifications order by user_id, post_id'),
});

test('each case takes its own statement', () => {
  const texts = new Set(scenarios.map((s) => insertPostStatement(newPost(s)).text));
  assert.is(texts.size, 4);
  for (const s of scenarios) assert.is(insertPostCase(newPost(s)), s.case, s.name);
  const root = insertPostStatement(newPost(scenarios[0])).text;
  assert.not.match(root, /thread|mention_ids|root as/);
});

function newPost(s: Scenario): NewPost {
  return {
    id: newId(), channel_id: ch.open, user_id: u.author, root_id: '', message: `post: ${s.name}`, type: '', props: { k: 'v' }, file_ids: [],
    client_msg_id: null, mention_usernames: [], mention_channel: false, create_at: AT, integration: false, send_email: true, ...s.post,
  };
}

test('every case writes and returns what the single statement did', async () => {
  const cases = new Set<InsertPostCase>();
  for (const s of scenarios) {
    const p = newPost(s);
    const st = insertPostStatement(p);
    const expected = await run(REFERENCE_SQL, referenceParams(p));
    const actual = await run(st.text, st.params!);
    assert.is(expected.rows.length, s.inserts ? 1 : 0, `reference: ${s.name}`);
    assert.equal(actual, expected, s.name);
    if (s.inserts) cases.add(s.case);
  }
  assert.is(cases.size, 4, 'every case inserted at least once');
});

test('the reference itself: counters, mentions and emails of a few cases', async () => {
  const root = newPost(scenarios[4]); // root with @channel
  const r = await run(REFERENCE_SQL, referenceParams(root));
  const row = r.rows[0] as { mentioned_ids: string[]; email_notified: number; channel_total: number; channel_total_root: number; root_reply_count: number | null };
  // Not the author, not dora (ignores @channel here), not ed (channel mentions off); fay ignores "off", so she is mentioned.
  assert.equal(row.mentioned_ids, [u.bob, u.carol, u.fay, u.bot, u.gone, u.ivy, u.jo, u.kim, u.lu].sort());
  // Emails: not carol (online), bot, gone, ivy (never), jo (muted), kim (channel email off); lu's channel says true.
  assert.is(row.email_notified, [u.bob, u.fay, u.lu].length);
  assert.equal([row.channel_total, row.channel_total_root, row.root_reply_count], [8, 5, null]);
  const reply = await run(REFERENCE_SQL, referenceParams(newPost(scenarios[8]))); // reply to a reply
  const rr = reply.rows[0] as { root_id: string; root_reply_count: number; channel_total_root: number };
  assert.equal([rr.root_id, rr.root_reply_count, rr.channel_total_root], [post.root, 3, 4]);
});

test.after(() => close());
test.run();
