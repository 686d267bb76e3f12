/**
 * The calls Mattermost's apps make in normal use, in the order they make them, with where each
 * comes from in the apps' source — the one list the replay test (replay.test.ts) runs and the
 * support table in docs/mattermost.md is generated from (scripts/mattermost-support-table.ts).
 *
 * - mobile: mattermost-mobile 2.43 (`app/client/rest/*` for the request, `app/actions/remote/*`
 *   for when it is made). Requests go through Client4 (same routes, same query and body) or,
 *   where Client4 has no twin, through fetch exactly as the mobile client builds them.
 * - web: the web app's data layer, mattermost-redux 11.9 (`mattermost-redux/src/actions/*`),
 *   whose requests are Client4's.
 *
 * `status`: 'ok' — answers 2xx with the shape; `refused` — a deliberate refusal the app handles
 * (what it answers and which screen is affected); `open` — not answered correctly yet, with the
 * issue that owns it. The replay asserts 'ok' and 'refused' rows and reports 'open' ones.
 */
import type { Client, MmServer } from './harness.ts';
import * as S from './shapes.ts';
import { decodeImage, initTestCodecs, pixels, png as encodePng } from '../images.ts';

/** A real (decodable) PNG of one colour. */
const realPng = (width: number, height: number) => encodePng(pixels(width, height, () => [30, 120, 200, 255]));

export type App = 'mobile' | 'web';
export type Flow = 'login' | 'entry' | 'channel' | 'post' | 'edit' | 'react' | 'search' | 'threads' | 'menus';
export type Status = 'ok' | { refused: string; answer: number } | { open: string };

/** What a replay carries between calls: the replaying user's client, fixtures, ids it made. */
export interface Ctx {
  s: MmServer;
  app: App;
  c: Client;
  me: any;
  bob: any;
  B: Client;
  /** A third user (the system admin), in the group message with the two. */
  admin: any;
  team: any;
  town: any;
  offTopic: any;
  group: any;
  dm: any;
  /** Raw request with the user's token, as the mobile client sends it (throws on a non-2xx answer). */
  raw(method: string, path: string, body?: unknown): Promise<any>;
  /** Values the calls hand to later calls (a created post, an uploaded file, …). */
  v: Record<string, any>;
}

export interface AppCall {
  app: App;
  flow: Flow;
  method: string;
  path: string;
  /** Where the app makes it. */
  source: string;
  status: Status;
  shape: S.Shape;
  run(x: Ctx): Promise<unknown>;
}

export const PASSWORD = 'correct horse battery staple';
const M = 'mattermost-mobile';
const R = 'mattermost-redux';

const call = (app: App, flow: Flow, method: string, path: string, source: string, shape: S.Shape, run: (x: Ctx) => Promise<unknown>, status: Status = 'ok'): AppCall => ({
  app,
  flow,
  method,
  path,
  source,
  shape,
  run,
  status,
});

/** Calls both apps make the same way; `src` names the place in each. */
function both(flow: Flow, method: string, path: string, src: { mobile: string; web: string }, shape: S.Shape, run: (x: Ctx) => Promise<unknown>, status: Status = 'ok'): AppCall[] {
  return [call('mobile', flow, method, path, `${M} ${src.mobile}`, shape, run, status), call('web', flow, method, path, `${R} ${src.web}`, shape, run, status)];
}

/** A PNG's signature and header (all the server reads to know it is a width × height image), padded. */
function png(width: number, height: number): ArrayBuffer {
  const b = Buffer.alloc(256);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]).copy(b, 0);
  b.write('IHDR', 12, 'latin1');
  b.writeUInt32BE(width, 16);
  b.writeUInt32BE(height, 20);
  b.writeUInt8(8, 24);
  b.writeUInt8(6, 25);
  return new Uint8Array(b).buffer as ArrayBuffer;
}

/** A custom emoji made by the other user (a fixture: the mobile app cannot add one). */
async function customEmoji(x: Ctx): Promise<any> {
  x.v.emoji ??= await x.B.createCustomEmoji({ name: `${x.app}_party`, creator_id: x.bob.id }, new Blob([png(32, 32)], { type: 'image/png' }));
  return x.v.emoji;
}

const tiny = (name: string) => new Blob([`contents of ${name}`], { type: 'text/plain' });

async function upload(x: Ctx, channelId: string, name: string) {
  const form = new FormData();
  form.append('channel_id', channelId);
  form.append('files', tiny(name), name);
  return x.c.uploadFile(form);
}

export const CALLS: AppCall[] = [
  // ---------------------------------------------------------------- login
  ...both('login', 'GET', '/system/ping', { mobile: 'client/rest/general.ts ping (actions/remote/general.ts doPing)', web: 'actions/general.ts ping' }, S.StatusOK, (x) => x.c.ping()),
  ...both('login', 'GET', '/config/client?format=old', { mobile: 'client/rest/general.ts getClientConfigOld (actions/remote/systems.ts fetchConfigAndLicense)', web: 'actions/general.ts getClientConfig (Client4.getClientConfig, format=old)' }, S.Empty, async (x) => {
    const cfg = await x.c.getClientConfig();
    if (typeof cfg.Version !== 'string' || typeof cfg.SiteName !== 'string') throw new Error('config lacks Version/SiteName');
    return cfg;
  }),
  ...both('login', 'GET', '/license/client?format=old', { mobile: 'client/rest/general.ts getClientLicenseOld', web: 'actions/general.ts getLicenseConfig' }, S.exact('License', { IsLicensed: 'string' }), (x) => x.c.getClientLicenseOld()),
  ...both('login', 'POST', '/users/login', { mobile: 'client/rest/users.ts login (actions/remote/session.ts login)', web: 'actions/users.ts login' }, S.User, async (x) => {
    if (x.app === 'web') {
      const fresh = x.s.client();
      const me = await fresh.login(x.me.username, PASSWORD);
      if (!fresh.getToken()) throw new Error('no Token header');
      return me;
    }
    // The mobile app's body, and the token from the Token header.
    const r = await fetch(`${x.s.url}/api/v4/users/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-requested-with': 'XMLHttpRequest' },
      body: JSON.stringify({ device_id: 'apple_rn-v2:replay-device', voip_device_id: '', login_id: x.me.username, password: PASSWORD, token: '' }),
    });
    if (r.status !== 200 || !r.headers.get('token')) throw new Error(`login: ${r.status}, token ${r.headers.get('token') ? 'present' : 'missing'}`);
    return r.json();
  }),

  // ---------------------------------------------------------------- entry
  ...both('entry', 'GET', '/users/me/preferences', { mobile: 'client/rest/preferences.ts getMyPreferences (actions/remote/entry/common.ts)', web: 'actions/preferences.ts getMyPreferences' }, S.arrayOf(S.Preference), (x) => x.c.getMyPreferences()),
  ...both('entry', 'GET', '/users/me/teams', { mobile: 'client/rest/teams.ts getMyTeams (actions/remote/team.ts fetchMyTeams)', web: 'actions/teams.ts getMyTeams' }, S.arrayOf(S.TeamShape), (x) => x.c.getMyTeams()),
  ...both('entry', 'GET', '/users/me/teams/members', { mobile: 'client/rest/teams.ts getMyTeamMembers', web: 'actions/teams.ts getMyTeamMembers' }, S.arrayOf(S.TeamMember), (x) => x.c.getMyTeamMembers()),
  ...both('entry', 'GET', '/users/me', { mobile: 'client/rest/users.ts getMe (actions/remote/user.ts fetchMe)', web: 'actions/users.ts loadMe' }, S.User, (x) => x.c.getMe()),
  call('mobile', 'entry', 'GET', '/users/me/status', `${M} client/rest/users.ts getStatus('me') (actions/remote/entry/common.ts)`, S.Status, (x) => x.c.getStatus('me')),
  ...both('entry', 'GET', '/users/me/teams/{tid}/channels?include_deleted=true', { mobile: 'client/rest/channels.ts getMyChannels (actions/remote/channel.ts fetchMyChannelsForTeam)', web: 'actions/channels.ts fetchChannelsAndMembers' }, S.arrayOf(S.ChannelShape), (x) => x.c.getMyChannels(x.team.id, true)),
  ...both('entry', 'GET', '/users/me/teams/{tid}/channels/members', { mobile: 'client/rest/channels.ts getMyChannelMembers', web: 'actions/channels.ts fetchChannelsAndMembers' }, S.arrayOf(S.ChannelMember), (x) => x.c.getMyChannelMembers(x.team.id)),
  call('web', 'entry', 'GET', '/users/me/channel_members?page=-1', `${R} actions/channels.ts fetchAllMyChannelMembers ("the server streams if page is -1")`, S.arrayOf(S.ChannelMember), async (x) => {
    const all = await x.c.getAllChannelsMembers('me', -1);
    if (!all.some((m: any) => m.channel_id === x.group.id)) throw new Error('page=-1 left out a membership');
    return all;
  }),
  ...both('entry', 'GET', '/users/me/teams/{tid}/channels/categories', { mobile: 'client/rest/categories.ts getCategories (actions/remote/category.ts fetchCategories)', web: 'actions/channel_categories.ts fetchMyCategories' }, S.Categories, (x) => x.c.getChannelCategories('me', x.team.id)),
  ...both('entry', 'POST', '/roles/names', { mobile: 'client/rest/general.ts getRolesByNames (actions/remote/role.ts fetchRolesIfNeeded)', web: 'actions/roles.ts getRolesByNames' }, S.arrayOf(S.RoleShape), (x) => x.c.getRolesByNames(['system_user', 'team_user', 'channel_user'])),
  ...both('entry', 'POST', '/users/group_channels', { mobile: 'client/rest/users.ts getProfilesInGroupChannels (actions/remote/user.ts fetchProfilesInGroupChannels)', web: 'actions/users.ts getProfilesInGroupChannels' }, S.mapOf(S.arrayOf(S.User)), async (x) => {
    const r = await x.c.getProfilesInGroupChannels([x.group.id]);
    if (!r[x.group.id]?.length) throw new Error('no profiles for the group message');
    return r;
  }),
  call('mobile', 'entry', 'POST', '/users/ids?since=', `${M} client/rest/users.ts getProfilesByIds (actions/remote/user.ts fetchUsersByIds)`, S.arrayOf(S.User), (x) => x.raw('POST', '/api/v4/users/ids?since=0', [x.bob.id])),
  call('web', 'entry', 'POST', '/users/ids', `${R} actions/users.ts getProfilesByIds`, S.arrayOf(S.User), (x) => x.c.getProfilesByIds([x.bob.id])),
  ...both('entry', 'POST', '/users/status/ids', { mobile: 'client/rest/users.ts getStatusesByIds (actions/remote/user.ts fetchStatusByIds)', web: 'actions/users.ts getStatusesByIds' }, S.arrayOf(S.Status), (x) => x.c.getStatusesByIds([x.bob.id])),
  call('web', 'entry', 'GET', '/users/me/teams/unread', `${R} actions/teams.ts getMyTeamUnreads`, S.arrayOf(S.TeamUnreadShape), (x) => x.c.getMyTeamUnreads(false)),
  ...both('entry', 'GET', '/channels/{id}/posts?per_page=60', { mobile: 'client/rest/posts.ts getPosts (actions/remote/post.ts fetchPostsForUnreadChannels)', web: 'actions/posts.ts getPosts' }, S.PostListShape, (x) => x.c.getPosts(x.town.id, 0, 60, true, false, false)),
  call('mobile', 'entry', 'PUT', '/users/sessions/device', `${M} client/rest/users.ts setExtraSessionProps (actions/remote/entry/common.ts; actions/websocket/index.ts on connect)`, S.StatusOK, (x) => x.raw('PUT', '/api/v4/users/sessions/device', { device_id: 'apple_rn-v2:replay-device' })),
  call('mobile', 'entry', 'PUT', '/users/{id}/patch (timezone)', `${M} client/rest/users.ts patchMe (actions/remote/user.ts autoUpdateTimezone)`, S.User, (x) => x.c.patchMe({ timezone: { useAutomaticTimezone: 'true', automaticTimezone: 'Europe/Lisbon', manualTimezone: '' } } as any)),
  ...both('entry', 'GET', '/plugins/webapp', { mobile: 'client/rest/plugins.ts getPluginsManifests (products/calls, products/agents, products/playbooks version checks)', web: 'actions/plugins.ts loadPlugins (web app start-up)' }, S.arrayOf(S.AnyObject), (x) => x.c.getWebappPlugins()),
  call('mobile', 'entry', 'GET', '/system/ping?device_id=', `${M} client/rest/general.ts ping(deviceId) (actions/remote/entry/common.ts push proxy check: reads CanReceiveNotifications)`, S.exact('Ping', { status: 'string', CanReceiveNotifications: 'string' }), (x) => x.raw('GET', '/api/v4/system/ping?device_id=apple_rn-v2:replay-device')),
  call('web', 'entry', 'GET', '/limits/server', `${R} actions/limits.ts getServerLimits`, S.Limits, async (x) => (await x.c.getServerLimits()).data),
  call('web', 'entry', 'GET', '/users/known', `${R} actions/users.ts getKnownUsers`, S.IdList, (x) => x.c.getKnownUsers()),

  // ---------------------------------------------------------------- open a channel
  ...both('channel', 'GET', '/channels/{id}/posts?since=', { mobile: 'client/rest/posts.ts getPostsSince (actions/remote/post.ts fetchPostsSince)', web: 'actions/posts.ts getPostsSince' }, S.PostListShape, (x) => x.c.getPostsSince(x.town.id, Date.now() - 3_600_000)),
  ...both('channel', 'GET', '/channels/{id}/posts?before=', { mobile: 'client/rest/posts.ts getPostsBefore (actions/remote/post.ts fetchPostsBefore)', web: 'actions/posts.ts getPostsBefore' }, S.PostListShape, async (x) => {
    const page = await x.c.getPosts(x.town.id, 0, 1);
    return x.c.getPostsBefore(x.town.id, page.order[0], 0, 30);
  }),
  call('web', 'channel', 'GET', '/channels/{id}/posts?after=', `${R} actions/posts.ts getPostsAfter`, S.PostListShape, async (x) => {
    const page = await x.c.getPosts(x.town.id, 0, 60);
    return x.c.getPostsAfter(x.town.id, page.order[page.order.length - 1], 0, 30);
  }),
  call('web', 'channel', 'GET', '/users/me/channels/{id}/posts/unread', `${R} actions/posts.ts getPostsUnread`, S.PostListShape, (x) => x.c.getPostsUnread(x.town.id, 'me')),
  ...both('channel', 'POST', '/channels/members/me/view', { mobile: 'client/rest/channels.ts viewMyChannel (actions/remote/channel.ts markChannelAsRead)', web: 'actions/channels.ts viewChannel' }, S.exact('ChannelViewResponse', { status: 'string', last_viewed_at_times: 'object' }), (x) => x.c.viewMyChannel(x.town.id)),
  ...both('channel', 'GET', '/channels/{id}/stats', { mobile: 'client/rest/channels.ts getChannelStats (actions/remote/channel.ts fetchChannelStats)', web: 'actions/channels.ts getChannelStats' }, S.ChannelStatsShape, (x) => x.c.getChannelStats(x.town.id)),
  call('mobile', 'channel', 'GET', '/channels/{id}/timezones', `${M} client/rest/channels.ts getChannelTimezones (actions/remote/channel.ts getChannelTimezones, from hooks/handle_send_message.ts before an @channel)`, S.arrayOf(S.AnyObject), (x) => x.c.getChannelTimezones(x.town.id)),
  ...both('channel', 'GET', '/channels/{id}/members/me', { mobile: 'client/rest/channels.ts getMyChannelMember', web: 'actions/channels.ts getMyChannelMember' }, S.ChannelMember, (x) => x.c.getMyChannelMember(x.town.id)),
  ...both('channel', 'GET', '/channels/{id}/pinned', { mobile: 'client/rest/posts.ts getPinnedPosts (pinned messages screen)', web: 'actions/posts.ts getPinnedPosts' }, S.PostListShape, (x) => x.c.getPinnedPosts(x.town.id)),
  call('web', 'channel', 'GET', '/teams/name/{team}/channels/name/{channel}', `${R} actions/channels.ts getChannelByNameAndTeamName (opening a channel by URL)`, S.ChannelShape, (x) => x.c.getChannelByNameAndTeamName(x.team.name, 'town-square')),
  call('web', 'channel', 'GET', '/teams/name/{name}', `${R} actions/teams.ts getTeamByName`, S.TeamShape, (x) => x.c.getTeamByName(x.team.name)),
  call('web', 'channel', 'GET', '/channels/{id}/members?page=&per_page=', `${R} actions/channels.ts getChannelMembers`, S.arrayOf(S.ChannelMember), (x) => x.c.getChannelMembers(x.town.id, 0, 60)),
  call('web', 'channel', 'GET', '/users?in_channel=', `${R} actions/users.ts getProfilesInChannel`, S.arrayOf(S.User), (x) => x.c.getProfilesInChannel(x.town.id, 0, 60)),

  // ---------------------------------------------------------------- post
  ...both('post', 'POST', '/files', { mobile: 'client/rest/files.ts uploadAttachment (apiClient.upload) (actions/remote/file.ts uploadFile)', web: 'actions/files.ts uploadFile (Client4.uploadFile)' }, S.FileUpload, async (x) => {
    const r = await upload(x, x.town.id, `${x.app}.txt`);
    x.v.fileId = r.file_infos[0].id;
    return r;
  }),
  ...both('post', 'POST', '/posts', { mobile: 'client/rest/posts.ts createPost (actions/remote/post.ts createPost)', web: 'actions/posts.ts createPost' }, S.PostShape, async (x) => {
    const p = await x.c.createPost({ channel_id: x.town.id, message: `hello from the ${x.app} app`, pending_post_id: `${x.me.id}:${Date.now()}`, file_ids: [x.v.fileId] } as any);
    x.v.post = p;
    return p;
  }),
  ...both('post', 'POST', '/posts (reply)', { mobile: 'client/rest/posts.ts createPost with root_id (thread screen)', web: 'actions/posts.ts createPost (reply)' }, S.PostShape, async (x) => {
    x.v.reply = await x.B.createPost({ channel_id: x.town.id, message: 'a reply', root_id: x.v.post.id } as any);
    return x.c.createPost({ channel_id: x.town.id, message: 'my reply', root_id: x.v.post.id } as any);
  }),
  ...both('post', 'GET', '/files/{id}/thumbnail, /preview, /info', { mobile: 'actions/remote/file.ts buildFileThumbnailUrl / buildFilePreviewUrl (image previews)', web: 'Client4.getFileThumbnailUrl / getFilePreviewUrl' }, S.FileInfoShape, async (x) => {
    // The apps ask for thumbnails and previews of images (has_preview_image), never of other files.
    await initTestCodecs();
    const form = new FormData();
    form.append('channel_id', x.town.id);
    form.append('files', new Blob([await realPng(640, 480)], { type: 'image/png' }), 'photo.png');
    const info = (await x.c.uploadFile(form)).file_infos[0];
    if (!info.has_preview_image || info.width !== 640) throw new Error('the image has no preview');
    for (const [kind, width] of [['thumbnail', 120], ['preview', 640]] as const) {
      const r = await fetch(`${x.s.url}/api/v4/files/${info.id}/${kind}`, { headers: { authorization: `Bearer ${x.c.getToken()}` } });
      const img = await decodeImage(new Uint8Array(await r.arrayBuffer()));
      if (r.status !== 200 || r.headers.get('content-type') !== 'image/jpeg' || img.width !== width) throw new Error(`${kind}: ${r.status} ${r.headers.get('content-type')} ${img.width} px wide`);
    }
    return x.raw('GET', `/api/v4/files/${info.id}/info`);
  }),
  ...both('post', 'GET', '/posts/{id}/files/info', { mobile: 'client/rest/posts.ts getFileInfosForPost', web: 'actions/files.ts getFilesForPost' }, S.arrayOf(S.FileInfoShape), (x) => x.c.getFileInfosForPost(x.v.post.id)),
  ...both('post', 'GET', '/posts/{id}/thread', { mobile: 'client/rest/posts.ts getPostThread (actions/remote/post.ts fetchPostThread)', web: 'actions/posts.ts getPostThread (paginated)' }, S.PostListShape, async (x) => {
    const t = await x.c.getPaginatedPostThread(x.v.post.id, { perPage: 60, direction: 'down', collapsedThreads: false });
    if (t.order[0] !== x.v.post.id) throw new Error('thread order does not start with the root');
    return t;
  }),
  call('web', 'post', 'POST', '/posts/ids', `${R} actions/posts.ts getPostsByIds`, S.arrayOf(S.PostShape), (x) => x.c.getPostsByIds([x.v.post.id, x.v.reply.id])),

  // ---------------------------------------------------------------- edit
  call('mobile', 'edit', 'PUT', '/posts/{id}/patch (message, file_ids)', `${M} client/rest/posts.ts patchPost (actions/remote/post.ts editPost)`, S.PostShape, async (x) => {
    const p = await x.c.patchPost({ id: x.v.post.id, message: 'edited on mobile', file_ids: [x.v.fileId] } as any);
    if (p.message !== 'edited on mobile') throw new Error('not edited');
    return p;
  }),
  call('web', 'edit', 'PUT', '/posts/{id}/patch (whole post)', `${R} actions/posts.ts editPost`, S.PostShape, async (x) => {
    const full = await x.c.getPost(x.v.post.id);
    const p = await x.c.patchPost({ ...full, message: 'edited on the web' });
    if (p.message !== 'edited on the web') throw new Error('not edited');
    return p;
  }),
  ...both('edit', 'POST', '/posts/{id}/pin', { mobile: 'client/rest/posts.ts pinPost (post options)', web: 'actions/posts.ts pinPost' }, S.StatusOK, (x) => x.c.pinPost(x.v.post.id)),
  ...both('edit', 'POST', '/posts/{id}/unpin', { mobile: 'client/rest/posts.ts unpinPost', web: 'actions/posts.ts unpinPost' }, S.StatusOK, (x) => x.c.unpinPost(x.v.post.id)),
  call('web', 'edit', 'GET', '/posts/{id}/edit_history', `${R} actions/posts.ts getPostEditHistory`, S.arrayOf(S.PostShape), async (x) => {
    const h = await x.c.getPostEditHistory(x.v.post.id);
    if (!h.length || h[0].original_id !== x.v.post.id) throw new Error('no earlier version listed');
    return h;
  }),
  ...both('edit', 'DELETE', '/posts/{id}', { mobile: 'client/rest/posts.ts deletePost', web: 'actions/posts.ts deletePost' }, S.StatusOK, async (x) => {
    const gone = await x.c.createPost({ channel_id: x.town.id, message: 'to delete' } as any);
    return x.c.deletePost(gone.id);
  }),

  // ---------------------------------------------------------------- react
  ...both('react', 'POST', '/reactions', { mobile: 'client/rest/posts.ts addReaction (actions/remote/reactions.ts addReaction)', web: 'actions/posts.ts addReaction' }, S.ReactionShape, (x) => x.c.addReaction(x.me.id, x.v.post.id, 'smile')),
  ...both('react', 'GET', '/posts/{id}/reactions', { mobile: 'client/rest/posts.ts getReactionsForPost', web: 'actions/posts.ts getReactionsForPost' }, S.arrayOf(S.ReactionShape), (x) => x.c.getReactionsForPost(x.v.post.id)),
  ...both('react', 'DELETE', '/users/me/posts/{id}/reactions/{name}', { mobile: 'client/rest/posts.ts removeReaction', web: 'actions/posts.ts removeReaction' }, S.StatusOK, (x) => x.c.removeReaction(x.me.id, x.v.post.id, 'smile')),
  // Custom emoji: the picker's list and search, names seen in posts, the web app's upload.
  ...both('react', 'GET', '/emoji?page=0&per_page=60&sort=name', { mobile: 'client/rest/emojis.ts getCustomEmojis (actions/remote/custom_emoji.ts fetchCustomEmojis: emoji picker)', web: 'actions/emojis.ts getCustomEmojis' }, S.arrayOf(S.CustomEmojiShape), async (x) => {
    await customEmoji(x);
    return x.c.getCustomEmojis(0, 60, 'name');
  }),
  ...both('react', 'POST', '/emoji/search', { mobile: 'client/rest/emojis.ts searchCustomEmoji (actions/remote/custom_emoji.ts searchCustomEmojis)', web: 'actions/emojis.ts searchCustomEmojis' }, S.arrayOf(S.CustomEmojiShape), async (x) => {
    const e = await customEmoji(x);
    return x.c.searchCustomEmoji(e.name.slice(0, 6));
  }),
  ...both('react', 'GET', '/emoji/autocomplete', { mobile: 'client/rest/emojis.ts autocompleteCustomEmoji (emoji suggestions after :)', web: 'actions/emojis.ts autocompleteCustomEmojis' }, S.arrayOf(S.CustomEmojiShape), async (x) => {
    const e = await customEmoji(x);
    return x.c.autocompleteCustomEmoji(e.name.slice(0, 6));
  }),
  call('mobile', 'react', 'GET', '/emoji/name/{name}', `${M} client/rest/emojis.ts getCustomEmojiByName (actions/remote/custom_emoji.ts fetchCustomEmojiInBatch: names in posts)`, S.CustomEmojiShape, async (x) => x.c.getCustomEmojiByName((await customEmoji(x)).name)),
  call('web', 'react', 'POST', '/emoji/names', `${R} actions/emojis.ts getCustomEmojisByName (names in posts)`, S.arrayOf(S.CustomEmojiShape), async (x) => x.c.getCustomEmojisByNames([(await customEmoji(x)).name])),
  ...both('react', 'GET', '/emoji/{id}/image', { mobile: 'client/rest/emojis.ts getCustomEmojiImageUrl (custom emoji images)', web: 'Client4.getCustomEmojiImageUrl' }, S.Empty, async (x) => {
    const r = await fetch(x.c.getCustomEmojiImageUrl((await customEmoji(x)).id), { headers: { authorization: `BEARER ${x.c.getToken()}` } });
    if (r.status !== 200 || r.headers.get('content-type') !== 'image/png') throw new Error(`emoji image: ${r.status} ${r.headers.get('content-type')}`);
    return {};
  }),
  call('web', 'react', 'POST', '/emoji', `${R} actions/emojis.ts createCustomEmoji (Custom Emoji screen)`, S.CustomEmojiShape, (x) => x.c.createCustomEmoji({ name: `${x.app}_mine`, creator_id: x.me.id }, new Blob([png(64, 64)], { type: 'image/png' }))),
  call('web', 'react', 'DELETE', '/emoji/{id}', `${R} actions/emojis.ts deleteCustomEmoji`, S.StatusOK, async (x) => x.c.deleteCustomEmoji((await x.c.getCustomEmojiByName(`${x.app}_mine`)).id)),

  // ---------------------------------------------------------------- search
  ...both('search', 'POST', '/teams/{tid}/posts/search', { mobile: 'client/rest/posts.ts searchPostsWithParams (actions/remote/search.ts searchPosts)', web: 'actions/search.ts searchPostsWithParams' }, S.PostListShape, (x) =>
    x.c.searchPostsWithParams(x.team.id, { terms: 'hello', is_or_search: false, include_deleted_channels: false, page: 0, per_page: 20 }),
  ),
  ...both('search', 'POST', '/teams/{tid}/files/search', { mobile: 'client/rest/files.ts searchFilesWithParams (search screen, Files tab)', web: 'actions/files.ts searchFilesWithParams' }, S.FileSearchResultsShape, async (x) => {
    // The file the post flow attached: found by its content and by its name.
    const r = await x.c.searchFilesWithParams(x.team.id, { terms: `contents ${x.app}`, is_or_search: false, page: 0, per_page: 20 });
    if (!r.order.includes(x.v.fileId)) throw new Error('the posted file was not found');
    return r;
  }),
  call('web', 'search', 'POST', '/teams/{tid}/files/search (channel files)', `${R} actions/views/rhs.ts showChannelFiles (performSearch 'channel:<id>', the channel header's Files button)`, S.FileSearchResultsShape, async (x) => {
    const r = await x.c.searchFilesWithParams(x.team.id, { terms: `channel:${x.town.id}`, is_or_search: false, page: 0, per_page: 20 });
    if (!r.order.includes(x.v.fileId)) throw new Error('the posted file is not in the channel files list');
    return r;
  }),
  ...both('search', 'GET', '/users/autocomplete', { mobile: 'client/rest/users.ts autocompleteUsers (@-mention list)', web: 'actions/users.ts autocompleteUsers' }, S.exact('UserAutocomplete', { users: 'array' }), (x) => x.c.autocompleteUsers('bo', x.team.id, x.town.id)),
  ...both('search', 'GET', '/teams/{tid}/channels/search_autocomplete', { mobile: 'client/rest/channels.ts autocompleteChannelsForSearch (in: suggestions)', web: 'actions/channels.ts autocompleteChannelsForSearch' }, S.arrayOf(S.ChannelShape), (x) => x.c.autocompleteChannelsForSearch(x.team.id, 'town')),
  ...both('search', 'POST', '/users/search', { mobile: 'client/rest/users.ts searchUsers (new message screen)', web: 'actions/users.ts searchProfiles' }, S.arrayOf(S.User), (x) => x.c.searchUsers('bob', { team_id: x.team.id })),

  // ---------------------------------------------------------------- threads (collapsed reply threads, CollapsedThreads default_on)
  ...both('threads', 'GET', '/users/{id}/teams/{tid}/threads', { mobile: 'client/rest/threads.ts getThreads (actions/remote/thread.ts fetchThreads: Threads screen, team switch)', web: 'actions/threads.ts getThreads' }, S.ThreadListShape, (x) => x.c.getUserThreads(x.me.id, x.team.id, { perPage: 25 })),
  ...both('threads', 'GET', '/users/{id}/teams/{tid}/threads?totalsOnly', { mobile: 'client/rest/threads.ts getThreads with totalsOnly (actions/remote/thread.ts syncTeamThreads)', web: 'actions/threads.ts getThreadCounts' }, S.ThreadListShape, (x) => x.c.getUserThreads(x.me.id, x.team.id, { totalsOnly: true })),
  ...both('threads', 'GET', '/users/{id}/teams/{tid}/threads/{thid}', { mobile: 'client/rest/threads.ts getThread (actions/remote/thread.ts fetchThread)', web: 'actions/threads.ts getThread' }, S.ThreadShape, (x) => x.c.getUserThread(x.me.id, x.team.id, x.v.post.id, true)),
  ...both('threads', 'PUT', '/users/{id}/teams/{tid}/threads/{thid}/following', { mobile: 'client/rest/threads.ts updateThreadFollow (thread options: follow)', web: 'actions/threads.ts setThreadFollow' }, S.StatusOK, (x) => x.c.updateThreadFollowForUser(x.me.id, x.team.id, x.v.post.id, true)),
  ...both('threads', 'PUT', '/users/{id}/teams/{tid}/threads/{thid}/read/{timestamp}', { mobile: 'client/rest/threads.ts markThreadAsRead (opening a thread)', web: 'actions/threads.ts markThreadAsRead' }, S.ThreadShape, (x) => x.c.updateThreadReadForUser(x.me.id, x.team.id, x.v.post.id, Date.now())),
  ...both('threads', 'POST', '/users/{id}/teams/{tid}/threads/{thid}/set_unread/{pid}', { mobile: 'client/rest/threads.ts markThreadAsUnread (post options in a thread: mark as unread)', web: 'actions/threads.ts markThreadAsUnread' }, S.ThreadShape, (x) => x.c.markThreadAsUnreadForUser(x.me.id, x.team.id, x.v.post.id, x.v.reply.id)),
  ...both('threads', 'PUT', '/users/{id}/teams/{tid}/threads/read', { mobile: 'client/rest/threads.ts markTeamThreadsAsRead (Threads screen: mark all read)', web: 'actions/threads.ts markAllThreadsInTeamRead' }, S.StatusOK, (x) => x.c.updateThreadsReadForUser(x.me.id, x.team.id)),
  ...both('threads', 'DELETE', '/users/{id}/teams/{tid}/threads/{thid}/following', { mobile: 'client/rest/threads.ts updateThreadFollow (thread options: unfollow)', web: 'actions/threads.ts setThreadFollow' }, S.StatusOK, (x) => x.c.updateThreadFollowForUser(x.me.id, x.team.id, x.v.post.id, false)),

  // ---------------------------------------------------------------- menus
  ...both('menus', 'GET', '/users/{id}/posts/flagged', { mobile: 'client/rest/posts.ts getSavedPosts (saved messages screen)', web: 'actions/search.ts getFlaggedPosts' }, S.PostListShape, async (x) => {
    await x.c.savePreferences(x.me.id, [{ user_id: x.me.id, category: 'flagged_post', name: x.v.post.id, value: 'true' }]);
    const list = await x.c.getFlaggedPosts(x.me.id);
    if (!list.order.includes(x.v.post.id)) throw new Error('the saved post is not listed');
    return list;
  }),
  ...both('menus', 'POST', '/users/{id}/posts/{pid}/set_unread', { mobile: 'client/rest/posts.ts markPostAsUnread (post options: mark as unread)', web: 'actions/posts.ts setUnreadPost' }, S.ChannelUnreadAtShape, (x) => x.c.markPostAsUnread(x.me.id, x.v.reply.id)),
  ...both('menus', 'PUT', '/channels/{id}/members/{uid}/notify_props', { mobile: 'client/rest/channels.ts updateChannelNotifyProps (channel notification preferences)', web: 'actions/channels.ts updateChannelNotifyProps' }, S.StatusOK, (x) => x.c.updateChannelNotifyProps({ channel_id: x.town.id, user_id: x.me.id, desktop: 'all' } as any)),
  ...both('menus', 'PUT', '/users/{id}/teams/{tid}/channels/categories', { mobile: 'client/rest/categories.ts updateChannelCategories (favorite, move to category)', web: 'actions/channel_categories.ts updateCategory / favoriteChannel (also from createChannel)' }, S.arrayOf(S.Category), async (x) => {
    const { categories } = await x.c.getChannelCategories('me', x.team.id);
    const fav = categories.find((c: any) => c.type === 'favorites');
    const [updated] = await x.c.updateChannelCategories('me', x.team.id, [{ ...fav, channel_ids: [x.town.id, ...fav.channel_ids] }]);
    if (!updated.channel_ids.includes(x.town.id)) throw new Error('not favorited');
    const after = await x.c.getChannelCategories('me', x.team.id);
    if (after.categories.find((c: any) => c.type === 'channels').channel_ids.includes(x.town.id)) throw new Error('still in Channels');
    return [updated];
  }),
  call('web', 'menus', 'POST', '/users/{id}/teams/{tid}/channels/categories', `${R} actions/channel_categories.ts createCategory (sidebar: "Create new category", "Move to > New category")`, S.Category, async (x) => {
    x.v.category = await x.c.createChannelCategory('me', x.team.id, { team_id: x.team.id, user_id: x.me.id, display_name: 'Projects', channel_ids: [x.offTopic.id] } as any);
    return x.v.category;
  }),
  call('web', 'menus', 'PUT', '/users/{id}/teams/{tid}/channels/categories/order', `${R} actions/channel_categories.ts moveCategory (drag a category)`, S.IdList, async (x) => {
    const order: string[] = await x.c.getChannelCategoryOrder('me', x.team.id);
    return x.c.updateChannelCategoryOrder('me', x.team.id, [...order.slice(1), order[0]]);
  }),
  call('web', 'menus', 'PUT', '/users/{id}/teams/{tid}/channels/categories/{cid}', `${R} actions/channel_categories.ts renameCategory / setCategoryMuted / setCategoryCollapsed`, S.Category, (x) => x.c.updateChannelCategory('me', x.team.id, { ...x.v.category, display_name: 'Side projects', collapsed: true })),
  call('web', 'menus', 'DELETE', '/users/{id}/teams/{tid}/channels/categories/{cid}', `${R} actions/channel_categories.ts deleteCategory (category menu: Delete category)`, S.Empty, async (x) => {
    await x.c.deleteChannelCategory('me', x.team.id, x.v.category.id);
    return {};
  }),
  ...both('menus', 'PUT', '/users/{id}/status', { mobile: 'client/rest/users.ts updateStatus (set status)', web: 'actions/users.ts setStatus' }, S.Status, (x) => x.c.updateStatus({ user_id: x.me.id, status: 'away' } as any)),
  call('mobile', 'menus', 'PUT', '/users/me/status/custom', `${M} client/rest/users.ts updateCustomStatus`, S.Empty, (x) => x.c.updateCustomStatus({ emoji: 'calendar', text: 'In a meeting' } as any), {
    refused: 'custom statuses are off in the client config (EnableCustomUserStatuses "false"), so neither app shows the "Set a custom status" item; a direct call answers 501',
    answer: 501,
  }),
  ...both('menus', 'POST', '/channels', { mobile: 'client/rest/channels.ts createChannel (create channel screen)', web: 'actions/channels.ts createChannel' }, S.ChannelShape, async (x) => {
    x.v.channel = await x.c.createChannel({ team_id: x.team.id, name: `${x.app}-room`, display_name: `${x.app} room`, type: 'O', purpose: '', header: '' } as any);
    return x.v.channel;
  }),
  ...both('menus', 'POST', '/channels/direct', { mobile: 'client/rest/channels.ts createDirectChannel (new direct message)', web: 'actions/channels.ts createDirectChannel' }, S.ChannelShape, (x) => x.c.createDirectChannel([x.me.id, x.bob.id])),
  ...both('menus', 'POST', '/channels/group', { mobile: 'client/rest/channels.ts createGroupChannel', web: 'actions/channels.ts createGroupChannel' }, S.ChannelShape, (x) => x.c.createGroupChannel([x.me.id, x.bob.id, x.admin.id])),
  ...both('menus', 'GET', '/teams/{tid}/channels', { mobile: 'client/rest/channels.ts getChannels (browse channels)', web: 'actions/channels.ts getChannels' }, S.arrayOf(S.ChannelShape), (x) => x.c.getChannels(x.team.id, 0, 50)),
  ...both('menus', 'GET', '/teams/{tid}/channels/deleted', { mobile: 'client/rest/channels.ts getArchivedChannels (browse: archived channels)', web: 'actions/channels.ts getArchivedChannels' }, S.arrayOf(S.ChannelShape), (x) => x.c.getArchivedChannels(x.team.id, 0, 50)),
  ...both('menus', 'GET', '/users?in_team=&not_in_channel=', { mobile: 'client/rest/users.ts getProfilesNotInChannel (add members)', web: 'actions/users.ts getProfilesNotInChannel' }, S.arrayOf(S.User), (x) => x.c.getProfilesNotInChannel(x.team.id, x.v.channel.id, false, 0, 60)),
  ...both('menus', 'POST', '/channels/{id}/members', { mobile: 'client/rest/channels.ts addToChannel (add members)', web: 'actions/channels.ts addChannelMember' }, S.ChannelMember, (x) => x.c.addToChannel(x.bob.id, x.v.channel.id)),
  ...both('menus', 'PUT', '/channels/{id}/patch', { mobile: 'client/rest/channels.ts patchChannel (edit channel)', web: 'actions/channels.ts patchChannel' }, S.ChannelShape, (x) => x.c.patchChannel(x.v.channel.id, { header: 'a header' } as any)),
  ...both('menus', 'DELETE', '/channels/{id}/members/{uid}', { mobile: 'client/rest/channels.ts removeFromChannel (leave channel)', web: 'actions/channels.ts leaveChannel' }, S.StatusOK, (x) => x.c.removeFromChannel(x.me.id, x.v.channel.id)),
  ...both('menus', 'GET', '/teams/{tid}/stats', { mobile: 'client/rest/teams.ts getTeamStats', web: 'actions/teams.ts getTeamStats' }, S.TeamStatsShape, (x) => x.c.getTeamStats(x.team.id)),
  call('web', 'menus', 'GET', '/users/stats', `${R} actions/users.ts getTotalUsersStats`, S.exact('UsersStats', { total_users_count: 'number' }), (x) => x.c.getTotalUsersStats()),
  call('web', 'menus', 'POST', '/channels/members/me/mark_read', `${R} actions/channels.ts readMultipleChannels (mark as read)`, S.exact('ChannelViewResponse', { status: 'string', last_viewed_at_times: 'object' }), (x) => x.c.readMultipleChannels([x.town.id, x.offTopic.id])),
  ...both('menus', 'PUT', '/users/{id}/preferences', { mobile: 'client/rest/preferences.ts savePreferences (display settings)', web: 'actions/preferences.ts savePreferences' }, S.StatusOK, (x) => x.c.savePreferences(x.me.id, [{ user_id: x.me.id, category: 'display_settings', name: 'use_military_time', value: 'true' }])),
  ...both('menus', 'GET', '/users/{id}/image', { mobile: 'client/rest/users.ts getProfilePictureUrl (actions/remote/user.ts, avatars)', web: 'Client4.getProfilePictureUrl' }, S.Empty, async (x) => {
    const r = await fetch(`${x.s.url}/api/v4/users/${x.bob.id}/image`, { headers: { authorization: `Bearer ${x.c.getToken()}` } });
    if (r.status !== 200 || !(r.headers.get('content-type') ?? '').startsWith('image/')) throw new Error(`image: ${r.status}`);
    await r.arrayBuffer();
    return {};
  }),
  call('web', 'menus', 'POST', '/users/{id}/image', `${R} actions/users.ts uploadProfileImage (profile settings)`, S.StatusOK, async (x) => {
    const r = await x.c.uploadProfileImage(x.me.id, new Blob([png(64, 64)], { type: 'image/png' }) as any);
    const me = await x.c.getMe();
    if (!(me.last_picture_update > 0)) throw new Error('last_picture_update not set');
    return r;
  }),
  call('web', 'menus', 'DELETE', '/users/{id}/image', `${R} actions/users.ts setDefaultProfileImage`, S.StatusOK, (x) => x.c.setDefaultProfileImage(x.me.id)),
  ...both('menus', 'POST', '/users/logout', { mobile: 'client/rest/users.ts logout', web: 'actions/users.ts logout' }, S.Empty, async (x) => {
    // A second session, so the replay's own stays usable.
    const other = x.s.client();
    await other.login(x.me.username, PASSWORD);
    const token = other.getToken();
    const res: Response = await other.logout(); // Client4 hands back the Response (body already read)
    if (!res.ok) throw new Error(`logout: ${res.status}`);
    // The session is over: the token no longer works.
    const after = await fetch(`${x.s.url}/api/v4/users/me`, { headers: { authorization: `Bearer ${token}` } });
    await after.arrayBuffer();
    if (after.status !== 401) throw new Error(`after logout: ${after.status}`);
    return {};
  }),
];
