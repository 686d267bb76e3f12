import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env.ts';
import { readJson } from '../validate.ts';
import { badRequest, notFound } from '../../errors.ts';
import { getTeamByName } from '../../actions/teams.ts';
import { channelTimezones } from '../../actions/users.ts';
import { isId } from '../../ids.ts';
import {
  addChannelMember,
  browseTeamChannels,
  createChannel,
  getChannel,
  getChannelByName,
  getChannelMember,
  getChannelMemberCount,
  getOrCreateDirect,
  getOrCreateGroup,
  joinChannel,
  listArchivedTeamChannels,
  listChannelMembers,
  patchChannel,
  removeChannelMember,
  setChannelArchived,
  setChannelPrivacy,
  setChannelMemberRole,
} from '../../actions/channels.ts';
import { listAllMyChannels, listMyTeamChannels, markChannelRead } from '../../actions/unreads.ts';
import { listPinned } from '../../actions/pins.ts';
import { presentView } from '../../actions/posts.ts';
import { presentMmChannel, presentMmChannelMember, presentMmPost, presentMmPostList } from './presenters.ts';
import { mmJson, mmOk } from './respond.ts';
import { mmId, paging } from './params.ts';
import { pageOf } from './teams.ts';
import { notImplemented } from './errors.ts';
import { updateChannelNotifyProps } from '../../actions/notify-props.ts';

/** `/users/{uid}/…` lists are the caller's own; other users' are an admin view not offered here. */
function selfOnly(uid: string, me: string, path: string) {
  if (uid !== 'me' && uid !== me) throw notImplemented('GET', path);
}

export function channelRoutes() {
  const r = new Hono<AppEnv>();

  r.get('/users/:uid/teams/:tid/channels', async (c) => {
    selfOnly(c.req.param('uid'), c.get('auth').user.id, '/api/v4/users/{other user}/teams/{tid}/channels');
    const { items } = await listMyTeamChannels(c.get('deps'), c.get('auth'), mmId(c, 'tid'));
    // Archived channels only on request, as in Mattermost.
    const withDeleted = c.req.query('include_deleted') === 'true';
    return mmJson(c, items.filter((ch) => withDeleted || ch.delete_at === 0).map(presentMmChannel));
  });
  r.get('/users/:uid/teams/:tid/channels/members', async (c) => {
    selfOnly(c.req.param('uid'), c.get('auth').user.id, '/api/v4/users/{other user}/teams/{tid}/channels/members');
    const { items } = await listMyTeamChannels(c.get('deps'), c.get('auth'), mmId(c, 'tid'));
    return mmJson(c, items.map((i) => presentMmChannelMember(i.member)));
  });
  r.get('/users/:uid/channels', async (c) => {
    selfOnly(c.req.param('uid'), c.get('auth').user.id, '/api/v4/users/{other user}/channels');
    const rows = await listAllMyChannels(c.get('deps'), c.get('auth'));
    const withDeleted = c.req.query('include_deleted') === 'true';
    return mmJson(c, rows.filter((r) => withDeleted || Number(r.channel.delete_at) === 0).map((r) => presentMmChannel(r.channel)));
  });
  r.get('/users/:uid/channel_members', async (c) => {
    selfOnly(c.req.param('uid'), c.get('auth').user.id, '/api/v4/users/{other user}/channel_members');
    const rows = await listAllMyChannels(c.get('deps'), c.get('auth'));
    // page=-1: all of them (the web app's loader: "the server streams if page is -1").
    if (c.req.query('page') === '-1') return mmJson(c, rows.map((r) => presentMmChannelMember(r.member)));
    const { page, perPage } = paging(c, 1000, 1000);
    return mmJson(c, rows.slice(page * perPage, (page + 1) * perPage).map((r) => presentMmChannelMember(r.member)));
  });

  // Public channels of a team: the ones to browse plus the public ones the caller is in.
  r.get('/teams/:tid/channels', async (c) => {
    const { page, perPage } = paging(c);
    const tid = mmId(c, 'tid');
    const deps = c.get('deps');
    const auth = c.get('auth');
    const [browse, mine] = await Promise.all([browseTeamChannels(deps, auth, tid), listMyTeamChannels(deps, auth, tid)]);
    const all = [...browse, ...mine.items.filter((ch) => ch.type === 'O' && ch.team_id === tid && ch.delete_at === 0)].sort((a, b) => a.display_name.localeCompare(b.display_name) || a.id.localeCompare(b.id));
    return mmJson(c, all.slice(page * perPage, (page + 1) * perPage).map(presentMmChannel));
  });
  // Channel search (browse dialog) and autocomplete (~channel mentions): public channels of the
  // team, joined or not; autocomplete adds the private ones the caller is in.
  const visible = async (c: Context<AppEnv>, withPrivate: boolean, term: string) => {
    const tid = mmId(c, 'tid');
    const deps = c.get('deps');
    const auth = c.get('auth');
    const [browse, mine] = await Promise.all([browseTeamChannels(deps, auth, tid), listMyTeamChannels(deps, auth, tid)]);
    const t = term.toLowerCase();
    return [...browse, ...mine.items.filter((ch) => ch.team_id === tid && (ch.type === 'O' || (withPrivate && ch.type === 'P')))]
      .filter((ch) => ch.delete_at === 0 && (!t || ch.name.includes(t) || ch.display_name.toLowerCase().includes(t)))
      .sort((a, b) => a.display_name.localeCompare(b.display_name) || a.id.localeCompare(b.id))
      .slice(0, 100)
      .map(presentMmChannel);
  };
  r.post('/teams/:tid/channels/search', async (c) => {
    const body = await readJson(c, z.object({ term: z.string().max(64) }).passthrough());
    return mmJson(c, await visible(c, false, body.term));
  });
  r.get('/teams/:tid/channels/autocomplete', async (c) => mmJson(c, await visible(c, true, (c.req.query('name') ?? '').slice(0, 64))));
  r.get('/teams/:tid/channels/search_autocomplete', async (c) => mmJson(c, await visible(c, true, (c.req.query('name') ?? '').slice(0, 64))));
  // Archived channels of the team ("Browse channels" → archived).
  r.get('/teams/:tid/channels/deleted', async (c) => {
    const { page, perPage } = paging(c);
    const rows = await listArchivedTeamChannels(c.get('deps'), c.get('auth'), mmId(c, 'tid'));
    return mmJson(c, rows.slice(page * perPage, (page + 1) * perPage).map(presentMmChannel));
  });
  // Opening a channel by its URL (/{team}/channels/{channel}).
  r.get('/teams/name/:team/channels/name/:name', async (c) => {
    const deps = c.get('deps');
    const auth = c.get('auth');
    const { team } = await getTeamByName(deps, auth, c.req.param('team'));
    const a = await getChannelByName(deps, auth, team.id, c.req.param('name'));
    if (a.channel.delete_at !== 0 && c.req.query('include_deleted') !== 'true') throw notFound('channel_not_found', 'Channel not found');
    return mmJson(c, presentMmChannel(a.channel));
  });
  r.get('/teams/:tid/channels/name/:name', async (c) => {
    const a = await getChannelByName(c.get('deps'), c.get('auth'), mmId(c, 'tid'), c.req.param('name'));
    return mmJson(c, presentMmChannel(a.channel));
  });

  r.post('/channels', async (c) => {
    const body = await readJson(c, z.object({ team_id: z.string(), name: z.string(), display_name: z.string(), type: z.string(), purpose: z.string().optional(), header: z.string().optional() }));
    if (body.type !== 'O' && body.type !== 'P') throw badRequest('invalid_input', 'type must be O or P');
    const { channel } = await createChannel(c.get('deps'), c.get('auth'), { ...body, type: body.type });
    return mmJson(c, presentMmChannel(channel), 201);
  });
  r.post('/channels/direct', async (c) => {
    const ids = await readJson(c, z.array(z.string()).length(2));
    const me = c.get('auth').user.id;
    if (!ids.includes(me)) throw badRequest('invalid_input', 'One of the two users must be you');
    const other = ids[0] === me ? ids[1] : ids[0];
    const { channel } = await getOrCreateDirect(c.get('deps'), c.get('auth'), { user_id: other });
    return mmJson(c, presentMmChannel(channel), 201);
  });
  r.post('/channels/group', async (c) => {
    const ids = await readJson(c, z.array(z.string()).min(2).max(16));
    const me = c.get('auth').user.id;
    const { channel } = await getOrCreateGroup(c.get('deps'), c.get('auth'), { user_ids: ids.filter((id) => id !== me) });
    return mmJson(c, presentMmChannel(channel), 201);
  });
  r.post('/channels/members/:uid/view', async (c) => {
    const uid = c.req.param('uid');
    const me = c.get('auth').user.id;
    if (uid !== 'me' && uid !== me) throw badRequest('invalid_param', 'You can only view channels as yourself');
    const body = await readJson(c, z.object({ channel_id: z.string(), prev_channel_id: z.string().optional(), collapsed_threads_supported: z.boolean().optional() }));
    const times: Record<string, number> = {};
    if (body.channel_id) {
      const { member } = await markChannelRead(c.get('deps'), c.get('auth'), body.channel_id);
      times[body.channel_id] = Number(member.last_viewed_at);
    }
    return mmOk(c, { last_viewed_at_times: times });
  });

  // Mark several channels read at once (the web app's "mark as read" on a category or team).
  r.post('/channels/members/:uid/mark_read', async (c) => {
    const uid = c.req.param('uid');
    const me = c.get('auth').user.id;
    if (uid !== 'me' && uid !== me) throw badRequest('invalid_param', 'You can only mark channels read as yourself');
    const ids = await readJson(c, z.array(z.string()).max(200));
    const times: Record<string, number> = {};
    for (const id of new Set(ids)) times[id] = Number((await markChannelRead(c.get('deps'), c.get('auth'), id)).member.last_viewed_at);
    return mmOk(c, { last_viewed_at_times: times });
  });
  // The mobile app reads these on every channel open (a warning before @channel at night).
  r.get('/channels/:cid/timezones', async (c) => mmJson(c, await channelTimezones(c.get('deps'), c.get('auth'), mmId(c, 'cid'))));
  r.get('/channels/:cid', async (c) => {
    const a = await getChannel(c.get('deps'), c.get('auth'), mmId(c, 'cid'));
    return mmJson(c, presentMmChannel(a.channel));
  });
  r.put('/channels/:cid/patch', async (c) => {
    const body = await readJson(c, z.object({ name: z.string().optional(), display_name: z.string().optional(), purpose: z.string().optional(), header: z.string().optional() }));
    const ch = await patchChannel(c.get('deps'), c.get('auth'), mmId(c, 'cid'), body);
    return mmJson(c, presentMmChannel(ch));
  });
  r.delete('/channels/:cid', async (c) => {
    await setChannelArchived(c.get('deps'), c.get('auth'), mmId(c, 'cid'), true);
    return mmOk(c);
  });
  r.post('/channels/:cid/restore', async (c) => {
    const ch = await setChannelArchived(c.get('deps'), c.get('auth'), mmId(c, 'cid'), false);
    return mmJson(c, presentMmChannel(ch));
  });
  // Mattermost's body is {privacy: "O"|"P"}.
  r.put('/channels/:cid/privacy', async (c) => {
    const body = await readJson(c, z.object({ privacy: z.enum(['O', 'P']) }));
    const ch = await setChannelPrivacy(c.get('deps'), c.get('auth'), mmId(c, 'cid'), { type: body.privacy });
    return mmJson(c, presentMmChannel(ch));
  });
  r.get('/channels/:cid/stats', async (c) => {
    const cid = mmId(c, 'cid');
    const deps = c.get('deps');
    const auth = c.get('auth');
    const [count, pinned] = await Promise.all([getChannelMemberCount(deps, auth, cid), listPinned(deps, auth, cid)]);
    return mmJson(c, { channel_id: cid, member_count: count, guest_count: 0, pinnedpost_count: pinned.length });
  });
  r.get('/channels/:cid/pinned', async (c) => {
    const views = await listPinned(c.get('deps'), c.get('auth'), mmId(c, 'cid'));
    return mmJson(c, presentMmPostList(views.map((v) => presentMmPost(presentView(v)))));
  });
  r.get('/channels/:cid/members', async (c) => {
    const { page, perPage } = paging(c);
    const cid = mmId(c, 'cid');
    const items = await pageOf((cursor, limit) => listChannelMembers(c.get('deps'), c.get('auth'), cid, { cursor, limit }), page, perPage);
    return mmJson(c, items.map(presentMmChannelMember));
  });
  r.get('/channels/:cid/members/:uid', async (c) => {
    const m = await getChannelMember(c.get('deps'), c.get('auth'), mmId(c, 'cid'), mmId(c, 'uid', true));
    return mmJson(c, presentMmChannelMember(m));
  });
  r.post('/channels/:cid/members', async (c) => {
    const cid = mmId(c, 'cid');
    const auth = c.get('auth');
    const body = await readJson(c, z.object({ user_id: z.string().optional(), user_ids: z.array(z.string()).max(100).optional(), post_root_id: z.string().optional() }));
    const ids = body.user_ids ?? (body.user_id ? [body.user_id] : []);
    if (!ids.length || !ids.every(isId)) throw badRequest('invalid_input', 'user_id or user_ids is required');
    const out = [];
    for (const uid of ids) {
      // Adding yourself is joining (public channels of your teams), except for a system admin, who
      // may add themselves to a private channel too, as Mattermost's manage_private_channel_members
      // allows (still only in a team they belong to: addChannelMember's user_not_in_team).
      const join = uid === auth.user.id && !auth.isSystemAdmin;
      const { member } = join ? await joinChannel(c.get('deps'), auth, cid) : await addChannelMember(c.get('deps'), auth, cid, { user_id: uid });
      out.push(presentMmChannelMember(member));
    }
    return mmJson(c, body.user_ids ? out : out[0], 201);
  });
  // Mattermost roles are space-separated lists; RustChat has exactly these two per channel.
  r.put('/channels/:cid/members/:uid/roles', async (c) => {
    const body = await readJson(c, z.object({ roles: z.string().max(200) }));
    const roles = new Set(body.roles.split(/\s+/).filter(Boolean));
    const role = roles.has('channel_admin') ? 'channel_admin' : 'channel_user';
    if (![...roles].every((r) => r === 'channel_user' || r === 'channel_admin')) throw badRequest('invalid_input', 'roles may only name channel_user and channel_admin');
    await setChannelMemberRole(c.get('deps'), c.get('auth'), mmId(c, 'cid'), mmId(c, 'uid', true), { role });
    return mmOk(c);
  });
  // The member's own notification settings for the channel; Mattermost sends the changed keys.
  r.put('/channels/:cid/members/:uid/notify_props', async (c) => {
    const body = await readJson(c, z.record(z.string(), z.unknown()));
    // Mattermost's body may repeat channel_id / user_id next to the props.
    const { channel_id: _c, user_id: _u, ...props } = body;
    await updateChannelNotifyProps(c.get('deps'), c.get('auth'), mmId(c, 'cid'), mmId(c, 'uid', true), props);
    return mmOk(c);
  });
  r.delete('/channels/:cid/members/:uid', async (c) => {
    await removeChannelMember(c.get('deps'), c.get('auth'), mmId(c, 'cid'), mmId(c, 'uid', true));
    return mmOk(c);
  });
  return r;
}
