import { Command } from 'commander';
import { action, configFrom, dataOptions, jsonOption, printJson, UsageError } from './common.ts';
import { createLogger } from '../log.ts';
import { createMailer } from '../mail/mailer.ts';
import { testEmail } from '../mail/templates.ts';
import { checkEmail } from '../actions/accounts.ts';

/**
 * `rustchat email test --to ADDR`: sends one message straight through the configured SMTP server
 * (not through the outbox, so it needs no database) and prints how the dialogue went.
 */
export function emailCommand(): Command {
  const cmd = new Command('email').description('outgoing email');
  cmd.addCommand(
    jsonOption(dataOptions(new Command('test')))
      .description('send a test email through the configured SMTP server and print the outcome')
      .requiredOption('--to <address>', 'recipient')
      .option('-v, --verbose', 'print the whole SMTP dialogue')
      .action(
        action(async (opts: { config?: string; dataDir?: string; json?: boolean; to: string; verbose?: boolean }) => {
          const config = configFrom(opts);
          let to: string;
          try {
            to = checkEmail(opts.to);
          } catch {
            throw new UsageError(`--to: "${opts.to}" is not an email address`);
          }
          const dialogue: string[] = [];
          const mailer = await createMailer(config, { log: createLogger('info', (line) => dialogue.push(line)), onDialogue: (l) => dialogue.push(l) });
          const target = config.smtp.host ? `${config.smtp.host}:${config.smtp.port}${config.smtp.secure ? ' (implicit TLS)' : ''}` : '(none: smtp.host is empty, the email is written to the log)';
          const m = testEmail({ name: config.site.name, url: config.server.site_url.replace(/\/+$/, '') }, { sentAt: new Date().toISOString() });
          const started = Date.now();
          try {
            const r = await mailer.send({ to, subject: m.subject, text: m.text, html: m.html });
            const out = { ok: true, server: target, to, response: r.response, ms: Date.now() - started, ...(opts.verbose ? { dialogue } : {}) };
            if (opts.json) return printJson(out);
            // Without SMTP the "dialogue" is the log line holding the email.
            if (opts.verbose || mailer.kind === 'log') for (const l of dialogue) process.stdout.write(`${l}\n`);
            process.stdout.write(`SMTP server: ${target}\nrecipient:   ${to}\nresult:      sent (${r.response})\n`);
          } catch (e) {
            const reason = String((e as Error).message ?? e);
            if (opts.json) printJson({ ok: false, server: target, to, error: reason, ...(opts.verbose ? { dialogue } : {}) });
            else {
              if (opts.verbose) for (const l of dialogue) process.stdout.write(`${l}\n`);
              process.stdout.write(`SMTP server: ${target}\nrecipient:   ${to}\nresult:      FAILED\n`);
            }
            throw new Error(`sending failed: ${reason}`);
          } finally {
            mailer.close();
          }
        }),
      ),
  );
  return cmd;
}
