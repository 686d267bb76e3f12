import { Hono } from 'hono';
import type { AppEnv } from '../env.ts';
import { requireAuth } from '../middleware.ts';
import { idParam, readJson } from '../validate.ts';
import * as channels from '../../actions/channels.ts';
import { presentChannel, presentMember } from '../../actions/channels.ts';
import { getUnreads, listMyChannels, markChannelRead } from '../../actions/unreads.ts';
import { pageQuery } from './teams.ts';
import { z } from 'zod';
import { updateChannelNotifyProps } from '../../actions/notify-props.ts';

const OK = { status: 'ok' } as const;

/**
 * /api/v1/channels (API-v1.md "Channels"); the logic lives in actions/channels.ts and
 * actions/unreads.ts. Posts and pins under /channels/:id are in posts.ts (mounted alongside).
 */
export function channelsRoutes() {
  const r = new Hono<AppEnv>();

  r.get('/', requireAuth, async (c) => c.json(await listMyChannels(c.get('deps'), c.get('auth'))));

  r.post('/', requireAuth, async (c) => {
    const { channel } = await channels.createChannel(c.get('deps'), c.get('auth'), await readJson(c, channels.createChannelSchema));
    return c.json(presentChannel(channel), 201);
  });

  r.post('/direct', requireAuth, async (c) => {
    const { channel, created } = await channels.getOrCreateDirect(c.get('deps'), c.get('auth'), await readJson(c, channels.directSchema));
    return c.json(presentChannel(channel), created ? 201 : 200);
  });

  r.post('/group', requireAuth, async (c) => {
    const { channel, created } = await channels.getOrCreateGroup(c.get('deps'), c.get('auth'), await readJson(c, channels.groupSchema));
    return c.json(presentChannel(channel), created ? 201 : 200);
  });

  // Before /:id, which would otherwise take "unreads" as an (invalid) id.
  r.get('/unreads', requireAuth, async (c) => c.json(await getUnreads(c.get('deps'), c.get('auth'))));

  r.get('/:id', requireAuth, async (c) => {
    const { channel } = await channels.getChannel(c.get('deps'), c.get('auth'), idParam(c, 'id'));
    return c.json(presentChannel(channel));
  });

  r.patch('/:id', requireAuth, async (c) => {
    const id = idParam(c, 'id');
    const channel = await channels.patchChannel(c.get('deps'), c.get('auth'), id, await readJson(c, channels.patchChannelSchema));
    return c.json(presentChannel(channel));
  });

  r.put('/:id/privacy', requireAuth, async (c) => {
    const id = idParam(c, 'id');
    return c.json(presentChannel(await channels.setChannelPrivacy(c.get('deps'), c.get('auth'), id, await readJson(c, channels.privacySchema))));
  });

  r.delete('/:id', requireAuth, async (c) => {
    return c.json(presentChannel(await channels.setChannelArchived(c.get('deps'), c.get('auth'), idParam(c, 'id'), true)));
  });

  r.post('/:id/restore', requireAuth, async (c) => {
    return c.json(presentChannel(await channels.setChannelArchived(c.get('deps'), c.get('auth'), idParam(c, 'id'), false)));
  });

  r.post('/:id/join', requireAuth, async (c) => {
    const { member, created } = await channels.joinChannel(c.get('deps'), c.get('auth'), idParam(c, 'id'));
    return c.json(presentMember(member), created ? 201 : 200);
  });

  r.post('/:id/leave', requireAuth, async (c) => {
    await channels.leaveChannel(c.get('deps'), c.get('auth'), idParam(c, 'id'));
    return c.json(OK);
  });

  r.get('/:id/members', requireAuth, async (c) => {
    const id = idParam(c, 'id');
    const page = await channels.listChannelMembers(c.get('deps'), c.get('auth'), id, pageQuery(c));
    return c.json({ items: page.items.map(presentMember), next_cursor: page.next_cursor });
  });

  r.post('/:id/members', requireAuth, async (c) => {
    const id = idParam(c, 'id');
    const { member, created } = await channels.addChannelMember(c.get('deps'), c.get('auth'), id, await readJson(c, channels.userIdSchema));
    return c.json(presentMember(member), created ? 201 : 200);
  });

  r.patch('/:id/members/:user_id', requireAuth, async (c) => {
    const id = idParam(c, 'id');
    const userId = idParam(c, 'user_id');
    const m = await channels.setChannelMemberRole(c.get('deps'), c.get('auth'), id, userId, await readJson(c, channels.channelRoleSchema));
    return c.json(presentMember(m));
  });

  // The member's own notification settings for the channel (mark_unread "mention" = mute).
  r.put('/:id/members/:user_id/notify_props', requireAuth, async (c) => {
    const id = idParam(c, 'id');
    const auth = c.get('auth');
    const userId = c.req.param('user_id') === 'me' ? auth.user.id : idParam(c, 'user_id');
    const m = await updateChannelNotifyProps(c.get('deps'), auth, id, userId, await readJson(c, z.record(z.string(), z.unknown())));
    return c.json(presentMember(m));
  });

  r.delete('/:id/members/:user_id', requireAuth, async (c) => {
    const id = idParam(c, 'id');
    await channels.removeChannelMember(c.get('deps'), c.get('auth'), id, idParam(c, 'user_id'));
    return c.json(OK);
  });

  r.post('/:id/read', requireAuth, async (c) => {
    const { member, unread } = await markChannelRead(c.get('deps'), c.get('auth'), idParam(c, 'id'));
    return c.json({ member: presentMember(member), unread });
  });

  return r;
}
