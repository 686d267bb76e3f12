import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env.ts';
import { readJson } from '../validate.ts';
import { badRequest } from '../../errors.ts';
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
  listChannelMembers,
  patchChannel,
  removeChannelMember,
  setChannelArchived,
  setChannelMemberRole,
} from '../../actions/channels.ts';
import { listAllMyChannels, listMyTeamChannels, markChannelRead } from '../../actions/unreads.ts';
import { listPinned } from '../../actions/pins.ts';
import { presentMmChannel, presentMmChannelMember, presentMmPost, presentMmPostList } from './presenters.ts';
import { mmJson, mmOk } from './respond.ts';
import { mmId, paging } from './params.ts';
import { pageOf } from './teams.ts';
import { notImplemented } from './errors.ts';

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
    const { page, perPage } = paging(c, 1000, 1000);
    const rows = await listAllMyChannels(c.get('deps'), c.get('auth'));
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
  r.get('/channels/:cid/stats', async (c) => {
    const cid = mmId(c, 'cid');
    const deps = c.get('deps');
    const auth = c.get('auth');
    const [count, pinned] = await Promise.all([getChannelMemberCount(deps, auth, cid), listPinned(deps, auth, cid)]);
    return mmJson(c, { channel_id: cid, member_count: count, guest_count: 0, pinnedpost_count: pinned.length });
  });
  r.get('/channels/:cid/pinned', async (c) => {
    const views = await listPinned(c.get('deps'), c.get('auth'), mmId(c, 'cid'));
    return mmJson(c, presentMmPostList(views.map((v) => presentMmPost(v.row, v))));
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
      const { member } = uid === auth.user.id ? await joinChannel(c.get('deps'), auth, cid) : await addChannelMember(c.get('deps'), auth, cid, { user_id: uid });
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
  r.delete('/channels/:cid/members/:uid', async (c) => {
    await removeChannelMember(c.get('deps'), c.get('auth'), mmId(c, 'cid'), mmId(c, 'uid', true));
    return mmOk(c);
  });
  return r;
}
