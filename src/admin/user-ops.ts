import { z } from 'zod';
import { registerAdminOp, type AdminOpContext } from './socket.ts';
import { badRequest } from '../errors.ts';
import { CLI_ACTOR } from '../actions/audit.ts';
import { createUser, deleteUser, resetPassword, resolveUser, setActive, setRole } from '../actions/accounts.ts';
import { LOCAL_ADMIN, presentUser } from '../actions/users.ts';
import { resetMfa } from '../actions/mfa.ts';
import { listUsers, type UserRow } from '../store/users.ts';
import { listUserSessions } from '../store/sessions.ts';

/** The user-administration operations behind `rustchat user …` (socket and direct mode alike). */

function parse<S extends z.ZodTypeAny>(schema: S, args: unknown): z.infer<S> {
  const r = schema.safeParse(args);
  if (!r.success) {
    const i = r.error.issues[0];
    throw badRequest('invalid_input', `${i.path.join('.') || 'args'}: ${i.message}`);
  }
  return r.data;
}

const present = (u: UserRow) => presentUser(u, LOCAL_ADMIN);
const Ref = z.object({ user: z.string().min(1).max(320) });

registerAdminOp('user.create', async ({ deps, args }: AdminOpContext) => {
  const a = parse(
    z.object({ email: z.string().max(1000), username: z.string().max(1000), password: z.string().max(1000).optional(), system_admin: z.boolean().optional(), display_name: z.string().max(1000).optional() }),
    args,
  );
  const { user, password } = await createUser(deps, CLI_ACTOR, a);
  return { user: present(user), ...(password !== undefined ? { password } : {}) };
});

registerAdminOp('user.list', async ({ deps, args }) => {
  const a = parse(z.object({ inactive: z.boolean().optional() }), args);
  const out: ReturnType<typeof present>[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await listUsers(deps.db, { state: a.inactive ? 'all' : 'active', after, limit: 1000 });
    out.push(...page.map(present));
    if (page.length < 1000) break;
    after = page[page.length - 1].username;
  }
  return { items: out };
});

registerAdminOp('user.show', async ({ deps, args }) => {
  const a = parse(Ref, args);
  const user = await resolveUser(deps, a.user);
  const sessions = await listUserSessions(deps.db, user.id, deps.now());
  return { ...present(user), active_sessions: sessions.length };
});

registerAdminOp('user.set-role', async ({ deps, args }) => {
  const a = parse(Ref.extend({ role: z.enum(['system_admin', 'system_user']) }), args);
  const user = await resolveUser(deps, a.user);
  return present(await setRole(deps, CLI_ACTOR, user.id, a.role));
});

for (const [op, active] of [
  ['user.deactivate', false],
  ['user.activate', true],
] as const) {
  registerAdminOp(op, async ({ deps, args }) => {
    const a = parse(Ref, args);
    const user = await resolveUser(deps, a.user);
    return present(await setActive(deps, CLI_ACTOR, user.id, active));
  });
}

registerAdminOp('user.reset-password', async ({ deps, args }) => {
  const a = parse(Ref.extend({ password: z.string().max(1000).optional() }), args);
  const user = await resolveUser(deps, a.user);
  const r = await resetPassword(deps, CLI_ACTOR, user.id, a.password);
  return { user: present(user), sessions_revoked: r.revoked, ...(r.password !== undefined ? { password: r.password } : {}) };
});

registerAdminOp('user.delete', async ({ deps, args }) => {
  const a = parse(Ref, args);
  const user = await resolveUser(deps, a.user);
  return { deleted: present(await deleteUser(deps, CLI_ACTOR, user.id)) };
});

registerAdminOp('user.mfa-reset', async ({ deps, args }) => {
  const a = parse(Ref, args);
  const user = await resolveUser(deps, a.user);
  const r = await resetMfa(deps, CLI_ACTOR, user.id);
  return { user: present(r.user), was_active: r.was_active };
});
