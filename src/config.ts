import { readFileSync, existsSync, mkdirSync, writeFileSync, chmodSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parse as parseToml } from 'smol-toml';
import { z } from 'zod';
import { parseAddressList } from './cidr.ts';
import { parseAllowList } from './outbound/address-policy.ts';

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
  { path: 'server.trust_proxy', env: 'RUSTCHAT_TRUST_PROXY', kind: 'bool', def: false, doc: 'Trust a reverse proxy on this machine (loopback addresses): the same as adding 127.0.0.0/8 and ::1/128 to server.trusted_proxies' },
  { path: 'server.trusted_proxies', env: 'RUSTCHAT_TRUSTED_PROXIES', kind: 'string', def: '', doc: 'Reverse proxies (comma- or space-separated CIDR ranges or addresses) whose X-Forwarded-For, -Proto and -Host are believed; the client address is the rightmost X-Forwarded-For hop that is not one of them, so hops a client forges are ignored. Empty (and trust_proxy off): the socket\'s address' },
  { path: 'server.min_free_disk_mb', env: 'RUSTCHAT_MIN_FREE_DISK_MB', kind: 'int', def: 64, min: 0, max: 1048576, doc: 'Space kept free on the data directory\'s filesystem, in MiB: while less is free, writes of the embedded database and uploads to <data_dir>/files answer 507 storage_full (reads keep working), and they work again as soon as space is freed. The reserve keeps the embedded database from filling the disk under its write-ahead log (it then stops and is reopened once space returns). 0 turns the reserve off' },
  { path: 'server.shutdown_timeout_ms', env: 'RUSTCHAT_SHUTDOWN_TIMEOUT_MS', kind: 'int', def: 8000, min: 0, doc: 'How long a graceful shutdown waits for in-flight requests' },
  { path: 'websocket.max_sockets_per_user', env: 'RUSTCHAT_WEBSOCKET_MAX_SOCKETS_PER_USER', kind: 'int', def: 50, min: 1, max: 10000, doc: 'Live WebSocket connections one user may hold on one server process (tabs, devices, bots); one more closes the user\'s oldest with code 4008' },
  { path: 'websocket.max_unauthenticated_per_address', env: 'RUSTCHAT_WEBSOCKET_MAX_UNAUTHENTICATED_PER_ADDRESS', kind: 'int', def: 100, min: 1, max: 100000, doc: 'WebSocket connections from one client address (IPv6: one /64) that may wait for their authenticate action at once on one process; more are refused with HTTP 429 (loopback addresses are exempt, as for login limits)' },
  { path: 'rate_limit.per_second', env: 'RUSTCHAT_RATE_LIMIT_PER_SECOND', kind: 'int', def: 10, min: 0, max: 100000, doc: 'Per-user API rate limit: requests a second each user may make in each of posts (create), reactions (add, remove), searches and uploads, counted per server process; more answer 429 with Retry-After. 0 turns the limits off' },
  { path: 'rate_limit.burst', env: 'RUSTCHAT_RATE_LIMIT_BURST', kind: 'int', def: 100, min: 1, max: 100000, doc: 'Requests of one category a user may make at once before rate_limit.per_second applies' },
  { path: 'log.level', env: 'RUSTCHAT_LOG_LEVEL', kind: 'enum', def: 'info', values: ['debug', 'info', 'warn', 'error'], doc: 'Lowest level written to the JSON log on stdout' },
  { path: 'database.url', env: 'RUSTCHAT_DATABASE_URL', kind: 'string', def: '', secret: true, doc: 'PostgreSQL URL; empty runs the embedded database in <data_dir>/pg' },
  { path: 'database.pool_size', env: 'RUSTCHAT_DATABASE_POOL_SIZE', kind: 'int', def: 10, min: 1, max: 200, doc: 'PostgreSQL connections per process' },
  { path: 'database.prepared_statements', env: 'RUSTCHAT_DATABASE_PREPARED_STATEMENTS', kind: 'bool', def: true, doc: 'Use named prepared statements on PostgreSQL (about half the database CPU per post); turn off behind a pooler in transaction mode that cannot keep them (PgBouncer before 1.21, or without max_prepared_statements)' },
  { path: 'database.flush_interval_ms', env: 'RUSTCHAT_DATABASE_FLUSH_INTERVAL_MS', kind: 'int', def: 1000, min: 0, max: 60000, doc: 'Embedded mode: longest time a committed write waits before it is flushed to disk (0 flushes after every commit)' },
  { path: 'database.vacuum_interval_minutes', env: 'RUSTCHAT_DATABASE_VACUUM_INTERVAL_MINUTES', kind: 'int', def: 10, min: 0, max: 1440, doc: 'Embedded mode: minutes between VACUUM runs, which reclaim the rows deletes and updates leave behind (the embedded database has no autovacuum); the first run, a minute after start, takes every table, later ones the tables with many dead rows. 0 turns it off. PostgreSQL relies on its own autovacuum' },
  { path: 'redis.url', env: 'RUSTCHAT_REDIS_URL', kind: 'string', def: '', secret: true, doc: 'Redis URL for fan-out between processes; empty uses the in-process bus' },
  { path: 'redis.channel_prefix', env: 'RUSTCHAT_REDIS_CHANNEL_PREFIX', kind: 'string', def: 'rustchat', doc: 'Prefix of the Redis pub/sub channel, so several installations can share one Redis' },
  { path: 'auth.jwt_secret', env: 'RUSTCHAT_JWT_SECRET', kind: 'string', def: '', secret: true, doc: 'HS256 signing secret (at least 32 characters); embedded mode generates one into the data directory when empty' },
  { path: 'auth.session_lifetime_days', env: 'RUSTCHAT_SESSION_LIFETIME_DAYS', kind: 'int', def: 30, min: 1, max: 3650, doc: 'Lifetime of a web or desktop session, in days; every use extends it (admins can change it at runtime)' },
  { path: 'auth.open_signup', env: 'RUSTCHAT_OPEN_SIGNUP', kind: 'bool', def: true, doc: 'Anyone may register (the first account is always allowed and becomes system admin)' },
  // Authentication settings (docs/auth.md). Admins can change every one of these at runtime in
  // the system console; a stored value wins over this file until it is reset.
  { path: 'auth.session_lifetime_mobile_days', env: 'RUSTCHAT_SESSION_LIFETIME_MOBILE_DAYS', kind: 'int', def: 180, min: 1, max: 3650, doc: 'Lifetime of a mobile-app session (a login with a device id), in days; every use extends it' },
  { path: 'auth.session_idle_timeout_minutes', env: 'RUSTCHAT_SESSION_IDLE_TIMEOUT_MINUTES', kind: 'int', def: 0, min: 0, max: 525600, doc: 'Web and desktop sessions unused for this many minutes end (0 = off; at least 5 when on); mobile sessions are exempt' },
  { path: 'auth.mfa', env: 'RUSTCHAT_MFA', kind: 'enum', def: 'optional', values: ['off', 'optional', 'required'], doc: 'Multi-factor authentication (TOTP): off, optional (anyone may enrol) or required (password users must enrol before using the server)' },
  { path: 'auth.password_min_length', env: 'RUSTCHAT_PASSWORD_MIN_LENGTH', kind: 'int', def: 8, min: 8, max: 72, doc: 'Shortest password accepted, in UTF-8 bytes (at most 72)' },
  { path: 'auth.password_require_lowercase', env: 'RUSTCHAT_PASSWORD_REQUIRE_LOWERCASE', kind: 'bool', def: false, doc: 'New passwords must contain a lower-case letter' },
  { path: 'auth.password_require_uppercase', env: 'RUSTCHAT_PASSWORD_REQUIRE_UPPERCASE', kind: 'bool', def: false, doc: 'New passwords must contain an upper-case letter' },
  { path: 'auth.password_require_number', env: 'RUSTCHAT_PASSWORD_REQUIRE_NUMBER', kind: 'bool', def: false, doc: 'New passwords must contain a digit' },
  { path: 'auth.password_require_symbol', env: 'RUSTCHAT_PASSWORD_REQUIRE_SYMBOL', kind: 'bool', def: false, doc: 'New passwords must contain a character that is neither a letter nor a digit' },
  { path: 'auth.password_check_breached', env: 'RUSTCHAT_PASSWORD_CHECK_BREACHED', kind: 'bool', def: true, doc: 'Refuse new passwords found in the bundled list of common passwords (about 18,000 of 8+ characters, checked offline)' },
  { path: 'auth.signup_email_domains', env: 'RUSTCHAT_SIGNUP_EMAIL_DOMAINS', kind: 'string', def: '', doc: 'Comma-separated email domains allowed to sign up (and to be created by SSO), e.g. "example.com, example.org"; empty allows any' },
  { path: 'auth.lockout_account_attempts', env: 'RUSTCHAT_LOCKOUT_ACCOUNT_ATTEMPTS', kind: 'int', def: 10, min: 1, max: 1000, doc: 'Failed logins (passwords or MFA codes) on one account within the lockout window before it is locked until the window clears' },
  { path: 'auth.lockout_address_attempts', env: 'RUSTCHAT_LOCKOUT_ADDRESS_ATTEMPTS', kind: 'int', def: 30, min: 1, max: 100000, doc: 'Failed logins from one client address (IPv6: one /64) within the lockout window before that address is refused' },
  { path: 'auth.lockout_window_minutes', env: 'RUSTCHAT_LOCKOUT_WINDOW_MINUTES', kind: 'int', def: 15, min: 1, max: 1440, doc: 'Length of the sliding window the lockout thresholds count in, in minutes' },
  // Single sign-on with OpenID Connect (docs/auth.md has recipes per provider).
  { path: 'oidc.issuer', env: 'RUSTCHAT_OIDC_ISSUER', kind: 'string', def: '', doc: 'Issuer URL of the OpenID Connect provider (its discovery document is <issuer>/.well-known/openid-configuration); empty turns SSO off' },
  { path: 'oidc.client_id', env: 'RUSTCHAT_OIDC_CLIENT_ID', kind: 'string', def: '', doc: 'Client id registered at the provider (redirect URI: <server.site_url>/signup/openid/complete)' },
  { path: 'oidc.client_secret', env: 'RUSTCHAT_OIDC_CLIENT_SECRET', kind: 'string', def: '', secret: true, doc: 'Client secret registered at the provider' },
  { path: 'oidc.scopes', env: 'RUSTCHAT_OIDC_SCOPES', kind: 'string', def: 'openid email profile', doc: 'Scopes requested (space-separated; must include openid). Add the scope that carries groups when admin_groups is set' },
  { path: 'oidc.button_text', env: 'RUSTCHAT_OIDC_BUTTON_TEXT', kind: 'string', def: 'Log in with SSO', doc: 'Text of the SSO button on the login page (and in the Mattermost apps)' },
  { path: 'oidc.create_accounts', env: 'RUSTCHAT_OIDC_CREATE_ACCOUNTS', kind: 'bool', def: true, doc: 'The first SSO login of an unknown person creates their account (subject to auth.signup_email_domains)' },
  { path: 'oidc.link_by_email', env: 'RUSTCHAT_OIDC_LINK_BY_EMAIL', kind: 'enum', def: 'verified', values: ['off', 'verified', 'always'], doc: 'Link an SSO login to an existing account with the same email: off, verified (only when the provider says email_verified) or always (providers such as Entra ID that send no email_verified)' },
  { path: 'oidc.disable_password_login', env: 'RUSTCHAT_OIDC_DISABLE_PASSWORD_LOGIN', kind: 'bool', def: false, doc: 'Accounts linked to the provider must log in with SSO; their passwords are refused' },
  { path: 'oidc.groups_claim', env: 'RUSTCHAT_OIDC_GROUPS_CLAIM', kind: 'string', def: 'groups', doc: 'ID-token or userinfo claim that lists the person\'s groups (used by admin_groups)' },
  { path: 'oidc.admin_groups', env: 'RUSTCHAT_OIDC_ADMIN_GROUPS', kind: 'string', def: '', doc: 'Comma-separated groups whose members are system admins; when set, every SSO login sets the role from the groups (empty: roles are managed in RustChat)' },
  { path: 'oidc.logout_from_provider', env: 'RUSTCHAT_OIDC_LOGOUT_FROM_PROVIDER', kind: 'bool', def: false, doc: 'Logging out of an SSO session also signs out at the provider (RP-initiated logout; register <site_url>/login as a post-logout redirect URI there)' },
  { path: 'oidc.mobile_schemes', env: 'RUSTCHAT_OIDC_MOBILE_SCHEMES', kind: 'string', def: 'mmauth://,mmauthbeta://', doc: 'Comma-separated URL schemes the mobile apps may ask to be sent back to after an SSO login' },
  // Integrations (docs/integrations.md): webhooks, slash commands, bots and access tokens. Admins
  // can change the switches at runtime in the system console; a stored value wins over this file.
  { path: 'integrations.enable_incoming_webhooks', env: 'RUSTCHAT_INTEGRATIONS_ENABLE_INCOMING_WEBHOOKS', kind: 'bool', def: true, doc: 'Incoming webhooks: team admins create URLs that post into a channel (POST /hooks/{id}); off makes every hook answer 501' },
  { path: 'integrations.enable_outgoing_webhooks', env: 'RUSTCHAT_INTEGRATIONS_ENABLE_OUTGOING_WEBHOOKS', kind: 'bool', def: true, doc: 'Outgoing webhooks: posts that start with a trigger word are sent to an external URL, whose reply is posted' },
  { path: 'integrations.enable_commands', env: 'RUSTCHAT_INTEGRATIONS_ENABLE_COMMANDS', kind: 'bool', def: true, doc: 'Custom slash commands that call an external URL (built-in commands such as /me always work)' },
  { path: 'integrations.members_manage_integrations', env: 'RUSTCHAT_INTEGRATIONS_MEMBERS_MANAGE_INTEGRATIONS', kind: 'bool', def: false, doc: 'Every team member (not only team and system admins) may create and manage webhooks and slash commands in the team' },
  { path: 'integrations.enable_post_username_override', env: 'RUSTCHAT_INTEGRATIONS_ENABLE_POST_USERNAME_OVERRIDE', kind: 'bool', def: false, doc: 'Webhooks and commands may show another name than their creator\'s on their posts (marked as from a bot)' },
  { path: 'integrations.enable_post_icon_override', env: 'RUSTCHAT_INTEGRATIONS_ENABLE_POST_ICON_OVERRIDE', kind: 'bool', def: false, doc: 'Webhooks and commands may show another profile picture (icon_url) on their posts' },
  { path: 'integrations.personal_access_tokens', env: 'RUSTCHAT_INTEGRATIONS_PERSONAL_ACCESS_TOKENS', kind: 'enum', def: 'admins', values: ['off', 'admins', 'everyone'], doc: 'Who may create personal access tokens for their own account: off (none; existing tokens stop working), admins (system admins, who may also make them for bots and other users) or everyone' },
  { path: 'integrations.enable_bot_accounts', env: 'RUSTCHAT_INTEGRATIONS_ENABLE_BOT_ACCOUNTS', kind: 'bool', def: true, doc: 'System admins may create bot accounts (users without a password that act through access tokens); off disables existing bots\' tokens too' },
  { path: 'integrations.incoming_webhook_rate_per_minute', env: 'RUSTCHAT_INTEGRATIONS_INCOMING_WEBHOOK_RATE_PER_MINUTE', kind: 'int', def: 60, min: 1, max: 100000, doc: 'Posts one incoming webhook may make per minute; more answer 429 with Retry-After' },
  { path: 'integrations.allowed_internal_hosts', env: 'RUSTCHAT_INTEGRATIONS_ALLOWED_INTERNAL_HOSTS', kind: 'string', def: '', doc: 'Outgoing webhooks and slash commands may reach these internal addresses (comma- or space-separated CIDR ranges, IP addresses or host names); every other loopback, private, link-local, CGNAT or metadata address is refused (Mattermost: AllowedUntrustedInternalConnections)' },
  { path: 'integrations.request_timeout_seconds', env: 'RUSTCHAT_INTEGRATIONS_REQUEST_TIMEOUT_SECONDS', kind: 'int', def: 30, min: 1, max: 300, doc: 'Longest time a request to an outgoing webhook or slash command URL may take, connection and answer included' },
  { path: 'integrations.response_max_bytes', env: 'RUSTCHAT_INTEGRATIONS_RESPONSE_MAX_BYTES', kind: 'int', def: 1048576, min: 1024, max: 16777216, doc: 'Largest answer read from an outgoing webhook or slash command URL; a longer one is refused' },
  { path: 'site.name', env: 'RUSTCHAT_SITE_NAME', kind: 'string', def: 'RustChat', doc: 'Site name shown in the client and emails (admins can change it at runtime)' },
  { path: 'site.collapsed_threads', env: 'RUSTCHAT_SITE_COLLAPSED_THREADS', kind: 'enum', def: 'default_on', values: ['disabled', 'default_on', 'default_off', 'always_on'], doc: 'Collapsed reply threads in the Mattermost apps (their ServiceSettings.CollapsedThreads): replies stay in their thread and followed threads are listed in a Threads view; default_on and default_off let each user choose, always_on does not, disabled turns the view off. The RustChat web client always has its Threads view' },
  { path: 'site.custom_emoji', env: 'RUSTCHAT_SITE_CUSTOM_EMOJI', kind: 'bool', def: true, doc: 'Users may add custom emoji (an image under a name, usable in messages and reactions by everyone) and delete their own; system admins may delete any. Off hides them: the emoji routes answer 403 (501 on /api/v4, as Mattermost) and the Mattermost apps see EnableCustomEmoji false' },
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
  { path: 'smtp.require_tls', env: 'RUSTCHAT_SMTP_REQUIRE_TLS', kind: 'bool', def: false, doc: 'Refuse to send unless the server offers STARTTLS (set it for a hosted provider on port 587; implied by smtp.secure)' },
  { path: 'smtp.skip_cert_verify', env: 'RUSTCHAT_SMTP_SKIP_CERT_VERIFY', kind: 'bool', def: false, doc: 'Accept any TLS certificate from the SMTP server (a local relay with a self-signed certificate); never for a server across a network' },
  { path: 'smtp.max_attempts', env: 'RUSTCHAT_SMTP_MAX_ATTEMPTS', kind: 'int', def: 10, min: 1, max: 100, doc: 'Tries per email before it is given up (dead-lettered; listed in the system console); retries back off from 10 s to 1 h' },
  { path: 'smtp.outbox_retention_days', env: 'RUSTCHAT_SMTP_OUTBOX_RETENTION_DAYS', kind: 'int', def: 7, min: 0, max: 3650, doc: 'Days a sent or given-up (dead) email is kept in the outbox, and listed in the system console, before it is deleted (checked hourly; dead emails count from when they were given up). Emails waiting to be sent are never deleted. 0 keeps them all' },
  { path: 'email.send_notifications', env: 'RUSTCHAT_EMAIL_SEND_NOTIFICATIONS', kind: 'bool', def: true, doc: "Email members about mentions and direct messages that arrive while they are offline (Mattermost's EmailSettings.SendEmailNotifications). Off: no notification emails are queued or sent, those already waiting are dropped, and the clients hide the email notification preference. Password resets and invitations are sent either way. Admins can change it at runtime" },
  // Mobile push notifications through a Mattermost push proxy (docs/admin.md, "Mobile push").
  { path: 'push.proxy_url', env: 'RUSTCHAT_PUSH_PROXY_URL', kind: 'string', def: '', doc: "Push proxy the mobile apps' notifications are sent through (Mattermost's protocol): Mattermost's service for the apps from the app stores (https://push-test.mattermost.com, or its production service under Mattermost's terms), or your own mattermost-push-proxy for apps you build yourself; empty sends no push notifications. Internal addresses are allowed (an admin setting, not a user's URL)" },
  { path: 'push.contents', env: 'RUSTCHAT_PUSH_CONTENTS', kind: 'enum', def: 'full', values: ['full', 'generic', 'generic_no_channel', 'id_loaded'], doc: 'What a push notification says (Mattermost\'s PushNotificationContents): full (sender, channel and message text), generic (sender and channel, no text), generic_no_channel (sender only), id_loaded (only ids leave the server; the app fetches the text from this server when the notification arrives)' },
  { path: 'metrics.allow_from', env: 'RUSTCHAT_METRICS_ALLOW_FROM', kind: 'string', def: METRICS_PRIVATE_RANGES, doc: 'Client addresses (comma-separated CIDR ranges) that may read the Prometheus metrics (/metrics, /api/v1/health/metrics) without the token; the default is loopback and private networks; empty allows only the token' },
  { path: 'metrics.token', env: 'RUSTCHAT_METRICS_TOKEN', kind: 'string', def: '', secret: true, doc: 'Bearer token (at least 16 characters) that may read the metrics from any address; empty: no token' },
];

/** The zod schema of one key's value (also validates runtime overrides of it). */
export function fieldSchema(k: KeySpec): z.ZodTypeAny {
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
  server: { host: string; port: number; data_dir: string; site_url: string; body_limit_bytes: number; trust_proxy: boolean; trusted_proxies: string; min_free_disk_mb: number; shutdown_timeout_ms: number };
  websocket: { max_sockets_per_user: number; max_unauthenticated_per_address: number };
  rate_limit: { per_second: number; burst: number };
  log: { level: 'debug' | 'info' | 'warn' | 'error' };
  database: { url: string; pool_size: number; prepared_statements: boolean; flush_interval_ms: number; vacuum_interval_minutes: number };
  redis: { url: string; channel_prefix: string };
  auth: {
    jwt_secret: string;
    session_lifetime_days: number;
    open_signup: boolean;
    session_lifetime_mobile_days: number;
    session_idle_timeout_minutes: number;
    mfa: 'off' | 'optional' | 'required';
    password_min_length: number;
    password_require_lowercase: boolean;
    password_require_uppercase: boolean;
    password_require_number: boolean;
    password_require_symbol: boolean;
    password_check_breached: boolean;
    signup_email_domains: string;
    lockout_account_attempts: number;
    lockout_address_attempts: number;
    lockout_window_minutes: number;
  };
  oidc: {
    issuer: string;
    client_id: string;
    client_secret: string;
    scopes: string;
    button_text: string;
    create_accounts: boolean;
    link_by_email: 'off' | 'verified' | 'always';
    disable_password_login: boolean;
    groups_claim: string;
    admin_groups: string;
    logout_from_provider: boolean;
    mobile_schemes: string;
  };
  integrations: {
    enable_incoming_webhooks: boolean;
    enable_outgoing_webhooks: boolean;
    enable_commands: boolean;
    members_manage_integrations: boolean;
    enable_post_username_override: boolean;
    enable_post_icon_override: boolean;
    personal_access_tokens: 'off' | 'admins' | 'everyone';
    enable_bot_accounts: boolean;
    incoming_webhook_rate_per_minute: number;
    allowed_internal_hosts: string;
    request_timeout_seconds: number;
    response_max_bytes: number;
  };
  site: { name: string; collapsed_threads: 'disabled' | 'default_on' | 'default_off' | 'always_on'; custom_emoji: boolean };
  files: { max_upload_bytes: number; unattached_ttl_hours: number };
  s3: { endpoint: string; bucket: string; access_key: string; secret_key: string; region: string; force_path_style: boolean; create_bucket: boolean };
  smtp: { host: string; port: number; username: string; password: string; from: string; secure: boolean; require_tls: boolean; skip_cert_verify: boolean; max_attempts: number; outbox_retention_days: number };
  email: { send_notifications: boolean };
  push: { proxy_url: string; contents: 'full' | 'generic' | 'generic_no_channel' | 'id_loaded' };
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

function setPath(obj: Record<string, Record<string, unknown>>, path: string, value: unknown) {
  const [section, key] = path.split('.');
  (obj[section] ??= {})[key] = value;
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
  const raw: Record<string, Record<string, unknown>> = {};
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
    const got = issue.path.reduce<unknown>((o, p) => (o == null ? o : (o as Record<PropertyKey, unknown>)[p as PropertyKey]), raw);
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
  checkAuthConfig(cfg);
  try {
    parseAddressList(cfg.server.trusted_proxies);
  } catch (e) {
    throw new ConfigError('server.trusted_proxies', (e as Error).message);
  }
  try {
    parseAddressList(cfg.metrics.allow_from);
  } catch (e) {
    throw new ConfigError('metrics.allow_from', (e as Error).message);
  }
  try {
    parseAllowList(cfg.integrations.allowed_internal_hosts);
  } catch (e) {
    throw new ConfigError('integrations.allowed_internal_hosts', (e as Error).message);
  }
  if (cfg.push.proxy_url) {
    let url: URL | undefined;
    try {
      url = new URL(cfg.push.proxy_url);
    } catch {
      /* below */
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.search || url.hash || url.username || url.password) throw new ConfigError('push.proxy_url', 'must be an http(s) URL without query or credentials, such as https://push.example.com');
  }
  if (cfg.metrics.token && cfg.metrics.token.length < 16) throw new ConfigError('metrics.token', 'must be at least 16 characters');
  cfg.server.data_dir = resolve(cfg.server.data_dir);
  return deepFreeze(cfg);
}

/** Cross-key rules of the authentication and SSO settings (config.test.ts covers each). */
function checkAuthConfig(cfg: Config) {
  checkAuthRules(cfg.auth);
  checkOidcConfig(cfg.oidc);
}

/** Rules across the auth keys, shared by the file and the runtime settings admins change. */
export function checkAuthRules(a: Pick<Config['auth'], 'session_idle_timeout_minutes' | 'signup_email_domains'>) {
  if (a.session_idle_timeout_minutes > 0 && a.session_idle_timeout_minutes < 5) {
    // Activity is written back at most once a minute; a shorter timeout would end live sessions.
    throw new ConfigError('auth.session_idle_timeout_minutes', 'must be 0 (off) or at least 5');
  }
  for (const d of splitList(a.signup_email_domains)) {
    if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i.test(d)) throw new ConfigError('auth.signup_email_domains', `"${d}" is not a domain name`);
  }
}

function checkOidcConfig(o: Config['oidc']) {
  if (!o.issuer) return;
  let url: URL;
  try {
    url = new URL(o.issuer);
  } catch {
    throw new ConfigError('oidc.issuer', 'must be a URL such as https://id.example.com/realms/main');
  }
  // Plain http only on the loopback interface (a provider on the same machine, as in tests).
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) throw new ConfigError('oidc.issuer', 'must use https:// (http:// only for 127.0.0.1, ::1 or localhost)');
  if (!o.client_id) throw new ConfigError('oidc.client_id', 'is required when oidc.issuer is set (env RUSTCHAT_OIDC_CLIENT_ID)');
  if (!o.scopes.split(/\s+/).includes('openid')) throw new ConfigError('oidc.scopes', 'must include openid');
  for (const s of splitList(o.mobile_schemes)) {
    if (!/^[a-z][a-z0-9+.-]*:\/\/$/i.test(s) || /^https?:/i.test(s)) throw new ConfigError('oidc.mobile_schemes', `"${s}" is not a custom URL scheme such as mmauth://`);
  }
}

/** A comma-separated setting as trimmed, non-empty, lower-case items. */
export function splitList(v: string): string[] {
  return v
    .split(',')
    .map((x) => x.trim().toLowerCase())
    .filter(Boolean);
}

export const isLoopbackHost = (h: string) => h === 'localhost' || h === '[::1]' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);

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
    const v = (cfg as unknown as Record<string, Record<string, unknown>>)[s]![key];
    (out[s] ??= {})[key] = k.secret ? (v ? '(redacted)' : '(unset)') : v;
  }
  return out;
}

/**
 * Rules that only a server needs (loadConfig leaves them out so one-shot commands run without
 * them); `config check` applies them too, so it refuses what `serve` would.
 */
export function checkServeConfig(cfg: Config): void {
  if (!cfg.auth.jwt_secret && cfg.database.url) {
    throw new ConfigError('auth.jwt_secret', 'is required with database.url (all processes must share it); set RUSTCHAT_JWT_SECRET');
  }
}

/**
 * The JWT secret in force: the configured one, or in embedded mode one generated once into
 * `<data_dir>/jwt-secret` (mode 0600). PostgreSQL mode without a secret is a config error,
 * because several processes must share it.
 */
export function resolveJwtSecret(cfg: Config): string {
  checkServeConfig(cfg);
  if (cfg.auth.jwt_secret) return cfg.auth.jwt_secret;
  mkdirSync(cfg.server.data_dir, { recursive: true });
  const file = join(cfg.server.data_dir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return secret;
}
