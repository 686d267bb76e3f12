import { z } from 'zod';
import { registerAdminOp } from './socket.ts';
import { AppError, badRequest, notFound } from '../errors.ts';
import { CLI_ACTOR } from '../actions/audit.ts';
import { resolveUser } from '../actions/accounts.ts';
import { applyBotActive, insertBotAccount, presentBot, BotInput } from '../actions/bots.ts';
import { deleteAccessToken, mintAccessToken, presentAccessToken } from '../actions/access-tokens.ts';
import { integrationSettings } from '../actions/integration-settings.ts';
import { isId } from '../ids.ts';
import * as bots from '../store/bots.ts';
import * as tokens from '../store/access-tokens.ts';
import type { Deps } from '../deps.ts';

/**
 * The operations behind `rustchat bot …` and `rustchat token …` (socket and direct mode alike).
 * The command line acts as the server's owner: like a system admin, it manages every bot and
 * every user's tokens, within the integration settings (bots and tokens can be turned off).
 */

function parse<S extends z.ZodTypeAny>(schema: S, args: unknown): z.infer<S> {
  const r = schema.safeParse(args);
  if (!r.success) {
    const i = r.error.issues[0];
    throw badRequest('invalid_input', `${i.path.join('.') || 'args'}: ${i.message}`);
  }
  return r.data;
}

async function assertBots(deps: Deps) {
  if (!(await integrationSettings(deps)).enable_bot_accounts) throw new AppError(501, 'bots_disabled', 'Bot accounts are turned off on this server (integrations.enable_bot_accounts)');
}
async function assertTokens(deps: Deps) {
  if ((await integrationSettings(deps)).personal_access_tokens === 'off') throw new AppError(501, 'access_tokens_disabled', 'Personal access tokens are turned off on this server (integrations.personal_access_tokens)');
}

/** A bot by username or id. */
async function resolveBot(deps: Deps, ref: string) {
  const user = await resolveUser(deps, ref);
  const bot = user.is_bot ? await bots.getBot(deps.db, user.id) : undefined;
  if (!bot) throw notFound('bot_not_found', `"${ref.trim()}" is not a bot`);
  return bot;
}

/** Bots with their owner's username ('' when none). */
async function withOwners(deps: Deps, rows: bots.BotRow[]) {
  const ids = [...new Set(rows.map((b) => b.owner_id).filter(Boolean))];
  const names = new Map<string, string>();
  if (ids.length) for (const u of await deps.db.query<{ id: string; username: string }>('select id, username from users where id = any($1::text[])', [ids])) names.set(u.id, u.username);
  return rows.map((b) => ({ ...presentBot(b), owner_username: names.get(b.owner_id) ?? '' }));
}

registerAdminOp('bot.create', async ({ deps, args }) => {
  const a = parse(BotInput.extend({ owner: z.string().min(1).max(320).optional(), token_description: z.string().max(1000).optional() }), args);
  await assertBots(deps);
  let ownerId = '';
  if (a.owner !== undefined) {
    const owner = await resolveUser(deps, a.owner);
    if (owner.is_bot || Number(owner.delete_at) !== 0) throw badRequest('invalid_owner', `${owner.username} cannot own a bot: the owner must be an active person`);
    ownerId = owner.id;
  }
  if (a.token_description !== undefined) await assertTokens(deps);
  const bot = await insertBotAccount(deps, CLI_ACTOR, ownerId, { username: a.username, display_name: a.display_name, description: a.description });
  const [shown] = await withOwners(deps, [(await bots.getBot(deps.db, bot.user_id))!]);
  if (a.token_description === undefined) return { bot: shown };
  const token = await mintAccessToken(deps, CLI_ACTOR, { id: bot.user_id, delete_at: 0 }, a.token_description);
  return { bot: shown, token };
});

registerAdminOp('bot.list', async ({ deps, args }) => {
  const a = parse(z.object({ all: z.boolean().optional() }), args);
  await assertBots(deps);
  const out: Awaited<ReturnType<typeof withOwners>> = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await bots.listBots(deps.db, { includeDeleted: !!a.all, limit: 1000, offset });
    out.push(...(await withOwners(deps, page)));
    if (page.length < 1000) break;
  }
  return { items: out };
});

for (const [op, active] of [
  ['bot.disable', false],
  ['bot.enable', true],
] as const) {
  registerAdminOp(op, async ({ deps, args }) => {
    const a = parse(z.object({ bot: z.string().min(1).max(320) }), args);
    // Disabling always works (it only takes access away); enabling needs bots turned on.
    if (active) await assertBots(deps);
    const bot = await resolveBot(deps, a.bot);
    await applyBotActive(deps, CLI_ACTOR, bot, active);
    const [shown] = await withOwners(deps, [(await bots.getBot(deps.db, bot.user_id))!]);
    return shown;
  });
}

registerAdminOp('token.create', async ({ deps, args }) => {
  const a = parse(z.object({ user: z.string().min(1).max(320), description: z.string().max(1000) }), args);
  await assertTokens(deps);
  const user = await resolveUser(deps, a.user);
  const token = await mintAccessToken(deps, CLI_ACTOR, user, a.description);
  return { ...token, username: user.username };
});

registerAdminOp('token.list', async ({ deps, args }) => {
  const a = parse(z.object({ user: z.string().min(1).max(320) }), args);
  const user = await resolveUser(deps, a.user);
  const out: ReturnType<typeof presentAccessToken>[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await tokens.listUserAccessTokens(deps.db, user.id, 1000, offset);
    out.push(...page.map(presentAccessToken));
    if (page.length < 1000) break;
  }
  return { items: out, username: user.username };
});

registerAdminOp('token.revoke', async ({ deps, args }) => {
  const a = parse(z.object({ token_id: z.string().min(1).max(100) }), args);
  // Revoking always works, even while tokens are turned off.
  if (!isId(a.token_id)) throw badRequest('invalid_id', `"${a.token_id}" is not a token id (rustchat token list <user> shows them)`);
  const row = await tokens.getAccessToken(deps.db, a.token_id);
  if (!row) throw notFound('token_not_found', `No access token ${a.token_id}`);
  await deleteAccessToken(deps, CLI_ACTOR, row);
  const owner = (await deps.db.query<{ username: string }>('select username from users where id = $1', [row.user_id]))[0];
  return { revoked: presentAccessToken(row), username: owner?.username ?? '' };
});
