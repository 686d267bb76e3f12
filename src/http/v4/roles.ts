import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env.ts';
import { readJson } from '../validate.ts';
import { notFound } from '../../errors.ts';
import { mmJson } from './respond.ts';

/**
 * Mattermost's apps decide what to show (the message box, "create channel", "add members") from
 * the permissions of the caller's roles. RustChat has fixed roles; these lists say what each one
 * may do here, matching what the actions enforce (a permission listed here that an action then
 * refuses would be a bug). Nothing is editable.
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

export function presentMmRole(name: string) {
  return {
    id: name,
    name,
    display_name: NAMES[name],
    description: '',
    create_at: 0,
    update_at: 0,
    delete_at: 0,
    permissions: PERMISSIONS[name],
    scheme_managed: true,
    built_in: true,
  };
}

export function roleRoutes() {
  const r = new Hono<AppEnv>();
  r.post('/roles/names', async (c) => {
    const names = await readJson(c, z.array(z.string().max(64)).max(100));
    return mmJson(c, [...new Set(names)].filter((n) => PERMISSIONS[n]).map(presentMmRole));
  });
  r.get('/roles/name/:name', (c) => {
    const name = c.req.param('name');
    if (!PERMISSIONS[name]) throw notFound('role_not_found', 'Role not found');
    return mmJson(c, presentMmRole(name));
  });
  r.get('/roles/:id', (c) => {
    const name = c.req.param('id');
    if (!PERMISSIONS[name]) throw notFound('role_not_found', 'Role not found');
    return mmJson(c, presentMmRole(name));
  });
  return r;
}
