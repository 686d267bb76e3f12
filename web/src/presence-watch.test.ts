import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { watchedUserIds } from './presence-watch.ts';
import { emptyState, loadMyChannels, type Channel } from '../../src/realtime/reducer.ts';
import { MAX_PRESENCE_SUBSCRIPTIONS } from '../../src/contract/actions.ts';

const id = (c: string, n = 0) => (c + String(n).padStart(25, '0')).slice(0, 26);
const ME = id('m');
const dm = (other: string, lastPost: number) => ({ id: id('d', lastPost), team_id: '', type: 'D', name: [ME, other].sort().join('__'), display_name: '', total_msg_count: 0, last_post_at: lastPost, delete_at: 0, member: { channel_id: id('d', lastPost), user_id: ME, last_viewed_at: 0, msg_count: 0, mention_count: 0 } }) as unknown as Channel & { member: any };

test('watched: members panel first, then DM partners most recent first, never me, bounded', () => {
  let s = loadMyChannels(emptyState(ME), [dm(id('a'), 10), dm(id('b'), 30), dm(id('c'), 20)]);
  const CH = id('x');
  s = { ...s, channelMembers: { [CH]: [ME, id('p'), id('q')] } };
  assert.equal(watchedUserIds(s, undefined), [id('b'), id('c'), id('a')]);
  assert.equal(watchedUserIds(s, CH), [id('p'), id('q'), id('b'), id('c'), id('a')]);
  // A self-DM adds nobody; an archived DM is not on screen.
  s = loadMyChannels(s, [dm(ME, 40), { ...dm(id('z'), 50), delete_at: 1 }]);
  assert.equal(watchedUserIds(s, undefined), [id('b'), id('c'), id('a')]);
  // A huge members panel is cut at the protocol's maximum (the panel's first members kept).
  const many = Array.from({ length: MAX_PRESENCE_SUBSCRIPTIONS + 50 }, (_, i) => id('u', i));
  s = { ...s, channelMembers: { [CH]: many } };
  const w = watchedUserIds(s, CH);
  assert.is(w.length, MAX_PRESENCE_SUBSCRIPTIONS);
  assert.equal(w.slice(0, 3), many.slice(0, 3));
});

test('watched: the person whose profile card is open comes first, once, and is kept when the list is cut', () => {
  let s = loadMyChannels(emptyState(ME), [dm(id('a'), 10), dm(id('b'), 30)]);
  const CH = id('x');
  s = { ...s, channelMembers: { [CH]: [id('p'), id('a')] } };
  assert.equal(watchedUserIds(s, undefined, id('k')), [id('k'), id('b'), id('a')]);
  assert.equal(watchedUserIds(s, CH, id('a')), [id('a'), id('p'), id('b')]);
  assert.equal(watchedUserIds(s, undefined, ME), [id('b'), id('a')], 'my own card adds nobody');
  const many = Array.from({ length: MAX_PRESENCE_SUBSCRIPTIONS + 5 }, (_, i) => id('u', i));
  s = { ...s, channelMembers: { [CH]: many } };
  const w = watchedUserIds(s, CH, id('k'));
  assert.is(w.length, MAX_PRESENCE_SUBSCRIPTIONS);
  assert.is(w[0], id('k'));
});

test.run();
