import { Command } from 'commander';
import { action, configFrom, dataOptions, jsonOption, printJson } from './common.ts';
import { checkServeConfig, redacted } from '../config.ts';

export function configCommand(): Command {
  const cmd = new Command('config').description('inspect the configuration');
  cmd.addCommand(
    jsonOption(dataOptions(new Command('check')))
      .description('validate the configuration and print it with secrets redacted (exit 2 names a bad key)')
      .action(
        action(async (opts: { config?: string; dataDir?: string; json?: boolean }) => {
          const loaded = configFrom(opts);
          checkServeConfig(loaded);
          const cfg = redacted(loaded);
          if (opts.json) return printJson(cfg);
          for (const [section, values] of Object.entries(cfg)) {
            process.stdout.write(`[${section}]\n`);
            for (const [k, v] of Object.entries(values)) process.stdout.write(`${k} = ${JSON.stringify(v)}\n`);
            process.stdout.write('\n');
          }
          process.stdout.write('configuration OK\n');
        }),
      ),
  );
  return cmd;
}
