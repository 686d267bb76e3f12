import { listCustomCommandsForTeam, ok, type CommandContext, type CommandResponse } from './command-common.ts';
import { badRequest, notFound } from '../errors.ts';
import { createPost } from './posts.ts';
import { setMyStatus } from './presence.ts';
import { addChannelMember, getOrCreateDirect, joinChannel, leaveChannel, patchChannel, removeChannelMember } from './channels.ts';
import { searchPosts } from './search.ts';
import { getChannelByName } from '../store/channels.ts';
import { updateChannelNotifyProps } from './notify-props.ts';

/**
 * The built-in slash commands (Mattermost's set). Each acts through the same actions as the API
 * (so the same permissions and events apply) and answers like a CommandResponse: an ephemeral
 * text for the caller, and sometimes a place to go.
 */
export interface BuiltinCommand {
  hint: string;
  description: string;
  run(ctx: CommandContext): Promise<CommandResponse>;
}

const teamName = async (ctx: CommandContext) => (ctx.teamId ? ((await ctx.deps.db.query<{ name: string }>('select name from teams where id = $1', [ctx.teamId]))[0]?.name ?? '') : '');

async function userByName(ctx: CommandContext, raw: string): Promise<{ id: string; username: string }> {
  const name = raw.replace(/^@/, '').toLowerCase();
  if (!name) throw badRequest('invalid_command_args', 'Name a user, as @username');
  const rows = await ctx.deps.db.query<{ id: string; username: string }>('select id, username from users where lower(username) = $1 and delete_at = 0', [name]);
  if (!rows[0]) throw notFound('user_not_found', `No user named @${name}`);
  return rows[0];
}

async function channelByName(ctx: CommandContext, raw: string) {
  const name = raw.replace(/^~/, '').toLowerCase();
  if (!name) throw badRequest('invalid_command_args', 'Name a channel, as ~channel-name');
  const ch = ctx.teamId ? await getChannelByName(ctx.deps.db, ctx.teamId, name) : undefined;
  if (!ch || ch.delete_at !== 0) throw notFound('channel_not_found', `No channel named ~${name} in this team`);
  return ch;
}

/** Posts into the command's channel (and thread) as the caller. */
async function postAsCaller(ctx: CommandContext, message: string, type?: string) {
  if (!message.trim()) throw badRequest('invalid_command_args', `/${ctx.trigger} needs some text`);
  await createPost(ctx.deps, ctx.auth, ctx.channel.id, { message, root_id: ctx.rootId || undefined }, type ? { type, props: {} } : {});
  return ok();
}

const status = (value: 'online' | 'away' | 'dnd' | 'offline', text: string): BuiltinCommand => ({
  hint: '',
  description: `Set your status to ${value === 'dnd' ? 'Do Not Disturb' : value}`,
  async run(ctx) {
    await setMyStatus(ctx.deps, ctx.auth.user.id, { status: value, manual: true });
    return ok(text);
  },
});

const channelText = (field: 'header' | 'purpose' | 'display_name', label: string): BuiltinCommand => ({
  hint: field === 'display_name' ? '[new name]' : `[${label}]`,
  description: field === 'display_name' ? 'Rename the channel' : `Edit the channel ${label}`,
  async run(ctx) {
    if (!ctx.channel.team_id) throw badRequest('invalid_command_args', `/${ctx.trigger} works in team channels`);
    if (field === 'display_name' && !ctx.args) throw badRequest('invalid_command_args', 'Give the new name');
    await patchChannel(ctx.deps, ctx.auth, ctx.channel.id, { [field]: ctx.args });
    return ok();
  },
});

export const builtinCommands: Record<string, BuiltinCommand> = {
  me: { hint: '[message]', description: 'Do an action', run: (ctx) => postAsCaller(ctx, ctx.args ? `*${ctx.args}*` : '', 'me') },
  shrug: { hint: '[message]', description: 'Adds ¯\\_(ツ)_/¯ to your message', run: (ctx) => postAsCaller(ctx, `${ctx.args ? `${ctx.args} ` : ''}¯\\\\\\_(ツ)\\_/¯`) },
  code: {
    hint: '[text]',
    description: 'Display text as a code block',
    run: (ctx) => postAsCaller(ctx, ctx.args ? '```\n' + ctx.args + '\n```' : ''),
  },
  echo: {
    hint: '[message]',
    description: 'Echo back text from your account (shown only to you)',
    run: async (ctx) => ok(ctx.args.replace(/^"(.*)"(\s+\d+)?$/s, '$1') || 'Nothing to echo'),
  },
  away: status('away', 'You are now away'),
  online: status('online', 'You are now online'),
  dnd: status('dnd', 'Do Not Disturb is enabled. You will not receive desktop or mobile push notifications until Do Not Disturb is turned off.'),
  offline: status('offline', 'You are now offline'),
  join: {
    hint: '~[channel]',
    description: 'Join the open channel',
    async run(ctx) {
      const ch = await channelByName(ctx, ctx.args.split(/\s+/)[0] ?? '');
      await joinChannel(ctx.deps, ctx.auth, ch.id);
      return ok('', { goto_location: `/${await teamName(ctx)}/channels/${ch.name}` });
    },
  },
  leave: {
    hint: '',
    description: 'Leave the current channel',
    async run(ctx) {
      if (!ctx.channel.team_id) throw badRequest('invalid_command_args', 'You cannot leave a direct or group message with /leave');
      await leaveChannel(ctx.deps, ctx.auth, ctx.channel.id);
      return ok('', { goto_location: `/${await teamName(ctx)}/channels/town-square` });
    },
  },
  msg: {
    hint: '@[username] [message]',
    description: 'Send a direct message to a user',
    async run(ctx) {
      const [who, ...rest] = ctx.args.split(/\s+/);
      const user = await userByName(ctx, who ?? '');
      const { channel } = await getOrCreateDirect(ctx.deps, ctx.auth, { user_id: user.id });
      const text = rest.join(' ').trim();
      if (text) await createPost(ctx.deps, ctx.auth, channel.id, { message: text });
      return ok('', { goto_location: `/${await teamName(ctx)}/messages/@${user.username}` });
    },
  },
  invite: {
    hint: '@[username] ~[channel]',
    description: 'Invite a user to a channel',
    async run(ctx) {
      const [who, where] = ctx.args.split(/\s+/);
      const user = await userByName(ctx, who ?? '');
      const ch = where ? await channelByName(ctx, where) : ctx.channel;
      const { created } = await addChannelMember(ctx.deps, ctx.auth, ch.id, { user_id: user.id });
      return ok(created ? `@${user.username} added to ~${ch.name}.` : `@${user.username} is already in ~${ch.name}.`);
    },
  },
  kick: {
    hint: '@[username]',
    description: 'Remove a member from the channel',
    async run(ctx) {
      const user = await userByName(ctx, ctx.args.split(/\s+/)[0] ?? '');
      await removeChannelMember(ctx.deps, ctx.auth, ctx.channel.id, user.id);
      return ok(`@${user.username} removed from the channel.`);
    },
  },
  header: channelText('header', 'header'),
  purpose: channelText('purpose', 'purpose'),
  rename: channelText('display_name', 'name'),
  mute: {
    hint: '~[channel]',
    description: 'Turn off desktop, email and push notifications and unread marking for the channel (run again to turn them back on)',
    async run(ctx) {
      const ch = ctx.args ? await channelByName(ctx, ctx.args.split(/\s+/)[0]!) : ctx.channel;
      const member = await ctx.deps.db.query<{ notify_props: Record<string, unknown> }>('select notify_props from channel_members where channel_id = $1 and user_id = $2', [ch.id, ctx.auth.user.id]);
      if (!member[0]) throw badRequest('not_channel_member', `You are not a member of ~${ch.name}`);
      const muted = member[0].notify_props?.mark_unread === 'mention';
      await updateChannelNotifyProps(ctx.deps, ctx.auth, ch.id, ctx.auth.user.id, { mark_unread: muted ? 'all' : 'mention' });
      return ok(muted ? `~${ch.name || 'this channel'} is no longer muted.` : `~${ch.name || 'this channel'} is muted: you will only be notified of mentions.`);
    },
  },
  search: {
    hint: '[text]',
    description: 'Search text in messages',
    async run(ctx) {
      if (!ctx.args) throw badRequest('invalid_command_args', 'Give something to search for');
      const r = await searchPosts(ctx.deps, ctx.auth, { q: ctx.args, team_id: ctx.teamId || undefined, limit: 5 });
      if (!r.items.length) return ok(`No results for "${ctx.args}".`);
      const team = await teamName(ctx);
      const lines = r.items.map((v) => `- ${v.row.message.replace(/\s+/g, ' ').slice(0, 120)} ([view](/${team}/pl/${v.row.id}))`);
      return ok(`Results for "${ctx.args}":\n${lines.join('\n')}`);
    },
  },
  help: {
    hint: '',
    description: 'List the slash commands',
    async run(ctx) {
      const custom = ctx.teamId ? await listCustomCommandsForTeam(ctx.deps, ctx.teamId) : [];
      const lines = [
        ...Object.entries(builtinCommands).map(([t, c]) => `/${t} ${c.hint}`.trim() + ` — ${c.description}`),
        ...custom.map((c) => `/${c.trigger} ${c.auto_complete_hint}`.trim() + ` — ${c.auto_complete_desc || c.description || c.display_name}`),
      ];
      return ok(`Slash commands:\n${lines.join('\n')}`);
    },
  },
};
builtinCommands.remove = builtinCommands.kick;
