import type { Deps } from '../deps.ts';
import { badRequest, notFound } from '../errors.ts';
import { isId } from '../ids.ts';
import { accessChannel, accessTeam } from './access.ts';
import type { Auth } from './tokens.ts';
import { builtinCommands, type BuiltinCommand } from './builtin-commands.ts';
import { answerCommandWebhook, runCustomCommand } from './custom-commands.ts';
import { sendEphemeral } from './ephemeral-posts.ts';
import { listCustomCommandsForTeam, type CommandContext, type CommandResponse } from './command-common.ts';

/**
 * Slash commands: `/trigger args` typed in a channel. Built-ins (builtin-commands.ts) act
 * through the same actions as the rest of the API; a team's custom commands
 * (custom-commands.ts) call out to their URL. The answer has Mattermost's CommandResponse
 * fields; an `ephemeral` text is also delivered to the caller alone as an `ephemeral_message`
 * post, never stored.
 */
export type { CommandContext, CommandResponse } from './command-common.ts';

export const MAX_COMMAND_CHARS = 4000;

export interface ExecuteInput {
  command?: unknown;
  channel_id?: unknown;
  root_id?: unknown;
  team_id?: unknown;
  /** This server's public origin (gives custom commands a response_url). */
  origin?: string;
}

/** Splits `/trigger args`; throws 400 for anything that is not a command. */
export function parseCommand(raw: unknown): { trigger: string; args: string; command: string } {
  if (typeof raw !== 'string' || !raw.startsWith('/')) throw badRequest('invalid_command', 'command must start with /');
  if (raw.length > MAX_COMMAND_CHARS || raw.includes('\u0000')) throw badRequest('invalid_command', `command must be at most ${MAX_COMMAND_CHARS} characters`);
  const m = /^\/(\S+)(?:\s+([\s\S]*))?$/.exec(raw.trim());
  if (!m) throw badRequest('invalid_command', 'command has no name');
  return { trigger: m[1].toLowerCase(), args: (m[2] ?? '').trim(), command: raw };
}

/**
 * Runs a command typed in a channel the caller can read. Unknown commands are 404
 * `command_not_found`; a command's own failure is reported to the caller as an ephemeral text
 * (its HTTP status stays 200), except permission and input errors of built-ins, which keep their
 * status so API clients can tell.
 */
export async function executeCommand(deps: Deps, auth: Auth, input: ExecuteInput): Promise<CommandResponse> {
  const { trigger, args, command } = parseCommand(input.command);
  if (!isId(input.channel_id)) throw badRequest('invalid_id', 'channel_id is not a valid id');
  const rootId = input.root_id === undefined || input.root_id === null || input.root_id === '' ? '' : input.root_id;
  if (rootId && !isId(rootId)) throw badRequest('invalid_root_id', 'root_id is not a valid id');
  const { channel } = await accessChannel(deps.db, auth, input.channel_id, { mode: 'read' });
  let teamId = channel.team_id;
  if (!teamId && isId(input.team_id)) {
    const rows = await deps.db.query('select 1 from team_members where team_id = $1 and user_id = $2', [input.team_id, auth.user.id]);
    if (rows.length) teamId = input.team_id;
  }
  const ctx: CommandContext = { deps, auth, channel, rootId: rootId as string, teamId, trigger, args, command, origin: input.origin };
  const builtin: BuiltinCommand | undefined = builtinCommands[trigger];
  let res: CommandResponse | undefined;
  if (builtin) res = await builtin.run(ctx);
  else if (teamId) res = await runCustomCommand(ctx);
  if (!res) throw notFound('command_not_found', `Command with a trigger of '/${trigger}' not found`);
  deliver(ctx, res);
  return res;
}

/**
 * `POST /hooks/commands/{id}`: a custom command's delayed answer to its response_url, handled as
 * its direct answer is (in_channel posted as the user who ran it, ephemeral to their sockets).
 */
export async function executeCommandWebhook(deps: Deps, id: string, raw: unknown): Promise<void> {
  const { ctx, responses } = await answerCommandWebhook(deps, id, raw);
  const [first, ...extra] = responses;
  deliver(ctx, { ...first, extra_responses: extra });
}

/** Ephemeral texts (and extra responses) go to the caller's sockets. */
function deliver(ctx: CommandContext, res: CommandResponse) {
  for (const r of [res, ...(res.extra_responses ?? [])]) {
    if (r.response_type === 'ephemeral' && (r.text || r.attachments?.length)) {
      const props = { ...(r.props ?? {}), ...(r.attachments?.length ? { attachments: r.attachments } : {}) };
      sendEphemeral(ctx.deps, ctx.auth.user.id, ctx.channel.id, ctx.rootId, r.text, { props });
    }
  }
}

export interface CommandSuggestion {
  trigger: string;
  hint: string;
  description: string;
  /** A team's own command (false: built in). */
  custom: boolean;
}

/** The commands a caller can type in a team whose trigger starts with `prefix` (without the slash), built-ins first. */
export async function commandSuggestions(deps: Deps, auth: Auth, teamId: string, prefix = ''): Promise<CommandSuggestion[]> {
  if (!isId(teamId)) throw badRequest('invalid_id', 'team_id is not a valid id');
  await accessTeamMember(deps, auth, teamId);
  const p = prefix.replace(/^\//, '').toLowerCase();
  const builtins = Object.entries(builtinCommands)
    .filter(([t]) => t.startsWith(p))
    .map(([trigger, c]) => ({ trigger, hint: c.hint, description: c.description, custom: false }));
  const custom = (await listCustomCommandsForTeam(deps, teamId))
    .filter((c) => c.auto_complete && c.trigger.toLowerCase().startsWith(p))
    .map((c) => ({ trigger: c.trigger, hint: c.auto_complete_hint, description: c.auto_complete_desc || c.description, custom: true }));
  return [...builtins, ...custom].sort((a, b) => a.trigger.localeCompare(b.trigger));
}

async function accessTeamMember(deps: Deps, auth: Auth, teamId: string) {
  await accessTeam(deps.db, auth, teamId, 'member');
}
