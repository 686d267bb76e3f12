import type { Deps } from '../deps.ts';
import type { ChannelRow } from '../store/channels.ts';
import { listCommands, type CommandRow } from '../store/commands.ts';
import { integrationSettings } from './integration-settings.ts';
import type { Auth } from './tokens.ts';

/**
 * What the slash command dispatcher (commands.ts), the built-ins (builtin-commands.ts) and the
 * custom commands (custom-commands.ts) share. It sits below all three, so /help can list the
 * custom commands while custom triggers are checked against the built-ins, without a cycle.
 */
export interface CommandResponse {
  response_type: 'ephemeral' | 'in_channel' | '';
  text: string;
  username?: string;
  icon_url?: string;
  type?: string;
  props?: Record<string, unknown>;
  goto_location: string;
  attachments?: Record<string, unknown>[];
  extra_responses?: CommandResponse[];
  trigger_id?: string;
  skip_slack_parsing?: boolean;
}

export interface CommandContext {
  deps: Deps;
  auth: Auth;
  channel: ChannelRow;
  /** '' outside a thread. */
  rootId: string;
  /** The team the command runs in: the channel's, or the one the client named for a DM/GM. */
  teamId: string;
  trigger: string;
  args: string;
  /** The whole command as typed. */
  command: string;
  /** This server's public origin, for a custom command's response_url ('' when unknown: none is given). */
  origin?: string;
}

export const ok = (text = '', o: Partial<CommandResponse> = {}): CommandResponse => ({ response_type: text ? 'ephemeral' : '', text, goto_location: '', ...o });

/** Every live custom command of a team (for /help and autocomplete; no tokens leave through it). */
export async function listCustomCommandsForTeam(deps: Deps, teamId: string): Promise<CommandRow[]> {
  if (!(await integrationSettings(deps)).enable_commands) return [];
  return listCommands(deps.db, { teamId, limit: 500, offset: 0 });
}
