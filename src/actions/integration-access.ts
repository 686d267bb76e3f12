import type { Deps } from '../deps.ts';
import type { Queryable } from '../db/driver.ts';
import { AppError, badRequest, forbidden } from '../errors.ts';
import { isId } from '../ids.ts';
import { accessTeam, isTeamAdmin, type TeamAccess } from './access.ts';
import { integrationSettings, type IntegrationSettings } from './integration-settings.ts';
import type { Auth, AuthUser } from './tokens.ts';

/**
 * Who manages a team's webhooks and slash commands (Mattermost's manage_webhooks /
 * manage_slash_commands and their "others" variants): system admins and team admins manage all
 * of them; plain members only when `integrations.members_manage_integrations` is on, and then
 * only their own.
 */
/** The largest page of hooks a list answers. */
export const WEBHOOK_PAGE_MAX = 200;

export interface IntegrationAccess extends TeamAccess {
  /** May manage integrations created by others in this team. */
  manageOthers: boolean;
}

export type IntegrationKind = 'enable_incoming_webhooks' | 'enable_outgoing_webhooks' | 'enable_commands';

const DISABLED: Record<IntegrationKind, [string, string]> = {
  enable_incoming_webhooks: ['incoming_webhooks_disabled', 'Incoming webhooks have been disabled by the system admin.'],
  enable_outgoing_webhooks: ['outgoing_webhooks_disabled', 'Outgoing webhooks have been disabled by the system admin.'],
  enable_commands: ['commands_disabled', 'Custom slash commands have been disabled by the system admin.'],
};

/** Throws 501 (as Mattermost does) when the kind of integration is turned off. */
export async function assertIntegrationEnabled(deps: Deps, kind: IntegrationKind): Promise<IntegrationSettings> {
  const s = await integrationSettings(deps);
  if (!s[kind]) throw new AppError(501, ...DISABLED[kind]);
  return s;
}

export async function accessIntegrations(deps: Deps, q: Queryable, auth: Auth, teamId: string): Promise<IntegrationAccess> {
  const a = await accessTeam(q, auth, teamId, 'member');
  if (isTeamAdmin(auth, a)) return { ...a, manageOthers: true };
  if ((await integrationSettings(deps)).members_manage_integrations) return { ...a, manageOthers: false };
  throw forbidden('forbidden', 'Only team admins can manage integrations in this team');
}

/**
 * What each kind of user may do with integrations under the settings in force: the rules of
 * accessIntegrations and mayManage above, access-tokens.ts (assertManage) and bots.ts, stated
 * once for those who report them (the Mattermost roles, http/v4/roles.ts). Rights that hang on
 * one object are not here: a bot's owner also manages that bot's tokens, which no role can say.
 */
export interface IntegrationRights {
  /** Kinds a plain team member creates and manages (their own only): members_manage_integrations. */
  memberKinds: IntegrationKind[];
  /** Kinds team admins (and system admins, in every team) create and manage, anyone's. */
  adminKinds: IntegrationKind[];
  /** Who creates, lists and revokes the access tokens of their own account (system admins: anyone's). */
  ownTokens: 'everyone' | 'system_admins' | 'nobody';
  /** Bot accounts: system admins create and manage every bot; a user manages (and gives away) the bots they own. */
  bots: boolean;
}

export function integrationRights(s: IntegrationSettings): IntegrationRights {
  const enabled = (Object.keys(DISABLED) as IntegrationKind[]).filter((k) => s[k]);
  return {
    memberKinds: s.members_manage_integrations ? enabled : [],
    adminKinds: enabled,
    ownTokens: s.personal_access_tokens === 'everyone' ? 'everyone' : s.personal_access_tokens === 'admins' ? 'system_admins' : 'nobody',
    bots: s.enable_bot_accounts,
  };
}

/** The rights under the settings in force (the per-process settings cache: no query on a hit). */
export async function currentIntegrationRights(deps: Deps): Promise<IntegrationRights> {
  return integrationRights(await integrationSettings(deps));
}

/** Whether the caller may manage an integration a given user created. */
export function mayManage(auth: Auth, a: IntegrationAccess, creatorId: string): boolean {
  return a.manageOthers || creatorId === auth.user.id;
}

/**
 * An integration (hook or command) the caller may manage, loaded by id; 404 with `missing` for
 * any other, also when the caller may not manage the team's integrations at all (ids are
 * secrets: never confirm one). A malformed id is 400 `invalid_id`.
 */
export async function accessManaged<T extends { team_id: string; creator_id: string }>(
  deps: Deps,
  auth: Auth,
  id: string,
  what: { noun: string; load: (q: Queryable, id: string) => Promise<T | undefined>; missing: () => AppError },
): Promise<T> {
  if (!isId(id)) throw badRequest('invalid_id', `${what.noun} id is not a valid id`);
  const row = await what.load(deps.db, id);
  if (!row) throw what.missing();
  try {
    const a = await accessIntegrations(deps, deps.db, auth, row.team_id);
    if (!mayManage(auth, a, row.creator_id)) throw what.missing();
  } catch (e) {
    if (e instanceof AppError && e.status === 403) throw what.missing();
    throw e;
  }
  return row;
}

/**
 * Whether the account an integration acts as may still post in a channel (Mattermost's
 * web.incoming_webhook.permissions check): a member of the channel, or — for a public channel —
 * a member of its team or a system admin. A creator who left the team (or was removed from it,
 * or from a private channel) no longer speaks through the hooks they made there; the hook
 * answers 403 until someone who may post re-creates it. (Mattermost skips the team check for
 * public channels; we do not, so a departed member's hook cannot keep posting as them.)
 */
export async function assertMayPostAs(q: Queryable, actor: Auth, channelId: string): Promise<void> {
  const rows = await q.query<{ type: string; channel_member: boolean; team_member: boolean }>(
    `select c.type,
            exists (select 1 from channel_members cm where cm.channel_id = c.id and cm.user_id = $2) as channel_member,
            exists (select 1 from team_members tm where tm.team_id = c.team_id and tm.user_id = $2) as team_member
       from channels c where c.id = $1`,
    [channelId, actor.user.id],
  );
  const c = rows[0];
  if (!c) return; // createPost answers for a channel that is gone
  if (c.channel_member) return;
  if (c.type === 'O' && (c.team_member || actor.isSystemAdmin)) return;
  throw forbidden('integration_no_permission', 'The account this integration acts as may no longer post in this channel');
}

/**
 * An Auth for a user the server acts as (a webhook's creator, a command's caller in a callback):
 * refused when the user is gone or deactivated. No session: nothing is revocable about it.
 */
export async function actAs(deps: Deps, userId: string): Promise<Auth> {
  const rows = await deps.db.query<AuthUser>('select id, username, email, roles, delete_at, mfa_active from users where id = $1', [userId]);
  const user = rows[0];
  if (!user || Number(user.delete_at) !== 0) throw forbidden('integration_user_inactive', 'The account this integration acts as is deactivated');
  return {
    user,
    session: { id: '', user_id: user.id, create_at: 0, expires_at: Number.MAX_SAFE_INTEGER, last_activity_at: 0, revoked_at: 0, ip: '', user_agent: '', device_id: '', props: { type: 'integration' } },
    isSystemAdmin: user.roles.split(' ').includes('system_admin'),
  };
}
