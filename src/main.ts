import { Command, CommanderError } from 'commander';
import { EXIT } from './cli/common.ts';
import { serveCommand } from './cli/serve.ts';
import { migrateCommand } from './cli/migrate.ts';
import { configCommand } from './cli/config.ts';
import { versionCommand } from './cli/version.ts';
import { userCommand } from './cli/user.ts';
import { backupCommand } from './cli/backup.ts';
import { healthCommand } from './cli/health.ts';
import { emailCommand } from './cli/email.ts';
import { botCommand, tokenCommand } from './cli/integrations.ts';

/** The `rustchat` command line. Exit codes: 0 ok, 1 failure, 2 usage or configuration error. */
export function buildProgram(): Command {
  const program = new Command('rustchat')
    .description('RustChat: self-hosted team chat server')
    .showHelpAfterError()
    .exitOverride();
  for (const cmd of [serveCommand(), migrateCommand(), configCommand(), versionCommand(), healthCommand()]) program.addCommand(cmd);
  program.addCommand(userCommand());
  program.addCommand(backupCommand());
  program.addCommand(emailCommand());
  program.addCommand(botCommand());
  program.addCommand(tokenCommand());
  const override = (c: Command) => {
    c.exitOverride();
    c.commands.forEach(override);
  };
  override(program);
  return program;
}

export async function main(argv: string[] = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and `help` exit 0; bad usage, and a bare `rustchat` (help on stderr), exit 2.
      process.exitCode = e.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    process.stderr.write(`error: ${(e as Error)?.message ?? e}\n`);
    process.exitCode = EXIT.failure;
  }
}

// Run when executed directly (development via tsx; the executable's entry calls main() itself).
const entry = process.argv[1] ?? '';
if (/main\.ts$/.test(entry)) void main();
