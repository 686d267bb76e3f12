import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPost, editPost, listChannelPosts, presentPost } from './posts.ts';
import { addReaction } from './reactions.ts';
import { AppError } from '../errors.ts';
import { newId } from '../ids.ts';
import type { Deps } from '../deps.ts';
import type { Auth } from './tokens.ts';
import type { PostRow } from '../store/posts.ts';

// The actions validate their own input (the Mattermost adapter calls them without the native
// routes' schemas). These cases fail before any database access, so no database is opened.
const deps = {} as Deps;
const auth = { user: { id: newId(), username: 'x', email: '', roles: 'system_user', delete_at: 0 }, isSystemAdmin: false } as Auth;

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, AppError);
    return (e as AppError).code;
  }
  throw new Error('expected an AppError');
}

test('createPost validates input without HTTP', async () => {
  const ch = newId();
  const cases: [unknown, string][] = [
    [{ message: 42 }, 'invalid_input'],
    [{ message: 'x'.repeat(16_384) }, 'message_too_long'],
    [{ message: 'a\u0000' }, 'invalid_characters'],
    [{ message: ' ' }, 'message_empty'],
    [{ message: 'x', props: [1] }, 'invalid_props'],
    [{ message: 'x', props: 'p' }, 'invalid_props'],
    [{ message: 'x', props: { a: '\u0000' } }, 'invalid_characters'],
    [{ message: 'x', file_ids: 'a' }, 'invalid_file_ids'],
    [{ message: 'x', file_ids: [1] }, 'invalid_file_ids'],
    [{ message: 'x', root_id: 'short' }, 'invalid_root_id'],
    [{ message: 'x', root_id: 7 }, 'invalid_root_id'],
    [{ message: 'x', client_msg_id: 5 }, 'invalid_client_msg_id'],
    [{ message: 'x', client_msg_id: 'a\nb' }, 'invalid_client_msg_id'],
  ];
  for (const [input, expected] of cases) assert.is(await code(createPost(deps, auth, ch, input as any)), expected, JSON.stringify(input));
  assert.is(await code(createPost(deps, auth, 'bad', { message: 'x' })), 'invalid_id');
});

test('other actions check ids and shapes first', async () => {
  assert.is(await code(editPost(deps, auth, 'bad', { message: 'x' })), 'invalid_id');
  assert.is(await code(editPost(deps, auth, newId(), { message: undefined })), 'invalid_input');
  assert.is(await code(addReaction(deps, auth, newId(), 'Bad Name')), 'invalid_emoji_name');
  assert.is(await code(listChannelPosts(deps, auth, newId(), { limit: 0 })), 'invalid_limit');
  assert.is(await code(listChannelPosts(deps, auth, newId(), { since: -1 })), 'invalid_since');
});

test('presentPost blanks deleted posts and never exposes internals', () => {
  const row: PostRow = {
    id: newId(), seq: 5, channel_id: newId(), user_id: newId(), root_id: '', message: 'secret', type: '', props: { a: 1 }, hashtags: '',
    file_ids: [newId()], client_msg_id: null, mentions: [newId()], mention_channel: true, create_at: 1, update_at: 2, edit_at: 0,
    delete_at: 3, is_pinned: false, reply_count: 0, last_reply_at: 0,
  };
  const p = presentPost(row, [{ post_id: row.id, user_id: row.user_id, emoji_name: 'x', channel_id: row.channel_id, create_at: 1 }]);
  assert.is(p.message, '');
  assert.equal(p.props, {});
  assert.equal(p.file_ids, []);
  assert.equal(p.metadata, { reactions: [], files: [] });
  assert.is(p.client_msg_id, '');
  for (const k of ['seq', 'mentions', 'mention_channel', 'hashtags']) assert.not.ok(k in p, k);
});

test.run();
