import { Command } from 'commander';
import { action, configFrom, dataOptions, jsonOption, printJson } from './common.ts';
import { openDatabase } from '../boot.ts';
import { migrate, migrationStatus } from '../db/migrate.ts';
import { createLogger } from '../log.ts';

export function migrateCommand(): Command {
  const cmd = jsonOption(dataOptions(new Command('migrate')))
    .description('apply pending database migrations')
    .action(
      action(async (opts: { config?: string; dataDir?: string; json?: boolean }) => {
        const config = configFrom(opts);
        const { db, lock } = await openDatabase(config, createLogger('error'));
        try {
          const applied = await migrate(db);
          if (opts.json) printJson({ applied });
          else process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'up to date\n');
        } finally {
          await db.close();
          lock?.release();
        }
      }),
    );
  cmd.addCommand(
    jsonOption(dataOptions(new Command('status')))
      .description('list applied and pending migrations')
      .action(
        action(async (opts: { config?: string; dataDir?: string; json?: boolean }) => {
          const config = configFrom({ ...cmd.opts(), ...opts });
          const { db, lock } = await openDatabase(config, createLogger('error'));
          try {
            const status = await migrationStatus(db);
            if (opts.json ?? cmd.opts().json) printJson(status.map((s) => ({ ...s, state: s.applied_at === null ? 'pending' : 'applied' })));
            else {
              for (const s of status) {
                const when = s.applied_at === null ? 'pending' : `applied ${new Date(s.applied_at).toISOString()}`;
                process.stdout.write(`${String(s.version).padStart(4, '0')}_${s.name}  ${when}\n`);
              }
            }
          } finally {
            await db.close();
            lock?.release();
          }
        }),
      ),
  );
  return cmd;
}
