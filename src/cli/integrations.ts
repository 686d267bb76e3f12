import { Command } from 'commander';
import { action, configFrom, dataOptions, jsonOption, printJson, UsageError } from './common.ts';
import { runAdminOp } from '../admin/index.ts';
import { AppError } from '../errors.ts';

/**
 * `rustchat bot …` and `rustchat token …`: bot accounts and personal access tokens from the
 * command line (docs/integrations.md). Like `rustchat user`, they talk to a running embedded
 * server over its admin socket, else open the database directly (PostgreSQL, or the embedded one
 * when no server runs). A token is printed once, at creation; only its hash is stored.
 * Exit codes: 0 ok, 1 failure (no such bot/user/token, name taken, turned off), 2 usage.
 */
type Opts = { config?: string; dataDir?: string; json?: boolean };

const opOptions = (cmd: Command) => jsonOption(dataOptions(cmd));
const merged = (cmd: Command): Opts => ({ ...(cmd.parent?.opts() ?? {}), ...cmd.opts() }) as Opts;

type Bot = { user_id: string; username: string; display_name: string; owner_username: string; delete_at: number };

/** What each operation of src/admin/integration-ops.ts answers (JSON over the admin socket), as far as the commands read it. */
interface IntegrationOps {
  'bot.create': { bot: Bot; token?: { id: string; token: string } };
  'bot.list': { items: Bot[] };
  'bot.disable': Bot;
  'bot.enable': Bot;
  'token.create': { id: string; token: string; username: string };
  'token.list': { username: string; items: { id: string; description: string; is_active: boolean; create_at: number }[] };
  'token.revoke': { username: string; revoked: { id: string } };
}

async function op<N extends keyof IntegrationOps>(o: Opts, name: N, args: Record<string, unknown>): Promise<IntegrationOps[N]> {
  try {
    return (await runAdminOp(configFrom(o), name, args)) as IntegrationOps[N];
  } catch (e) {
    if (e instanceof AppError) {
      if (e.status === 400) throw new UsageError(e.message);
      throw new Error(e.message);
    }
    throw e;
  }
}

const botState = (b: Bot) => (b.delete_at ? 'disabled' : 'active');

/** Aligned columns; the last one is not padded. */
function columns(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i]) : c)).join('  ').trimEnd() + '\n').join('');
}

function printToken(t: { id: string; token: string }, forWhom: string) {
  process.stdout.write(`token for ${forWhom} (id ${t.id}); it is shown only now:\n${t.token}\n`);
}

export function botCommand(): Command {
  const bot = dataOptions(new Command('bot')).description('manage bot accounts: create, list, disable, enable');

  bot.addCommand(
    opOptions(new Command('create'))
      .description('create a bot account (no password; it acts through access tokens)')
      .argument('<username>', 'username: 3–22 of a-z 0-9 . _ -, starting with a letter')
      .option('--display-name <name>', 'display name')
      .option('--description <text>', 'what the bot does')
      .option('--owner <user>', 'the person (username, email or id) who manages it besides system admins')
      .option('--with-token [description]', 'also create an access token for it and print it (once)')
      .action(
        action(async (username: string, _o, cmd: Command) => {
          const o = merged(cmd) as Opts & { displayName?: string; description?: string; owner?: string; withToken?: string | boolean };
          const tokenDescription = o.withToken === undefined ? undefined : typeof o.withToken === 'string' ? o.withToken : 'created with rustchat bot create';
          const r = await op(o, 'bot.create', { username, display_name: o.displayName, description: o.description, owner: o.owner, token_description: tokenDescription });
          if (o.json) return printJson(r);
          process.stdout.write(`created bot ${r.bot.username} (${r.bot.user_id})${r.bot.owner_username ? `, owned by ${r.bot.owner_username}` : ''}\n`);
          if (r.token) printToken(r.token, r.bot.username);
        }),
      ),
  );

  bot.addCommand(
    opOptions(new Command('list'))
      .description('list bots')
      .option('--all', 'include disabled bots')
      .action(
        action(async (_o, cmd: Command) => {
          const o = merged(cmd) as Opts & { all?: boolean };
          const r = await op(o, 'bot.list', { all: !!o.all });
          if (o.json) return printJson(r.items);
          if (!r.items.length) return void process.stderr.write('no bots\n');
          process.stdout.write(columns(r.items.map((b) => [b.username, b.display_name, b.owner_username ? `owner ${b.owner_username}` : 'no owner', botState(b), b.user_id])));
        }),
      ),
  );

  for (const [name, text] of [
    ['disable', 'disable a bot: it cannot act, and its tokens stop working on every server process at once'],
    ['enable', 'enable a disabled bot again (its tokens work again)'],
  ] as const) {
    bot.addCommand(
      opOptions(new Command(name))
        .description(text)
        .argument('<bot>', 'username or id')
        .action(
          action(async (ref: string, _o, cmd: Command) => {
            const o = merged(cmd);
            const r = await op(o, `bot.${name}`, { bot: ref });
            if (o.json) return printJson(r);
            process.stdout.write(`${r.username} is ${botState(r)}\n`);
          }),
        ),
    );
  }
  return bot;
}

export function tokenCommand(): Command {
  const token = dataOptions(new Command('token')).description('manage personal access tokens of people and bots: create, list, revoke');

  token.addCommand(
    opOptions(new Command('create'))
      .description('create an access token for a user or bot; it is printed once and only its hash is stored')
      .argument('<user>', 'username, email or id (of a person or a bot)')
      .requiredOption('--description <text>', 'what the token is for (shown in lists)')
      .action(
        action(async (ref: string, _o, cmd: Command) => {
          const o = merged(cmd) as Opts & { description: string };
          const r = await op(o, 'token.create', { user: ref, description: o.description });
          if (o.json) return printJson(r);
          printToken(r, r.username);
        }),
      ),
  );

  token.addCommand(
    opOptions(new Command('list'))
      .description("list a user's tokens (never the secrets)")
      .argument('<user>', 'username, email or id')
      .action(
        action(async (ref: string, _o, cmd: Command) => {
          const o = merged(cmd);
          const r = await op(o, 'token.list', { user: ref });
          if (o.json) return printJson(r.items);
          if (!r.items.length) return void process.stderr.write(`${r.username} has no tokens\n`);
          const rows = r.items.map((t) => [t.id, t.is_active ? 'active' : 'disabled', new Date(t.create_at).toISOString().slice(0, 10), t.description]);
          process.stdout.write(columns(rows));
        }),
      ),
  );

  token.addCommand(
    opOptions(new Command('revoke'))
      .description('revoke (delete) a token: it stops working on every server process within a second')
      .argument('<token-id>', 'the id from `rustchat token list` (not the token itself)')
      .action(
        action(async (id: string, _o, cmd: Command) => {
          const o = merged(cmd);
          const r = await op(o, 'token.revoke', { token_id: id });
          if (o.json) return printJson(r);
          process.stdout.write(`revoked token ${r.revoked.id} of ${r.username}\n`);
        }),
      ),
  );
  return token;
}
