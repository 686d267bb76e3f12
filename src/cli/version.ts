import { Command } from 'commander';
import { action, jsonOption, printJson } from './common.ts';
import { buildInfo } from '../version.ts';

export function versionCommand(): Command {
  return jsonOption(new Command('version'))
    .description('print version, git commit, Node version and build date')
    .action(
      action(async (opts: { json?: boolean }) => {
        const info = buildInfo();
        if (opts.json) return printJson(info);
        process.stdout.write(`rustchat ${info.version} (commit ${info.commit}, built ${info.build_date}, node ${info.node})\n`);
      }),
    );
}
