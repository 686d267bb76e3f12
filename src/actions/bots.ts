import { z } from 'zod';
import type { Deps } from '../deps.ts';
import { AppError, badRequest, conflict, forbidden, isUniqueViolation, notFound } from '../errors.ts';
import { isId, newId } from '../ids.ts';
import { inTx } from './tx.ts';
import { audit, type Actor } from './audit.ts';
import { checkInput } from './access.ts';
import { checkUsername } from './accounts.ts';
import { integrationSettings } from './integration-settings.ts';
import { announceTokensRevoked } from './access-tokens.ts';
import { accessTokenIdsOfUser } from '../store/access-tokens.ts';
import * as store from '../store/bots.ts';
import type { BotRow } from '../store/bots.ts';
import type { Auth } from './tokens.ts';

/**
 * Bot accounts (Mattermost's): a user with is_bot, no password (it cannot log in), managed by
 * system admins and by its owner, acting through personal access tokens. Its posts are marked
 * `from_bot`. Disabling a bot deactivates its user and ends its tokens on every process.
 */
export const BOT_PAGE_MAX = 200;

export const BotInput = z.object({
  username: z.string().max(64),
  display_name: z.string().trim().max(64).default(''),
  description: z.string().max(1024).default(''),
});
export const BotPatch = z.object({ username: z.string().max(64).optional(), display_name: z.string().trim().max(64).optional(), description: z.string().max(1024).optional() }).strict();

export function presentBot(b: BotRow) {
  return { user_id: b.user_id, username: b.username, display_name: b.display_name, description: b.description, owner_id: b.owner_id, create_at: Number(b.create_at), update_at: Number(b.update_at), delete_at: Number(b.delete_at) };
}
export type PresentedBot = ReturnType<typeof presentBot>;

const actor = (auth: Auth, ip: string): Actor => ({ id: auth.user.id, ip, via: 'api' });

async function assertBotsEnabled(deps: Deps) {
  if (!(await integrationSettings(deps)).enable_bot_accounts) throw new AppError(501, 'bots_disabled', 'Bot accounts have been disabled by the system admin.');
}

/** Creates a bot (system admins): its user and its bot row, in one transaction. */
export async function createBot(deps: Deps, auth: Auth, raw: unknown, ip: string): Promise<PresentedBot> {
  await assertBotsEnabled(deps);
  if (!auth.isSystemAdmin) throw forbidden('forbidden', 'Only system admins can create bots');
  return insertBotAccount(deps, actor(auth, ip), auth.user.id, raw);
}

/**
 * Creates a bot owned by `ownerId` ('' for none: then only system admins manage it) on behalf of
 * an authorized actor (an admin over the API, or the local command line).
 */
export async function insertBotAccount(deps: Deps, by: Actor, ownerId: string, raw: unknown): Promise<PresentedBot> {
  const input = checkInput(BotInput, raw);
  const username = checkUsername(input.username);
  const id = newId();
  const now = deps.now();
  try {
    await inTx(deps, async (tx) => {
      await tx.query(
        `insert into users (id, username, email, display_name, roles, is_bot, create_at, update_at) values ($1, $2, $3, $4, 'system_user', true, $5, $5)`,
        [id, username, `${username}@bots.localhost`, input.display_name || username, now],
      );
      await store.insertBot(tx, { user_id: id, description: input.description, owner_id: ownerId, now });
      await audit(tx, now, by, 'bot_create', { target_type: 'user', target_id: id, details: { username } });
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw conflict('username_taken', 'That username is taken');
    throw e;
  }
  return presentBot((await store.getBot(deps.db, id))!);
}

/** A bot the caller manages (system admins: any; others: their own), or 404. */
async function accessBot(deps: Deps, auth: Auth, id: string): Promise<BotRow> {
  if (!isId(id)) throw badRequest('invalid_id', 'bot id is not a valid id');
  const bot = await store.getBot(deps.db, id);
  if (!bot || (!auth.isSystemAdmin && bot.owner_id !== auth.user.id)) throw notFound('bot_not_found', 'Bot not found');
  return bot;
}

export async function getBot(deps: Deps, auth: Auth, id: string): Promise<PresentedBot> {
  await assertBotsEnabled(deps);
  return presentBot(await accessBot(deps, auth, id));
}

export async function listBots(deps: Deps, auth: Auth, o: { page?: number; perPage?: number; includeDeleted?: boolean } = {}): Promise<PresentedBot[]> {
  await assertBotsEnabled(deps);
  const limit = Math.min(Math.max(o.perPage ?? 60, 1), BOT_PAGE_MAX);
  const rows = await store.listBots(deps.db, { ownerId: auth.isSystemAdmin ? undefined : auth.user.id, includeDeleted: !!o.includeDeleted, limit, offset: (o.page ?? 0) * limit });
  return rows.map(presentBot);
}

export async function patchBot(deps: Deps, auth: Auth, id: string, raw: unknown, ip: string): Promise<PresentedBot> {
  await assertBotsEnabled(deps);
  const bot = await accessBot(deps, auth, id);
  const input = checkInput(BotPatch, raw);
  const username = input.username !== undefined ? checkUsername(input.username) : undefined;
  const now = Math.max(deps.now(), bot.update_at);
  try {
    await inTx(deps, async (tx) => {
      if (username !== undefined || input.display_name !== undefined) {
        await tx.query('update users set username = coalesce($2, username), display_name = coalesce($3, display_name), update_at = $4 where id = $1', [id, username ?? null, input.display_name ?? null, now]);
      }
      await store.updateBot(tx, id, { description: input.description }, now);
      await audit(tx, now, actor(auth, ip), 'bot_update', { target_type: 'user', target_id: id });
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw conflict('username_taken', 'That username is taken');
    throw e;
  }
  return presentBot((await store.getBot(deps.db, id))!);
}

/** Disables (deactivates the user, ends its tokens everywhere) or enables a bot. */
export async function setBotActive(deps: Deps, auth: Auth, id: string, active: boolean, ip: string): Promise<PresentedBot> {
  await assertBotsEnabled(deps);
  return applyBotActive(deps, actor(auth, ip), await accessBot(deps, auth, id), active);
}

/** Disables or enables a bot the actor is allowed to manage (the caller checked). */
export async function applyBotActive(deps: Deps, by: Actor, bot: BotRow, active: boolean): Promise<PresentedBot> {
  const id = bot.user_id;
  const now = Math.max(deps.now(), bot.update_at);
  await inTx(deps, async (tx) => {
    await store.updateBot(tx, id, { delete_at: active ? 0 : now }, now);
    await tx.query('update users set delete_at = $2, update_at = $3 where id = $1', [id, active ? 0 : now, now]);
    await audit(tx, now, by, active ? 'bot_enable' : 'bot_disable', { target_type: 'user', target_id: id });
  });
  if (!active) announceTokensRevoked(deps, id, await accessTokenIdsOfUser(deps.db, id));
  return presentBot((await store.getBot(deps.db, id))!);
}

/** Gives a bot to another (active, human) owner. System admins and the current owner. */
export async function assignBot(deps: Deps, auth: Auth, id: string, ownerId: string, ip: string): Promise<PresentedBot> {
  await assertBotsEnabled(deps);
  const bot = await accessBot(deps, auth, id);
  if (!isId(ownerId)) throw badRequest('invalid_id', 'user id is not a valid id');
  const owner = (await deps.db.query<{ delete_at: number; is_bot: boolean }>('select delete_at, is_bot from users where id = $1', [ownerId]))[0];
  if (!owner || Number(owner.delete_at) !== 0 || owner.is_bot) throw notFound('user_not_found', 'User not found');
  await inTx(deps, async (tx) => {
    await store.updateBot(tx, id, { owner_id: ownerId }, Math.max(deps.now(), bot.update_at));
    await audit(tx, deps.now(), actor(auth, ip), 'bot_assign', { target_type: 'user', target_id: id, details: { owner_id: ownerId } });
  });
  return presentBot((await store.getBot(deps.db, id))!);
}
