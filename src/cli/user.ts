import { Argument, Command } from 'commander';
import { action, configFrom, dataOptions, jsonOption, printJson, UsageError } from './common.ts';
import { runAdminOp } from '../admin/index.ts';
import { AppError } from '../errors.ts';

/**
 * `rustchat user …`: account administration from the command line. `<user>` is a username, an
 * email or an id. Talks to a running embedded server over its admin socket, else opens the
 * database directly. Exit codes: 0 ok, 1 failure (no such user, conflict, server error),
 * 2 usage (bad arguments or invalid input such as a malformed username or short password).
 */
type Opts = { config?: string; dataDir?: string; json?: boolean };
type AnyUser = { id: string; username: string; email?: string; roles: string; delete_at: number; display_name?: string };

function opOptions(cmd: Command): Command {
  return jsonOption(dataOptions(cmd));
}

/** Options of the leaf merged over those given to `user` itself (`rustchat user --data-dir X list`). */
function merged(cmd: Command): Opts {
  return { ...(cmd.parent?.opts() ?? {}), ...cmd.opts() } as Opts;
}

/** What each operation of src/admin/user-ops.ts answers (JSON over the admin socket), as far as the commands read it. */
interface UserOps {
  'user.create': { user: AnyUser; password?: string };
  'user.list': { items: AnyUser[] };
  'user.show': AnyUser & { active_sessions: number } & Record<string, unknown>;
  'user.set-role': AnyUser;
  'user.deactivate': AnyUser;
  'user.activate': AnyUser;
  'user.reset-password': { user: AnyUser; sessions_revoked: number; password?: string };
  'user.mfa-reset': { user: AnyUser; was_active: boolean };
  'user.delete': { deleted: AnyUser };
}

/** Runs an op; AppErrors for bad input become usage errors (exit 2), the rest failures (exit 1). */
async function op<N extends keyof UserOps>(o: Opts, name: N, args: Record<string, unknown>): Promise<UserOps[N]> {
  try {
    return (await runAdminOp(configFrom(o), name, args)) as UserOps[N];
  } catch (e) {
    if (e instanceof AppError) {
      if (e.status === 400) throw new UsageError(e.message);
      throw new Error(e.message);
    }
    throw e;
  }
}

async function readStdinPassword(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('password (end with Ctrl-D): ');
  let text = '';
  process.stdin.setEncoding('utf8');
  for await (const chunk of process.stdin) text += chunk;
  // One trailing newline is the terminator of `echo`/here-strings, not part of the password.
  return text.replace(/\r?\n$/, '');
}

const state = (u: AnyUser) => (u.delete_at ? 'deactivated' : 'active');
const role = (u: AnyUser) => (u.roles.split(' ').includes('system_admin') ? 'system_admin' : 'system_user');
/** Aligned columns: username, email, role, state, id. */
function table(users: AnyUser[]): string {
  const rows = users.map((u) => [u.username, u.email ?? '', role(u), state(u), u.id]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i < 4 ? c.padEnd(widths[i]) : c)).join('  ') + '\n').join('');
}

function printUser(u: AnyUser & Record<string, unknown>) {
  const rows: [string, unknown][] = [
    ['id', u.id],
    ['username', u.username],
    ['email', u.email],
    ['display name', u.display_name],
    ['role', role(u)],
    ['state', state(u)],
    ['created', new Date(Number(u.create_at)).toISOString()],
  ];
  if (u.active_sessions !== undefined) rows.push(['active sessions', u.active_sessions]);
  for (const [k, v] of rows) process.stdout.write(`${(k + ':').padEnd(17)}${v ?? ''}\n`);
}

export function userCommand(): Command {
  const user = dataOptions(new Command('user')).description('manage accounts: create, list, show, set-role, deactivate, activate, reset-password, mfa-reset, delete');

  user.addCommand(
    opOptions(new Command('create'))
      .description('create an account (the first account on a server is always a system admin)')
      .requiredOption('--email <email>', 'email address')
      .requiredOption('--username <name>', 'username: 3–22 of a-z 0-9 . _ -, starting with a letter')
      .option('--password <password>', 'password (8–72 bytes); prefer --password-stdin, which keeps it out of the process list')
      .option('--password-stdin', 'read the password from standard input')
      .option('--display-name <name>', 'display name')
      .option('--system-admin', 'make the account a system admin')
      .action(
        action(async (_o, cmd: Command) => {
          const o = merged(cmd) as Opts & { email: string; username: string; password?: string; passwordStdin?: boolean; systemAdmin?: boolean; displayName?: string };
          if (o.password !== undefined && o.passwordStdin) throw new UsageError('use either --password or --password-stdin, not both');
          const password = o.passwordStdin ? await readStdinPassword() : o.password;
          const r = await op(o, 'user.create', { email: o.email, username: o.username, password, system_admin: !!o.systemAdmin, display_name: o.displayName });
          if (o.json) return printJson(r);
          process.stdout.write(`created ${r.user.username} (${r.user.id}) as ${role(r.user)}\n`);
          if (r.password) process.stdout.write(`password: ${r.password}\n`);
        }),
      ),
  );

  user.addCommand(
    opOptions(new Command('list'))
      .description('list active accounts')
      .option('--inactive', 'include deactivated accounts')
      .action(
        action(async (_o, cmd: Command) => {
          const o = merged(cmd) as Opts & { inactive?: boolean };
          const r = await op(o, 'user.list', { inactive: !!o.inactive });
          if (o.json) return printJson(r.items);
          if (r.items.length) process.stdout.write(table(r.items));
          else process.stderr.write('no users\n');
        }),
      ),
  );

  user.addCommand(
    opOptions(new Command('show'))
      .description('show one account')
      .argument('<user>', 'username, email or id')
      .action(
        action(async (ref: string, _o, cmd: Command) => {
          const o = merged(cmd);
          const r = await op(o, 'user.show', { user: ref });
          if (o.json) return printJson(r);
          printUser(r);
        }),
      ),
  );

  user.addCommand(
    opOptions(new Command('set-role'))
      .description("change an account's system role")
      .argument('<user>', 'username, email or id')
      .addArgument(new Argument('<role>', 'new role').choices(['system_admin', 'system_user']))
      .action(
        action(async (ref: string, newRole: string, _o, cmd: Command) => {
          const o = merged(cmd);
          const r = await op(o, 'user.set-role', { user: ref, role: newRole });
          if (o.json) return printJson(r);
          process.stdout.write(`${r.username} is now ${role(r)}\n`);
        }),
      ),
  );

  for (const [name, active] of [
    ['deactivate', false],
    ['activate', true],
  ] as const) {
    user.addCommand(
      opOptions(new Command(name))
        .description(active ? 'let a deactivated account log in again' : 'block an account from logging in and end its sessions')
        .argument('<user>', 'username, email or id')
        .action(
          action(async (ref: string, _o, cmd: Command) => {
            const o = merged(cmd);
            const r = await op(o, `user.${name}`, { user: ref });
            if (o.json) return printJson(r);
            process.stdout.write(`${r.username} is ${state(r)}\n`);
          }),
        ),
    );
  }

  user.addCommand(
    opOptions(new Command('reset-password'))
      .description('set a new password (generated and printed unless --password-stdin) and end every session')
      .argument('<user>', 'username, email or id')
      .option('--password-stdin', 'read the new password from standard input')
      .action(
        action(async (ref: string, _o, cmd: Command) => {
          const o = merged(cmd) as Opts & { passwordStdin?: boolean };
          const password = o.passwordStdin ? await readStdinPassword() : undefined;
          const r = await op(o, 'user.reset-password', { user: ref, password });
          if (o.json) return printJson(r);
          process.stdout.write(`password reset for ${r.user.username}; ${r.sessions_revoked} session(s) ended\n`);
          if (r.password) process.stdout.write(`password: ${r.password}\n`);
        }),
      ),
  );

  user.addCommand(
    opOptions(new Command('mfa-reset'))
      .description('turn multi-factor authentication off for an account (lost device and recovery codes); the user can enrol again')
      .argument('<user>', 'username, email or id')
      .action(
        action(async (ref: string, _o, cmd: Command) => {
          const o = merged(cmd);
          const r = await op(o, 'user.mfa-reset', { user: ref });
          if (o.json) return printJson(r);
          process.stdout.write(r.was_active ? `multi-factor authentication reset for ${r.user.username}\n` : `${r.user.username} had no multi-factor authentication; nothing to reset\n`);
        }),
      ),
  );

  user.addCommand(
    opOptions(new Command('delete'))
      .description('delete an account permanently (its posts remain); requires --confirm')
      .argument('<user>', 'username, email or id')
      .option('--confirm', 'really delete')
      .action(
        action(async (ref: string, _o, cmd: Command) => {
          const o = merged(cmd) as Opts & { confirm?: boolean };
          if (!o.confirm) throw new UsageError('deleting an account cannot be undone; add --confirm');
          const r = await op(o, 'user.delete', { user: ref });
          if (o.json) return printJson(r);
          process.stdout.write(`deleted ${r.deleted.username} (${r.deleted.id})\n`);
        }),
      ),
  );
  return user;
}
