import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env.ts';
import { clientIp } from '../middleware.ts';
import { siteOrigin } from '../session-cookies.ts';
import { readJson } from '../validate.ts';
import { commandSuggestions, executeCommand, type CommandResponse, type CommandSuggestion } from '../../actions/commands.ts';
import { createCommand, deleteCommand, getCommand, listCommands, regenerateCommandToken, updateCommand, type PresentedCommand } from '../../actions/custom-commands.ts';
import { mmJson, mmOk } from './respond.ts';
import { mmId, paging } from './params.ts';

/** Mattermost's Command (custom commands; built-ins have empty ids and tokens). */
export const presentMmCommand = (c: PresentedCommand) => ({
  id: c.id,
  token: c.token,
  create_at: c.create_at,
  creator_id: c.creator_id,
  update_at: c.update_at,
  delete_at: c.delete_at,
  team_id: c.team_id,
  trigger: c.trigger,
  method: c.method,
  username: c.username,
  icon_url: c.icon_url,
  auto_complete: c.auto_complete,
  auto_complete_desc: c.auto_complete_desc,
  auto_complete_hint: c.auto_complete_hint,
  display_name: c.display_name,
  description: c.description,
  url: c.url,
});

const builtinAsMm = (teamId: string, s: CommandSuggestion) => ({
  id: '', token: '', create_at: 0, creator_id: '', update_at: 0, delete_at: 0, team_id: teamId, trigger: s.trigger, method: 'P', username: '', icon_url: '',
  auto_complete: true, auto_complete_desc: s.description, auto_complete_hint: s.hint, display_name: s.trigger, description: s.description, url: '',
});

/** Mattermost's CommandResponse (every field present, as its clients expect). */
export const presentMmCommandResponse = (r: CommandResponse): Record<string, unknown> => ({
  response_type: r.response_type,
  text: r.text,
  username: r.username ?? '',
  channel_id: '',
  icon_url: r.icon_url ?? '',
  type: r.type ?? '',
  props: r.props ?? {},
  goto_location: r.goto_location,
  trigger_id: r.trigger_id ?? '',
  skip_slack_parsing: r.skip_slack_parsing ?? false,
  attachments: r.attachments ?? [],
  extra_responses: (r.extra_responses ?? []).map(presentMmCommandResponse),
});

const Body = z.record(z.string().max(64), z.unknown());
const EDITABLE = ['team_id', 'trigger', 'method', 'url', 'username', 'icon_url', 'auto_complete', 'auto_complete_desc', 'auto_complete_hint', 'display_name', 'description'] as const;
const pick = (b: Record<string, unknown>) => Object.fromEntries(EDITABLE.filter((k) => b[k] !== undefined).map((k) => [k, b[k]]));

/** `/commands…` and the team autocomplete routes (api4/command.go). */
export function commandRoutes() {
  const r = new Hono<AppEnv>();
  r.post('/commands/execute', async (c) => {
    const body = await readJson(c, z.object({ command: z.string().max(4000), channel_id: z.string().max(26), team_id: z.string().max(26).optional(), root_id: z.string().max(26).optional(), parent_id: z.string().max(26).optional() }).passthrough());
    const res = await executeCommand(c.get('deps'), c.get('auth'), { command: body.command, channel_id: body.channel_id, team_id: body.team_id, root_id: body.root_id || body.parent_id, origin: siteOrigin(c) });
    return mmJson(c, presentMmCommandResponse(res));
  });
  r.post('/commands', async (c) => mmJson(c, presentMmCommand(await createCommand(c.get('deps'), c.get('auth'), pick(await readJson(c, Body)), clientIp(c))), 201));
  r.get('/commands', async (c) => {
    const teamId = c.req.query('team_id') ?? '';
    const { page, perPage } = paging(c);
    const custom = (await listCommands(c.get('deps'), c.get('auth'), { teamId, page, perPage })).map(presentMmCommand);
    if (c.req.query('custom_only') === 'true') return mmJson(c, custom);
    const builtins = (await commandSuggestions(c.get('deps'), c.get('auth'), teamId)).filter((s) => !s.custom).map((s) => builtinAsMm(teamId, s));
    return mmJson(c, [...builtins, ...custom]);
  });
  r.get('/commands/:id', async (c) => mmJson(c, presentMmCommand(await getCommand(c.get('deps'), c.get('auth'), mmId(c, 'id')))));
  r.put('/commands/:id', async (c) => {
    const id = mmId(c, 'id');
    const { team_id: _t, ...rest } = pick(await readJson(c, Body));
    return mmJson(c, presentMmCommand(await updateCommand(c.get('deps'), c.get('auth'), id, rest, clientIp(c))));
  });
  r.put('/commands/:id/regen_token', async (c) => mmJson(c, { token: (await regenerateCommandToken(c.get('deps'), c.get('auth'), mmId(c, 'id'), clientIp(c))).token }));
  r.delete('/commands/:id', async (c) => {
    await deleteCommand(c.get('deps'), c.get('auth'), mmId(c, 'id'), clientIp(c));
    return mmOk(c);
  });
  r.get('/teams/:tid/commands/autocomplete', async (c) => {
    const teamId = mmId(c, 'tid');
    const all = await commandSuggestions(c.get('deps'), c.get('auth'), teamId);
    return mmJson(c, all.map((s) => builtinAsMm(teamId, s)));
  });
  r.get('/teams/:tid/commands/autocomplete_suggestions', async (c) => {
    const teamId = mmId(c, 'tid');
    const input = (c.req.query('user_input') ?? '').slice(0, 256);
    // Suggestions for the command name only: once a space is typed there is nothing to complete.
    if (!input.startsWith('/') || /\s/.test(input)) return mmJson(c, []);
    const all = await commandSuggestions(c.get('deps'), c.get('auth'), teamId, input.slice(1));
    return mmJson(c, all.map((s) => ({ Complete: s.trigger, Suggestion: `/${s.trigger}`, Hint: s.hint, Description: s.description, IconData: '' })));
  });
  return r;
}
