import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { createServer, type AddressInfo } from 'node:net';

/** One message as the test SMTP server received it, with its text and HTML parts decoded. */
export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  headers: Record<string, string>;
  subject: string;
  text: string;
  html: string;
  /** The user that authenticated the session, if any. */
  user?: string;
  secure: boolean;
}

export interface TestSmtp {
  port: number;
  messages: ReceivedMail[];
  /** Waits until pred holds for some message (or the count), polling; throws after timeoutMs. */
  waitFor(pred: (m: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  waitForCount(n: number, timeoutMs?: number): Promise<void>;
  /** Stops listening (connections are refused) until start(). */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
  /** The `smtp.*` config for a server talking to this one. */
  config(): Record<string, unknown>;
}

export interface TestSmtpOptions {
  /** Require AUTH with this user and password. */
  auth?: { user: string; pass: string };
  /** Offer STARTTLS (smtp-server's built-in self-signed certificate). Off by default. */
  starttls?: boolean;
  /** Implicit TLS from the first byte (SMTPS, as on port 465; smtp-server's built-in self-signed certificate). */
  implicitTls?: boolean;
  port?: number;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** A real SMTP server (npm smtp-server) on 127.0.0.1 that keeps every message it accepts. */
export async function startTestSmtp(o: TestSmtpOptions = {}): Promise<TestSmtp> {
  const messages: ReceivedMail[] = [];
  const port = o.port ?? (await freePort());
  const options: SMTPServerOptions = {
    logger: false,
    secure: !!o.implicitTls,
    authOptional: !o.auth,
    disabledCommands: o.starttls ? [] : ['STARTTLS'],
    // AUTH over a plain connection only when STARTTLS is off (a test without TLS).
    allowInsecureAuth: !o.starttls && !o.implicitTls,
    onAuth(auth, _session, cb) {
      if (o.auth && auth.username === o.auth.user && auth.password === o.auth.pass) cb(null, { user: auth.username });
      else cb(new Error('Invalid username or password'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (d: Buffer) => chunks.push(d));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const parsed = parseMessage(raw);
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          ...parsed,
          user: session.user as string | undefined,
          secure: session.secure,
        });
        cb();
      });
    },
  };
  let server: SMTPServer | undefined;
  const start = () =>
    new Promise<void>((resolve, reject) => {
      server = new SMTPServer(options);
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      const s = server;
      server = undefined;
      if (!s) return resolve();
      s.close(() => resolve());
    });
  await start();
  const waitFor = async (pred: (m: ReceivedMail) => boolean, timeoutMs = 15_000) => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const m = messages.find(pred);
      if (m) return m;
      if (Date.now() > until) throw new Error(`no matching email within ${timeoutMs} ms (got ${messages.length}: ${messages.map((x) => `${x.to} "${x.subject}"`).join('; ')})`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return {
    port,
    messages,
    waitFor,
    async waitForCount(n, timeoutMs = 15_000) {
      const until = Date.now() + timeoutMs;
      while (messages.length < n) {
        if (Date.now() > until) throw new Error(`expected ${n} emails within ${timeoutMs} ms, got ${messages.length}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    stop,
    start,
    close: stop,
    config: () => ({
      'smtp.host': '127.0.0.1',
      'smtp.port': port,
      ...(o.auth ? { 'smtp.username': o.auth.user, 'smtp.password': o.auth.pass } : {}),
      ...(o.starttls || o.implicitTls ? { 'smtp.skip_cert_verify': true } : {}),
      ...(o.implicitTls ? { 'smtp.secure': true } : {}),
    }),
  };
}

// ---- a small MIME reader: enough for what nodemailer writes (multipart/alternative, QP, base64) ----

function splitHead(raw: string): [Record<string, string>, string] {
  const i = raw.search(/\r?\n\r?\n/);
  const head = i < 0 ? raw : raw.slice(0, i);
  const body = i < 0 ? '' : raw.slice(i).replace(/^\r?\n\r?\n/, '');
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const m = /^([^:]+):\s*(.*)$/.exec(line);
    if (m) headers[m[1].toLowerCase()] = m[2];
  }
  return [headers, body];
}

function decodeQp(s: string): string {
  const bytes: number[] = [];
  const src = s.replace(/=\r?\n/g, '');
  for (let i = 0; i < src.length; i++) {
    if (src[i] === '=' && /^[0-9A-F]{2}$/i.test(src.slice(i + 1, i + 3))) {
      bytes.push(parseInt(src.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(src[i], 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

function decodeBody(headers: Record<string, string>, body: string): string {
  const enc = (headers['content-transfer-encoding'] ?? '').toLowerCase();
  if (enc === 'quoted-printable') return decodeQp(body);
  if (enc === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  return body;
}

/** RFC 2047 encoded words (=?UTF-8?Q?…?= / =?UTF-8?B?…?=). */
function decodeWords(s: string): string {
  return s.replace(/=\?[^?]+\?([QqBb])\?([^?]*)\?=\s*/g, (_m, enc: string, text: string) =>
    enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8') : decodeQp(text.replace(/_/g, ' ')),
  );
}

export function parseMessage(raw: string): { headers: Record<string, string>; subject: string; text: string; html: string } {
  const [headers, body] = splitHead(raw);
  let text = '';
  let html = '';
  const walk = (h: Record<string, string>, b: string) => {
    const type = (h['content-type'] ?? 'text/plain').toLowerCase();
    const boundary = /boundary="?([^";]+)"?/i.exec(h['content-type'] ?? '')?.[1];
    if (type.startsWith('multipart/') && boundary) {
      for (const part of b.split(`--${boundary}`).slice(1)) {
        if (part.startsWith('--')) break;
        const [ph, pb] = splitHead(part.replace(/^\r?\n/, ''));
        walk(ph, pb.replace(/\r?\n$/, ''));
      }
    } else if (type.startsWith('text/html')) html += decodeBody(h, b);
    else if (type.startsWith('text/plain')) text += decodeBody(h, b);
  };
  walk(headers, body);
  return { headers, subject: decodeWords(headers.subject ?? ''), text: text.replace(/\r\n/g, '\n'), html };
}
