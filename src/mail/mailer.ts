import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';

/** One message as the outbox hands it to a mailer. */
export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** A stable Message-ID (the outbox row's id), so a receiving server can spot a repeat. */
  messageId?: string;
}

export interface SendResult {
  /** The server's last reply ("250 2.0.0 Ok: queued as …"), or "logged". */
  response: string;
}

/**
 * Where email goes: `smtp` (nodemailer over SMTP, STARTTLS or implicit TLS, optional AUTH) when
 * smtp.host is set, else `log` (each message is written to the log and counts as sent, as the
 * README promises). Throws on any SMTP failure; the outbox worker decides about retries.
 */
export interface Mailer {
  readonly kind: 'log' | 'smtp';
  send(m: OutgoingEmail): Promise<SendResult>;
  /** Connects, says EHLO, upgrades and authenticates as configured, and quits (`rustchat email test`). */
  verify(): Promise<void>;
  close(): void;
}

/** SMTP timeouts: a send must finish well inside the outbox lease (worker.ts). */
const TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

export interface MailerOptions {
  log: Logger;
  /** Receives each line of the SMTP dialogue (the test command prints them). */
  onDialogue?: (line: string) => void;
}

export async function createMailer(config: Config, opts: MailerOptions): Promise<Mailer> {
  if (!config.smtp.host) return createLogMailer(config, opts.log);
  return createSmtpMailer(config, opts);
}

export function createLogMailer(config: Config, log: Logger): Mailer {
  return {
    kind: 'log',
    async send(m) {
      // The whole text: without SMTP this is how an admin reads a reset link or an invite.
      log.info('email (smtp.host is empty, so it is logged instead of sent)', { from: config.smtp.from, to: m.to, subject: m.subject, text: m.text });
      return { response: 'logged' };
    },
    async verify() {},
    close() {},
  };
}

async function createSmtpMailer(config: Config, opts: MailerOptions): Promise<Mailer> {
  // Loaded only when SMTP is configured (a separate chunk in the executable).
  const nodemailer = (await import('nodemailer')).default;
  const s = config.smtp;
  const dialogue = opts.onDialogue;
  const logger = dialogue
    ? {
        level() {},
        trace() {},
        fatal() {},
        // nodemailer logs (entry, format, ...args); the SMTP lines come at debug level with `debug: true`.
        debug: (_e: unknown, fmt: string, ...args: unknown[]) => dialogue(format(fmt, args)),
        info: (_e: unknown, fmt: string, ...args: unknown[]) => dialogue(format(fmt, args)),
        warn: (_e: unknown, fmt: string, ...args: unknown[]) => dialogue(format(fmt, args)),
        error: (_e: unknown, fmt: string, ...args: unknown[]) => dialogue(format(fmt, args)),
      }
    : false;
  const transport = nodemailer.createTransport({
    host: s.host,
    port: s.port,
    secure: s.secure,
    requireTLS: s.require_tls,
    auth: s.username ? { user: s.username, pass: s.password } : undefined,
    tls: { rejectUnauthorized: !s.skip_cert_verify },
    ...TIMEOUTS,
    logger,
    debug: !!dialogue,
  });
  return {
    kind: 'smtp',
    async send(m) {
      const info = await transport.sendMail({
        from: s.from,
        to: m.to,
        subject: m.subject,
        text: m.text,
        html: m.html || undefined,
        messageId: m.messageId ? `<${m.messageId}@${messageIdDomain(s.from)}>` : undefined,
      });
      if (info.rejected?.length) throw new Error(`recipient refused: ${info.response ?? ''}`.trim());
      return { response: String(info.response ?? '') };
    },
    async verify() {
      await transport.verify();
    },
    close() {
      transport.close();
    },
  };
}

function format(fmt: string, args: unknown[]): string {
  let i = 0;
  return String(fmt).replace(/%[sdj]/g, () => String(args[i++]));
}

/** The domain of the From address, for Message-IDs. */
export function messageIdDomain(from: string): string {
  const m = /@([^>\s]+)>?\s*$/.exec(from);
  return m?.[1] ?? 'localhost';
}
