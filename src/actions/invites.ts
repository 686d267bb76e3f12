import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import type { Queryable, Tx } from '../db/driver.ts';
import type { Auth } from './tokens.ts';
import { AppError, badRequest, forbidden, notFound } from '../errors.ts';
import { accessTeam, checkInput, isTeamAdmin } from './access.ts';
import { checkEmail, register, type RegisterInput } from './accounts.ts';
import { authSettings, emailDomainAllowed } from './auth-settings.ts';
import { assertUnderLimit, rateLimitStore, type Limit } from './rate-limit.ts';
import { addUserToTeam, presentTeam } from './teams.ts';
import { inTx, type Emit } from './tx.ts';
import { audit } from './audit.ts';
import { mailSite, queueEmail } from './email.ts';
import { kickOutbox } from '../mail/worker.ts';
import { inviteEmail } from '../mail/templates.ts';
import { getInvite, insertInvite, pruneInvites, useInvite, type InviteRow } from '../store/invites.ts';
import * as teams from '../store/teams.ts';
import { findUserByEmail, getUser } from '../store/users.ts';
import { newId } from '../ids.ts';
import type { ClientMeta } from './sessions.ts';
import type { TeamRow } from '../store/teams.ts';

/** How long an emailed invitation works (Mattermost's 48 hours). */
export const INVITE_TTL_MS = 48 * 60 * 60_000;
/** Addresses per invite request. */
export const INVITE_MAX_EMAILS = 20;
/** Invitation emails one person may send per hour. */
export const INVITE_LIMIT: Limit = { max: 100, windowMs: 60 * 60_000 };
/**
 * Path the emailed link opens: Mattermost's sign-up page with `?t=`, so the link works in both
 * web clients (new people sign up there; signed-in people are added to the team).
 */
export const INVITE_PAGE = '/signup_user_complete/';

const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');
const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;

export const inviteSchema = z.object({ emails: z.array(z.string().max(254)).min(1).max(INVITE_MAX_EMAILS) });

export type InviteResult = { email: string; status: 'sent' | 'already_member' } | { email: string; error: { code: string; message: string } };

/**
 * Invites people to a team by email: one single-use link per address (48 hours), queued in the
 * outbox in the same transaction as its token. Team admins and system admins may invite to any
 * team, members to open teams. Addresses that belong to members already get no email. Without
 * `graceful`, one bad address refuses the whole request (nothing is sent); with it, each address
 * gets its own result (Mattermost's `?graceful=true`).
 */
export async function inviteByEmail(deps: Deps, auth: Auth, teamId: string, raw: z.input<typeof inviteSchema>, meta: { ip: string; origin: string; graceful?: boolean }): Promise<InviteResult[]> {
  const input = checkInput(inviteSchema, raw);
  const a = await accessTeam(deps.db, auth, teamId, 'member');
  if (!isTeamAdmin(auth, a) && !(a.team.type === 'O' && a.team.allow_open_invite)) throw forbidden('forbidden', 'Only team admins can invite people to this team');
  const settings = await authSettings(deps);
  const results: InviteResult[] = [];
  const toSend: string[] = [];
  const seen = new Set<string>();
  for (const rawEmail of input.emails) {
    try {
      const email = checkEmail(rawEmail);
      if (seen.has(email.toLowerCase())) continue;
      seen.add(email.toLowerCase());
      if (!emailDomainAllowed(settings, email)) throw new AppError(400, 'email_domain_not_allowed', 'Sign-up is limited to certain email domains on this server', { domain: email.split('@').pop() });
      const user = await findUserByEmail(deps.db, email);
      if (user && (await teams.getTeamMember(deps.db, teamId, user.id))) results.push({ email, status: 'already_member' });
      else {
        results.push({ email, status: 'sent' });
        toSend.push(email);
      }
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      if (!meta.graceful) throw new AppError(e.status, e.code, `${rawEmail}: ${e.message}`, e.details);
      results.push({ email: rawEmail, error: { code: e.code, message: e.message } });
    }
  }
  if (!toSend.length) return results;
  const store = rateLimitStore(deps);
  const key = `invite:user:${auth.user.id}`;
  const now = deps.now();
  const used = await store.peek(key, INVITE_LIMIT.windowMs, now);
  if (used.count + toSend.length > INVITE_LIMIT.max) {
    await assertUnderLimit(store, key, { ...INVITE_LIMIT, max: Math.max(0, INVITE_LIMIT.max - toSend.length + 1) }, now, `At most ${INVITE_LIMIT.max} invitations an hour; try again later`);
  }
  for (let i = 0; i < toSend.length; i++) await store.hit(key, INVITE_LIMIT.windowMs, now);
  const me = await getUser(deps.db, auth.user.id);
  const inviter = me?.display_name || auth.user.username;
  await inTx(deps, async (tx) => {
    const site = await mailSite(deps, tx, meta.origin);
    await pruneInvites(tx, now);
    for (const email of toSend) {
      const token = randomBytes(32).toString('base64url');
      await insertInvite(tx, { token_hash: tokenHash(token), team_id: teamId, email, inviter_id: auth.user.id, create_at: now, expires_at: now + INVITE_TTL_MS });
      const link = `${site.url}${INVITE_PAGE}?t=${encodeURIComponent(token)}`;
      await queueEmail(deps, tx, 'invite', email, inviteEmail(site, { inviter, team: a.team.display_name, link, expiresHours: INVITE_TTL_MS / 3_600_000 }));
    }
    await audit(tx, now, { id: auth.user.id, ip: meta.ip, via: 'api' }, 'team_invite_email', { target_type: 'team', target_id: teamId, details: { count: toSend.length } });
  });
  kickOutbox(deps);
  return results;
}

const INVALID = () => badRequest('invalid_invite_token', 'This invitation link is not valid; ask for a new one');

/** A live, unused, unexpired invitation and its live team, or the error a person should see. */
async function validInvite(q: Queryable, token: unknown, now: number, lock = false): Promise<{ invite: InviteRow; team: TeamRow; hash: string }> {
  if (typeof token !== 'string' || !TOKEN_RE.test(token)) throw INVALID();
  const hash = tokenHash(token);
  const invite = await getInvite(q, hash);
  if (!invite || invite.used_at !== 0) throw INVALID();
  if (invite.expires_at <= now) throw badRequest('invite_token_expired', 'This invitation has expired; ask for a new one');
  const team = await teams.getTeam(q, invite.team_id, lock);
  if (!team || team.delete_at !== 0) throw notFound('team_not_found', 'The team of this invitation no longer exists');
  return { invite, team, hash };
}

/** Spends the invite and adds the user to its team, inside tx. */
async function spendInvite(tx: Tx, emit: Emit, token: string, userId: string, now: number) {
  const { team, hash } = await validInvite(tx, token, now, true);
  // The conditional update decides between two concurrent uses of one link.
  if (!(await useInvite(tx, hash, userId, now))) throw INVALID();
  const existing = await teams.getTeamMember(tx, team.id, userId);
  const member = existing ?? (await addUserToTeam(tx, emit, team, userId, 'team_user', now))!;
  return { team, member, created: !existing };
}

/** What the sign-up page shows for an invitation link (anyone holding the link may read it). */
export async function inviteInfo(deps: Deps, token: unknown) {
  const { invite, team } = await validInvite(deps.db, token, deps.now());
  const inviter = await getUser(deps.db, invite.inviter_id);
  return {
    email: invite.email,
    team: { id: team.id, name: team.name, display_name: team.display_name },
    inviter: inviter ? inviter.display_name || inviter.username : '',
    expires_at: invite.expires_at,
  };
}

/** A signed-in person opens an invitation link: joins its team (the link is spent). */
export async function acceptInvite(deps: Deps, auth: Auth, token: unknown, ip: string) {
  const now = deps.now();
  const out = await inTx(deps, async (tx, emit) => {
    const r = await spendInvite(tx, emit, token as string, auth.user.id, now);
    await audit(tx, now, { id: auth.user.id, ip, via: 'api' }, 'team_invite_accept', { target_type: 'team', target_id: r.team.id });
    return r;
  });
  return { team: presentTeam(out.team), member: out.member, created: out.created };
}

/**
 * Sign-up with an invitation link: allowed even when open sign-up is off (and outside the
 * sign-up domain list, which the invitation was checked against), for the invited address only.
 * The account is created, the link spent and the team joined in one transaction.
 */
export async function registerWithInvite(deps: Deps, input: RegisterInput, token: unknown, meta: ClientMeta) {
  const { invite } = await validInvite(deps.db, token, deps.now());
  const email = input.email ? checkEmail(input.email) : invite.email;
  if (email.toLowerCase() !== invite.email.toLowerCase()) throw badRequest('invite_email_mismatch', 'This invitation is for another email address');
  return register(deps, { ...input, email }, meta, {
    invited: async (tx, emit, userId) => {
      await spendInvite(tx, emit, token as string, userId, deps.now());
    },
  });
}

/** Gives a team a new invite id: links with the old one stop working (team admins, system admins). */
export async function regenerateInviteId(deps: Deps, auth: Auth, teamId: string, ip: string): Promise<TeamRow> {
  return inTx(deps, async (tx, emit) => {
    await accessTeam(tx, auth, teamId, 'admin', { lock: true });
    const now = deps.now();
    const team = await teams.setInviteId(tx, teamId, newId(), now);
    await audit(tx, now, { id: auth.user.id, ip, via: 'api' }, 'team_invite_id_regenerate', { target_type: 'team', target_id: teamId });
    emit({ event: 'team_updated', data: { team: presentTeam(team) }, broadcast: { user_ids: await teams.teamMemberIds(tx, teamId), team_id: teamId } });
    return team;
  });
}
