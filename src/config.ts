import { readFileSync, existsSync, mkdirSync, writeFileSync, chmodSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parse as parseToml } from 'smol-toml';
import { z } from 'zod';
import { parseAddressList } from './cidr.ts';

/**
 * Every configuration key, once: its TOML path, environment variable, default and whether it is
 * a secret. `rustchat.example.toml`, the README table and `config check` are all derived from or
 * checked against this list (see config.test.ts).
 */
export interface KeySpec {
  path: string;
  env: string;
  kind: 'string' | 'int' | 'bool' | 'enum';
  def: string | number | boolean;
  doc: string;
  secret?: boolean;
  values?: readonly string[];
  min?: number;
  max?: number;
}

/** Loopback and private networks (RFC 1918, shared address space, IPv6 unique local): the default metrics scrapers. */
const METRICS_PRIVATE_RANGES = '127.0.0.0/8, ::1/128, 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10, fc00::/7';

export const KEYS: readonly KeySpec[] = [
  { path: 'server.host', env: 'RUSTCHAT_HOST', kind: 'string', def: '0.0.0.0', doc: 'Address to listen on' },
  { path: 'server.port', env: 'RUSTCHAT_PORT', kind: 'int', def: 8080, min: 0, max: 65535, doc: 'TCP port to listen on (0 picks a free port)' },
  { path: 'server.data_dir', env: 'RUSTCHAT_DATA_DIR', kind: 'string', def: './data', doc: 'Directory for the embedded database, local files, secrets and the admin socket' },
  { path: 'server.site_url', env: 'RUSTCHAT_SITE_URL', kind: 'string', def: '', doc: 'Public URL users reach the server at, e.g. https://chat.example.com (used in links and emails)' },
  { path: 'server.body_limit_bytes', env: 'RUSTCHAT_BODY_LIMIT_BYTES', kind: 'int', def: 1048576, min: 1024, doc: 'Largest JSON request body accepted, in bytes' },
  { path: 'server.trust_proxy', env: 'RUSTCHAT_TRUST_PROXY', kind: 'bool', def: false, doc: 'Take the client address from X-Forwarded-For (set when behind nginx)' },
  { path: 'server.shutdown_timeout_ms', env: 'RUSTCHAT_SHUTDOWN_TIMEOUT_MS', kind: 'int', def: 8000, min: 0, doc: 'How long a graceful shutdown waits for in-flight requests' },
  { path: 'log.level', env: 'RUSTCHAT_LOG_LEVEL', kind: 'enum', def: 'info', values: ['debug', 'info', 'warn', 'error'], doc: 'Lowest level written to the JSON log on stdout' },
  { path: 'database.url', env: 'RUSTCHAT_DATABASE_URL', kind: 'string', def: '', secret: true, doc: 'PostgreSQL URL; empty runs the embedded database in <data_dir>/pg' },
  { path: 'database.pool_size', env: 'RUSTCHAT_DATABASE_POOL_SIZE', kind: 'int', def: 10, min: 1, max: 200, doc: 'PostgreSQL connections per process' },
  { path: 'database.prepared_statements', env: 'RUSTCHAT_DATABASE_PREPARED_STATEMENTS', kind: 'bool', def: true, doc: 'Use named prepared statements on PostgreSQL (about half the database CPU per post); turn off behind a pooler in transaction mode that cannot keep them (PgBouncer before 1.21, or without max_prepared_statements)' },
  { path: 'database.flush_interval_ms', env: 'RUSTCHAT_DATABASE_FLUSH_INTERVAL_MS', kind: 'int', def: 1000, min: 0, max: 60000, doc: 'Embedded mode: longest time a committed write waits before it is flushed to disk (0 flushes after every commit)' },
  { path: 'redis.url', env: 'RUSTCHAT_REDIS_URL', kind: 'string', def: '', secret: true, doc: 'Redis URL for fan-out between processes; empty uses the in-process bus' },
  { path: 'redis.channel_prefix', env: 'RUSTCHAT_REDIS_CHANNEL_PREFIX', kind: 'string', def: 'rustchat', doc: 'Prefix of the Redis pub/sub channel, so several installations can share one Redis' },
  { path: 'auth.jwt_secret', env: 'RUSTCHAT_JWT_SECRET', kind: 'string', def: '', secret: true, doc: 'HS256 signing secret (at least 32 characters); embedded mode generates one into the data directory when empty' },
  { path: 'auth.session_lifetime_days', env: 'RUSTCHAT_SESSION_LIFETIME_DAYS', kind: 'int', def: 30, min: 1, max: 3650, doc: 'Idle lifetime of a session; every use extends it' },
  { path: 'auth.open_signup', env: 'RUSTCHAT_OPEN_SIGNUP', kind: 'bool', def: true, doc: 'Anyone may register (the first account is always allowed and becomes system admin)' },
  { path: 'site.name', env: 'RUSTCHAT_SITE_NAME', kind: 'string', def: 'RustChat', doc: 'Site name shown in the client and emails (admins can change it at runtime)' },
  { path: 'files.max_upload_bytes', env: 'RUSTCHAT_MAX_UPLOAD_BYTES', kind: 'int', def: 104857600, min: 1, doc: 'Largest single uploaded file, in bytes' },
  { path: 'files.unattached_ttl_hours', env: 'RUSTCHAT_FILES_UNATTACHED_TTL_HOURS', kind: 'int', def: 24, min: 0, max: 8760, doc: 'Uploaded files never attached to a post are removed after this many hours (checked hourly; 0 keeps them)' },
  { path: 's3.endpoint', env: 'RUSTCHAT_S3_ENDPOINT', kind: 'string', def: '', doc: 'S3-compatible endpoint URL; empty with an empty bucket stores files in <data_dir>/files' },
  { path: 's3.bucket', env: 'RUSTCHAT_S3_BUCKET', kind: 'string', def: '', doc: 'Bucket name; setting it turns S3 storage on' },
  { path: 's3.access_key', env: 'RUSTCHAT_S3_ACCESS_KEY', kind: 'string', def: '', secret: true, doc: 'S3 access key id' },
  { path: 's3.secret_key', env: 'RUSTCHAT_S3_SECRET_KEY', kind: 'string', def: '', secret: true, doc: 'S3 secret access key' },
  { path: 's3.region', env: 'RUSTCHAT_S3_REGION', kind: 'string', def: 'us-east-1', doc: 'S3 region' },
  { path: 's3.force_path_style', env: 'RUSTCHAT_S3_FORCE_PATH_STYLE', kind: 'bool', def: false, doc: 'Path-style addressing (MinIO, Ceph RGW, s3rver)' },
  { path: 's3.create_bucket', env: 'RUSTCHAT_S3_CREATE_BUCKET', kind: 'bool', def: false, doc: 'Create the bucket at start if it does not exist (otherwise a missing bucket stops the server)' },
  { path: 'smtp.host', env: 'RUSTCHAT_SMTP_HOST', kind: 'string', def: '', doc: 'SMTP server; empty writes emails to the log instead of sending them' },
  { path: 'smtp.port', env: 'RUSTCHAT_SMTP_PORT', kind: 'int', def: 587, min: 1, max: 65535, doc: 'SMTP port' },
  { path: 'smtp.username', env: 'RUSTCHAT_SMTP_USERNAME', kind: 'string', def: '', doc: 'SMTP user name' },
  { path: 'smtp.password', env: 'RUSTCHAT_SMTP_PASSWORD', kind: 'string', def: '', secret: true, doc: 'SMTP password' },
  { path: 'smtp.from', env: 'RUSTCHAT_SMTP_FROM', kind: 'string', def: 'RustChat <noreply@localhost>', doc: 'From address of outgoing mail' },
  { path: 'smtp.secure', env: 'RUSTCHAT_SMTP_SECURE', kind: 'bool', def: false, doc: 'Implicit TLS (port 465); otherwise STARTTLS when offered' },
  { path: 'metrics.allow_from', env: 'RUSTCHAT_METRICS_ALLOW_FROM', kind: 'string', def: METRICS_PRIVATE_RANGES, doc: 'Client addresses (comma-separated CIDR ranges) that may read the Prometheus metrics (/metrics, /api/v1/health/metrics) without the token; the default is loopback and private networks; empty allows only the token' },
  { path: 'metrics.token', env: 'RUSTCHAT_METRICS_TOKEN', kind: 'string', def: '', secret: true, doc: 'Bearer token (at least 16 characters) that may read the metrics from any address; empty: no token' },
];

function fieldSchema(k: KeySpec): z.ZodTypeAny {
  switch (k.kind) {
    case 'int': {
      let s = z.number().int();
      if (k.min !== undefined) s = s.min(k.min);
      if (k.max !== undefined) s = s.max(k.max);
      return s;
    }
    case 'bool':
      return z.boolean();
    case 'enum':
      return z.enum(k.values as [string, ...string[]]);
    default:
      return z.string();
  }
}

export interface Config {
  server: { host: string; port: number; data_dir: string; site_url: string; body_limit_bytes: number; trust_proxy: boolean; shutdown_timeout_ms: number };
  log: { level: 'debug' | 'info' | 'warn' | 'error' };
  database: { url: string; pool_size: number; prepared_statements: boolean; flush_interval_ms: number };
  redis: { url: string; channel_prefix: string };
  auth: { jwt_secret: string; session_lifetime_days: number; open_signup: boolean };
  site: { name: string };
  files: { max_upload_bytes: number; unattached_ttl_hours: number };
  s3: { endpoint: string; bucket: string; access_key: string; secret_key: string; region: string; force_path_style: boolean; create_bucket: boolean };
  smtp: { host: string; port: number; username: string; password: string; from: string; secure: boolean };
  metrics: { allow_from: string; token: string };
}

/** A configuration problem: names the key. The CLI exits 2 on it. */
export class ConfigError extends Error {
  constructor(readonly key: string, message: string) {
    super(`config: ${key}: ${message}`);
    this.name = 'ConfigError';
  }
}

export interface LoadOptions {
  /** Path of a TOML file; when absent, RUSTCHAT_CONFIG is used, else no file. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Command-line overrides by key path, e.g. {'server.port': 9000}. They win over everything. */
  flags?: Record<string, unknown>;
  /** Called once per unknown key with a message naming it. */
  warn?: (message: string) => void;
}

function setPath(obj: Record<string, any>, path: string, value: unknown) {
  const [section, key] = path.split('.');
  obj[section] ??= {};
  obj[section][key] = value;
}

function coerceEnv(k: KeySpec, raw: string): unknown {
  if (k.kind === 'int') {
    if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError(k.path, `${k.env} must be an integer, got ${JSON.stringify(raw)}`);
    return Number(raw);
  }
  if (k.kind === 'bool') {
    const v = raw.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
    throw new ConfigError(k.path, `${k.env} must be true or false, got ${JSON.stringify(raw)}`);
  }
  return raw;
}

// Variables that are read elsewhere and are not configuration keys.
const NON_KEY_ENV = new Set(['RUSTCHAT_CONFIG', 'RUSTCHAT_TEST_DATABASE_URL', 'RUSTCHAT_TEST_REDIS_URL', 'RUSTCHAT_ADMIN_SOCKET', 'RUSTCHAT_DEBUG', 'RUSTCHAT_TEST_SOURCE']);

/** Reads file < environment < flags, validates once, returns a deeply frozen Config. */
export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  const warn = opts.warn ?? ((m: string) => process.stderr.write(`warning: ${m}\n`));
  const byPath = new Map(KEYS.map((k) => [k.path, k]));
  const raw: Record<string, any> = {};
  for (const k of KEYS) setPath(raw, k.path, k.def);

  const file = opts.file ?? env.RUSTCHAT_CONFIG;
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new ConfigError('config', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? e}`);
    }
    let doc: Record<string, unknown>;
    try {
      doc = parseToml(text) as Record<string, unknown>;
    } catch (e) {
      throw new ConfigError('config', `${file} is not valid TOML: ${(e as Error).message.split('\n')[0]}`);
    }
    for (const [section, body] of Object.entries(doc)) {
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        if (byPath.has(section)) continue;
        warn(`unknown configuration key "${section}" in ${file} (ignored)`);
        continue;
      }
      for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
        const path = `${section}.${key}`;
        if (!byPath.has(path)) {
          warn(`unknown configuration key "${path}" in ${file} (ignored)`);
          continue;
        }
        setPath(raw, path, value);
      }
    }
  }

  const envNames = new Map(KEYS.map((k) => [k.env, k]));
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('RUSTCHAT_') || value === undefined) continue;
    const k = envNames.get(name);
    if (!k) {
      if (!NON_KEY_ENV.has(name)) warn(`unknown environment variable ${name} (ignored)`);
      continue;
    }
    setPath(raw, k.path, coerceEnv(k, value));
  }

  for (const [path, value] of Object.entries(opts.flags ?? {})) {
    if (value === undefined) continue;
    if (!byPath.has(path)) throw new ConfigError(path, 'unknown flag');
    setPath(raw, path, value);
  }

  const sections: Record<string, Record<string, z.ZodTypeAny>> = {};
  for (const k of KEYS) {
    const [s, key] = k.path.split('.');
    (sections[s] ??= {})[key] = fieldSchema(k);
  }
  const schema = z.object(Object.fromEntries(Object.entries(sections).map(([s, f]) => [s, z.object(f)])));
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue.path.join('.');
    const k = byPath.get(path);
    const got = issue.path.reduce<any>((o, p) => (o == null ? o : o[p as any]), raw);
    const shown = k?.secret ? '(redacted)' : JSON.stringify(got);
    throw new ConfigError(path, `${issue.message} (got ${shown}${k ? `; env ${k.env}` : ''})`);
  }
  const cfg = parsed.data as unknown as Config;
  if (cfg.auth.jwt_secret && cfg.auth.jwt_secret.length < 32) {
    throw new ConfigError('auth.jwt_secret', 'must be at least 32 characters');
  }
  if (cfg.database.url && !/^postgres(ql)?:\/\//.test(cfg.database.url)) {
    throw new ConfigError('database.url', 'must start with postgres:// or postgresql://');
  }
  if (cfg.redis.url && !/^rediss?:\/\//.test(cfg.redis.url)) {
    throw new ConfigError('redis.url', 'must start with redis:// or rediss://');
  }
  try {
    parseAddressList(cfg.metrics.allow_from);
  } catch (e) {
    throw new ConfigError('metrics.allow_from', (e as Error).message);
  }
  if (cfg.metrics.token && cfg.metrics.token.length < 16) throw new ConfigError('metrics.token', 'must be at least 16 characters');
  cfg.server.data_dir = resolve(cfg.server.data_dir);
  return deepFreeze(cfg);
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/** The effective configuration as a plain object with every secret replaced by "(redacted)" or "(unset)". */
export function redacted(cfg: Config): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const k of KEYS) {
    const [s, key] = k.path.split('.');
    const v = (cfg as any)[s][key];
    (out[s] ??= {})[key] = k.secret ? (v ? '(redacted)' : '(unset)') : v;
  }
  return out;
}

/**
 * The JWT secret in force: the configured one, or in embedded mode one generated once into
 * `<data_dir>/jwt-secret` (mode 0600). PostgreSQL mode without a secret is a config error,
 * because several processes must share it.
 */
export function resolveJwtSecret(cfg: Config): string {
  if (cfg.auth.jwt_secret) return cfg.auth.jwt_secret;
  if (cfg.database.url) {
    throw new ConfigError('auth.jwt_secret', 'is required with database.url (all processes must share it); set RUSTCHAT_JWT_SECRET');
  }
  mkdirSync(cfg.server.data_dir, { recursive: true });
  const file = join(cfg.server.data_dir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return secret;
}
