import { z } from 'zod';
import type { Deps } from '../deps.ts';
import type { Auth } from './tokens.ts';
import type { Post } from '../contract/objects.ts';
import { badRequest, forbidden, notFound } from '../errors.ts';
import { newId } from '../ids.ts';
import { checkId, checkInput, readableChannelIds } from './access.ts';
import { checkMessage, checkProps } from './posts.ts';
import { isSystemAdminRoles } from './users.ts';
import { getUser } from '../store/users.ts';
import { getChannel } from '../store/channels.ts';

/**
 * Ephemeral posts: shown to one user's sockets as an `ephemeral_message` event and never stored
 * (a refetch drops them). Slash commands answer with them; system admins and their bots send
 * them through `POST /api/v4/posts/ephemeral`.
 */

/**
 * Sends a post to one user's sockets only; nothing is stored. Returns the post. Its author is
 * `o.senderId` (an API caller), else the user it is shown to (a command's own answer).
 */
export function sendEphemeral(
  deps: Deps,
  userId: string,
  channelId: string,
  rootId: string,
  message: string,
  o: { props?: Record<string, unknown>; type?: string; senderId?: string } = {},
): Post {
  const now = deps.now();
  const post: Post = {
    id: newId(),
    channel_id: channelId,
    user_id: o.senderId ?? userId,
    root_id: rootId,
    message,
    type: o.type || 'system_ephemeral',
    props: o.props ?? {},
    file_ids: [],
    client_msg_id: '',
    create_at: now,
    update_at: now,
    edit_at: 0,
    delete_at: 0,
    is_pinned: false,
    reply_count: 0,
    last_reply_at: 0,
    metadata: { reactions: [], files: [] },
  };
  deps.bus.publish({ event: 'ephemeral_message', data: { post, channel_id: channelId }, broadcast: { user_ids: [userId], channel_id: channelId } });
  return post;
}

/** Mattermost's PostEphemeral: `{user_id, post: {channel_id, message, root_id?, props?}}`; other post fields are ignored. */
export const ephemeralPostSchema = z.object({
  user_id: z.string(),
  post: z.object({
    channel_id: z.string(),
    message: z.unknown().optional(),
    root_id: z.unknown().optional(),
    props: z.unknown().optional(),
  }),
});

/**
 * `POST /api/v4/posts/ephemeral`: a post from the caller shown only to `user_id`, in a channel
 * that user can read. Mattermost's permission `create_post_ephemeral`, which only system admins
 * hold (a bot acts through a token with its own roles: a bot made a system admin may). Input is
 * checked first, as in Mattermost (400), then the permission (403), then the target: 404
 * `user_not_found`, 400 `user_deactivated`, 404 `channel_not_found`, 403 `forbidden` when the
 * user cannot read the channel.
 */
export async function createEphemeralPost(deps: Deps, auth: Auth, raw: unknown): Promise<Post> {
  const input = checkInput(ephemeralPostSchema, raw);
  const userId = checkId(input.user_id, 'user_id');
  const channelId = checkId(input.post.channel_id, 'channel_id');
  const message = checkMessage(input.post.message ?? '');
  const props = checkProps(input.post.props);
  const rootId = input.post.root_id === undefined || input.post.root_id === null || input.post.root_id === '' ? '' : checkId(input.post.root_id, 'root_id');
  const hasAttachments = Array.isArray(props.attachments) && props.attachments.length > 0;
  if (!message.trim() && !hasAttachments) throw badRequest('message_empty', 'An ephemeral post needs a message or attachments');
  if (!auth.isSystemAdmin) throw forbidden('forbidden', 'Only system admins can send ephemeral posts');

  const target = await getUser(deps.db, userId);
  if (!target) throw notFound('user_not_found', 'User not found');
  if (target.delete_at !== 0) throw badRequest('user_deactivated', 'That user is deactivated');
  const channel = await getChannel(deps.db, channelId);
  if (!channel) throw notFound('channel_not_found', 'Channel not found');
  const readable = await readableChannelIds(deps.db, { user: { id: userId }, isSystemAdmin: isSystemAdminRoles(target.roles) }, [channelId]);
  if (!readable.has(channelId)) throw forbidden('forbidden', 'That user cannot read this channel');
  // As createPost: every post of a bot account is marked, whatever the caller sent.
  if (auth.isBot) props.from_bot = 'true';
  return sendEphemeral(deps, userId, channelId, rootId, message, { props, senderId: auth.user.id });
}
