import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env.ts';
import type { Deps } from '../../deps.ts';
import { readJson } from '../validate.ts';
import { notFound } from '../../errors.ts';
import { mmJson } from './respond.ts';
import { currentIntegrationRights, type IntegrationKind, type IntegrationRights } from '../../actions/integration-access.ts';

/**
 * Mattermost's apps decide what to show (the message box, "create channel", "add members", the
 * integrations menus) from the permissions of the caller's roles. RustChat has fixed roles; these
 * lists say what each one may do here, matching what the actions enforce (a permission listed here
 * that an action then refuses would be a bug). Nothing is editable. The integration permissions
 * follow the integration settings an admin changes at runtime (integrationPermissions below).
 */
const PERMISSIONS: Record<string, string[]> = {
  system_user: ['create_team', 'list_public_teams', 'join_public_teams', 'create_direct_channel', 'create_group_channel', 'view_members', 'edit_own_user'],
  system_admin: [
    'manage_system', 'manage_team', 'manage_others_teams', 'delete_team', 'add_user_to_team', 'remove_user_from_team', 'manage_team_roles',
    'manage_channel_roles', 'delete_others_posts', 'edit_others_posts', 'delete_public_channel', 'delete_private_channel',
    'manage_public_channel_members', 'manage_private_channel_members', 'read_channel', 'read_channel_content', 'edit_other_users',
    'list_private_teams', 'join_private_teams', 'sysconsole_read_user_management_users',
  ],
  team_user: ['view_team', 'list_team_channels', 'join_public_channels', 'read_public_channel', 'create_public_channel', 'create_private_channel'],
  team_admin: ['add_user_to_team', 'remove_user_from_team', 'manage_team', 'manage_team_roles', 'manage_channel_roles', 'delete_others_posts', 'delete_public_channel', 'delete_private_channel', 'manage_public_channel_members', 'manage_private_channel_members'],
  channel_user: [
    'read_channel', 'read_channel_content', 'create_post', 'edit_post', 'delete_post', 'add_reaction', 'remove_reaction', 'upload_file',
    'use_channel_mentions', 'manage_public_channel_members', 'manage_private_channel_members',
    'manage_public_channel_properties', 'manage_private_channel_properties',
  ],
  // Archiving and removing other members take a channel, team or system admin (actions/channels.ts).
  channel_admin: ['manage_channel_roles', 'delete_others_posts', 'delete_public_channel', 'delete_private_channel'],
};

const NAMES: Record<string, string> = {
  system_user: 'authentication.roles.global_user.name',
  system_admin: 'authentication.roles.global_admin.name',
  team_user: 'authentication.roles.team_user.name',
  team_admin: 'authentication.roles.team_admin.name',
  channel_user: 'authentication.roles.channel_user.name',
  channel_admin: 'authentication.roles.channel_admin.name',
};

/**
 * Mattermost's names for managing each kind of integration: the current `manage_own_*` and the
 * older name of the same right that apps before the split read (Mattermost keeps both), and
 * `manage_others_*`.
 */
const KIND_PERMISSIONS: Record<IntegrationKind, { own: string[]; others: string }> = {
  enable_incoming_webhooks: { own: ['manage_own_incoming_webhooks', 'manage_incoming_webhooks'], others: 'manage_others_incoming_webhooks' },
  enable_outgoing_webhooks: { own: ['manage_own_outgoing_webhooks', 'manage_outgoing_webhooks'], others: 'manage_others_outgoing_webhooks' },
  enable_commands: { own: ['manage_own_slash_commands', 'manage_slash_commands'], others: 'manage_others_slash_commands' },
};
const TOKEN_PERMISSIONS = ['create_user_access_token', 'read_user_access_token', 'revoke_user_access_token'];
/** A user's own bots (read, change, enable or disable, give to someone else). */
const OWN_BOT_PERMISSIONS = ['read_bots', 'manage_bots', 'assign_bot'];
const ALL_BOT_PERMISSIONS = ['create_bot', ...OWN_BOT_PERMISSIONS, 'read_others_bots', 'manage_others_bots'];

/**
 * The integration permissions of a role under the rights in force (actions/integration-access.ts):
 * webhooks and slash commands are team permissions (team_user: their own, when members may manage
 * integrations; team_admin: anyone's), held by system_admin in every team; access tokens and bots
 * are system permissions. A kind that is turned off is held by nobody (its actions answer 501).
 */
export function integrationPermissions(role: string, r: IntegrationRights): string[] {
  const manage = (kinds: IntegrationKind[], others: boolean) => kinds.flatMap((k) => [...KIND_PERMISSIONS[k].own, ...(others ? [KIND_PERMISSIONS[k].others] : [])]);
  switch (role) {
    case 'team_user':
      return manage(r.memberKinds, false);
    case 'team_admin':
      return manage(r.adminKinds, true);
    case 'system_user':
      return [...(r.ownTokens === 'everyone' ? TOKEN_PERMISSIONS : []), ...(r.bots ? OWN_BOT_PERMISSIONS : [])];
    case 'system_admin':
      return [...manage(r.adminKinds, true), ...(r.ownTokens !== 'nobody' ? TOKEN_PERMISSIONS : []), ...(r.bots ? ALL_BOT_PERMISSIONS : [])];
    default:
      return [];
  }
}

export function presentMmRole(name: string, rights: IntegrationRights) {
  return {
    id: name,
    name,
    display_name: NAMES[name],
    description: '',
    create_at: 0,
    update_at: 0,
    delete_at: 0,
    permissions: [...PERMISSIONS[name]!, ...integrationPermissions(name, rights)],
    scheme_managed: true,
    built_in: true,
  };
}

/** A role RustChat has (an own key: `constructor` or `__proto__` are no roles). */
const isRole = (name: string) => Object.hasOwn(PERMISSIONS, name);

export function roleRoutes() {
  const r = new Hono<AppEnv>();
  const one = async (deps: Deps, name: string) => {
    if (!isRole(name)) throw notFound('role_not_found', 'Role not found');
    return presentMmRole(name, await currentIntegrationRights(deps));
  };
  r.post('/roles/names', async (c) => {
    const names = await readJson(c, z.array(z.string().max(64)).max(100));
    const rights = await currentIntegrationRights(c.get('deps'));
    return mmJson(c, [...new Set(names)].filter(isRole).map((n) => presentMmRole(n, rights)));
  });
  r.get('/roles/name/:name', async (c) => mmJson(c, await one(c.get('deps'), c.req.param('name'))));
  r.get('/roles/:id', async (c) => mmJson(c, await one(c.get('deps'), c.req.param('id'))));
  return r;
}
