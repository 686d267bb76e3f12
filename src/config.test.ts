import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { ConfigError, KEYS, loadConfig, redacted, resolveJwtSecret } from './config.ts';
import { runCli } from '../test/process.ts';
import { EXAMPLE_PATH, README_PATH, exampleToml, readmeWithTable } from '../scripts/config-docs.ts';

const dir = mkdtempSync(join(tmpdir(), 'rustchat-config-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const quiet = () => {};

test('precedence: defaults < file < environment < flags', () => {
  const toml = file('prec.toml', '[server]\nport = 1111\nhost = "10.0.0.1"\nsite_url = "https://file.example"\n[log]\nlevel = "debug"\n');
  const fromFile = loadConfig({ file: toml, env: {}, warn: quiet });
  assert.is(fromFile.server.port, 1111);
  assert.is(fromFile.server.host, '10.0.0.1');
  assert.is(fromFile.log.level, 'debug');
  assert.is(fromFile.server.body_limit_bytes, 1048576, 'untouched keys keep their defaults');

  const env = { RUSTCHAT_PORT: '2222', RUSTCHAT_HOST: '10.0.0.2' };
  const fromEnv = loadConfig({ file: toml, env, warn: quiet });
  assert.is(fromEnv.server.port, 2222);
  assert.is(fromEnv.server.host, '10.0.0.2');
  assert.is(fromEnv.server.site_url, 'https://file.example', 'file value kept where env is silent');

  const fromFlags = loadConfig({ file: toml, env, flags: { 'server.port': 3333 }, warn: quiet });
  assert.is(fromFlags.server.port, 3333);
  assert.is(fromFlags.server.host, '10.0.0.2');

  // RUSTCHAT_CONFIG names the file when --config is absent.
  assert.is(loadConfig({ env: { RUSTCHAT_CONFIG: toml }, warn: quiet }).server.port, 1111);
  assert.ok(Object.isFrozen(fromFlags) && Object.isFrozen(fromFlags.server), 'config is frozen');
});

test('a wrong type throws a ConfigError naming the key (file and environment)', () => {
  const bad = file('bad.toml', '[server]\nport = "eighty"\n');
  try {
    loadConfig({ file: bad, env: {}, warn: quiet });
    assert.unreachable('should throw');
  } catch (e) {
    assert.instance(e, ConfigError);
    assert.is((e as ConfigError).key, 'server.port');
    assert.match((e as Error).message, 'server.port');
  }
  assert.throws(() => loadConfig({ env: { RUSTCHAT_TRUST_PROXY: 'maybe' }, warn: quiet }), (e: any) => e instanceof ConfigError && e.key === 'server.trust_proxy' && /RUSTCHAT_TRUST_PROXY/.test(e.message));
  assert.throws(() => loadConfig({ env: { RUSTCHAT_TRUSTED_PROXIES: '10.0.0.0/8, nginx.internal' }, warn: quiet }), (e: any) => e instanceof ConfigError && e.key === 'server.trusted_proxies' && /nginx\.internal/.test(e.message));
  assert.is(loadConfig({ env: { RUSTCHAT_TRUSTED_PROXIES: '10.0.0.0/8 fd00::/8,192.0.2.7' }, warn: quiet }).server.trusted_proxies, '10.0.0.0/8 fd00::/8,192.0.2.7');
  assert.throws(() => loadConfig({ env: { RUSTCHAT_LOG_LEVEL: 'loud' }, warn: quiet }), (e: any) => e.key === 'log.level');
  assert.throws(() => loadConfig({ env: { RUSTCHAT_PORT: '70000' }, warn: quiet }), (e: any) => e.key === 'server.port');
  assert.throws(() => loadConfig({ file: file('syntax.toml', '[server\nport=1'), env: {}, warn: quiet }), (e: any) => e instanceof ConfigError && /not valid TOML/.test(e.message));
});

test('database.vacuum_interval_minutes: 10 by default, 0 turns it off, at most a day, whole minutes', () => {
  assert.is(loadConfig({ env: {}, warn: quiet }).database.vacuum_interval_minutes, 10);
  assert.is(loadConfig({ env: { RUSTCHAT_DATABASE_VACUUM_INTERVAL_MINUTES: '0' }, warn: quiet }).database.vacuum_interval_minutes, 0);
  assert.is(loadConfig({ file: file('vac.toml', '[database]\nvacuum_interval_minutes = 1440\n'), env: {}, warn: quiet }).database.vacuum_interval_minutes, 1440);
  for (const v of ['-1', '1441', '2.5', 'often']) {
    assert.throws(() => loadConfig({ env: { RUSTCHAT_DATABASE_VACUUM_INTERVAL_MINUTES: v }, warn: quiet }), (e: any) => e instanceof ConfigError && e.key === 'database.vacuum_interval_minutes', v);
  }
});

test('smtp.outbox_retention_days: 7 by default, 0 keeps everything, at most ten years, whole days', () => {
  assert.is(loadConfig({ env: {}, warn: quiet }).smtp.outbox_retention_days, 7);
  assert.is(loadConfig({ env: { RUSTCHAT_SMTP_OUTBOX_RETENTION_DAYS: '0' }, warn: quiet }).smtp.outbox_retention_days, 0);
  assert.is(loadConfig({ file: file('outbox.toml', '[smtp]\noutbox_retention_days = 3650\n'), env: {}, warn: quiet }).smtp.outbox_retention_days, 3650);
  for (const v of ['-1', '3651', '1.5', 'forever']) {
    assert.throws(() => loadConfig({ env: { RUSTCHAT_SMTP_OUTBOX_RETENTION_DAYS: v }, warn: quiet }), (e: any) => e instanceof ConfigError && e.key === 'smtp.outbox_retention_days', v);
  }
});

test('authentication and SSO keys: env names, defaults, and the rules across keys', () => {
  const d = loadConfig({ env: {}, warn: quiet });
  assert.is(d.auth.mfa, 'optional');
  assert.is(d.oidc.issuer, '');
  assert.is(d.oidc.link_by_email, 'verified');
  const c = loadConfig({ env: { RUSTCHAT_OIDC_ISSUER: 'https://id.example.com/realms/main', RUSTCHAT_OIDC_CLIENT_ID: 'rc', RUSTCHAT_OIDC_CLIENT_SECRET: 's3cret', RUSTCHAT_MFA: 'required' }, warn: quiet });
  assert.is(c.oidc.issuer, 'https://id.example.com/realms/main');
  assert.is(c.oidc.client_secret, 's3cret');
  assert.is(redacted(c).oidc.client_secret, '(redacted)');
  assert.is(c.auth.mfa, 'required');
  const bad = (env: Record<string, string>, key: string) => assert.throws(() => loadConfig({ env, warn: quiet }), (e: any) => e instanceof ConfigError && e.key === key, `${JSON.stringify(env)} -> ${key}`);
  bad({ RUSTCHAT_OIDC_ISSUER: 'http://id.example.com' }, 'oidc.issuer'); // plain http off the loopback
  bad({ RUSTCHAT_OIDC_ISSUER: 'not a url' }, 'oidc.issuer');
  bad({ RUSTCHAT_OIDC_ISSUER: 'https://id.example.com' }, 'oidc.client_id');
  bad({ RUSTCHAT_OIDC_ISSUER: 'https://id.example.com', RUSTCHAT_OIDC_CLIENT_ID: 'x', RUSTCHAT_OIDC_SCOPES: 'email profile' }, 'oidc.scopes');
  bad({ RUSTCHAT_OIDC_ISSUER: 'https://id.example.com', RUSTCHAT_OIDC_CLIENT_ID: 'x', RUSTCHAT_OIDC_MOBILE_SCHEMES: 'https://' }, 'oidc.mobile_schemes');
  bad({ RUSTCHAT_SESSION_IDLE_TIMEOUT_MINUTES: '2' }, 'auth.session_idle_timeout_minutes');
  bad({ RUSTCHAT_SIGNUP_EMAIL_DOMAINS: 'example.com, @bad' }, 'auth.signup_email_domains');
  bad({ RUSTCHAT_MFA: 'always' }, 'auth.mfa');
  bad({ RUSTCHAT_PASSWORD_MIN_LENGTH: '6' }, 'auth.password_min_length');
  // A provider on the loopback interface may use plain http (tests, a provider on the same host).
  assert.is(loadConfig({ env: { RUSTCHAT_OIDC_ISSUER: 'http://127.0.0.1:9000', RUSTCHAT_OIDC_CLIENT_ID: 'x' }, warn: quiet }).oidc.issuer, 'http://127.0.0.1:9000');
});

test('push keys: proxy URL checked, contents one of Mattermost\'s modes', () => {
  const d = loadConfig({ env: {}, warn: quiet });
  assert.is(d.push.proxy_url, '');
  assert.is(d.push.contents, 'full');
  const c = loadConfig({ env: { RUSTCHAT_PUSH_PROXY_URL: 'https://push.example.com/', RUSTCHAT_PUSH_CONTENTS: 'id_loaded' }, warn: quiet });
  assert.is(c.push.proxy_url, 'https://push.example.com/');
  assert.is(c.push.contents, 'id_loaded');
  assert.is(loadConfig({ env: { RUSTCHAT_PUSH_PROXY_URL: 'http://10.0.0.5:8066' }, warn: quiet }).push.proxy_url, 'http://10.0.0.5:8066', 'an internal proxy is fine');
  for (const bad of ['push.example.com', 'ftp://push.example.com', 'https://user:pw@push.example.com', 'https://push.example.com/?x=1']) {
    assert.throws(() => loadConfig({ env: { RUSTCHAT_PUSH_PROXY_URL: bad }, warn: quiet }), (e: any) => e instanceof ConfigError && e.key === 'push.proxy_url', bad);
  }
  assert.throws(() => loadConfig({ env: { RUSTCHAT_PUSH_CONTENTS: 'everything' }, warn: quiet }), (e: any) => e instanceof ConfigError && e.key === 'push.contents');
});

test('a bad secret is named without printing its value', () => {
  try {
    loadConfig({ env: { RUSTCHAT_JWT_SECRET: 'short-secret-value' }, warn: quiet });
    assert.unreachable('should throw');
  } catch (e) {
    assert.is((e as ConfigError).key, 'auth.jwt_secret');
    assert.not.match((e as Error).message, 'short-secret-value');
  }
  try {
    loadConfig({ file: file('secret-type.toml', '[smtp]\npassword = 12345678\n'), env: {}, warn: quiet });
    assert.unreachable('should throw');
  } catch (e) {
    assert.is((e as ConfigError).key, 'smtp.password');
    assert.not.match((e as Error).message, '12345678');
  }
});

test('unknown keys and RUSTCHAT_* variables warn, naming them, and are ignored', () => {
  const warnings: string[] = [];
  const cfg = loadConfig({
    file: file('unknown.toml', '[server]\nprot = 1\n[nosuch]\nkey = 1\n'),
    env: { RUSTCHAT_PORTT: '1', RUSTCHAT_TEST_DATABASE_URL: 'postgres://x' },
    warn: (m) => warnings.push(m),
  });
  assert.is(cfg.server.port, 8080);
  assert.ok(warnings.some((w) => w.includes('server.prot')), warnings.join('\n'));
  assert.ok(warnings.some((w) => w.includes('nosuch.key')), warnings.join('\n'));
  assert.ok(warnings.some((w) => w.includes('RUSTCHAT_PORTT')), warnings.join('\n'));
  assert.is(warnings.length, 3, 'RUSTCHAT_TEST_* is not a configuration key and does not warn');
});

test('redacted() hides every secret', () => {
  const env = Object.fromEntries(KEYS.filter((k) => k.secret).map((k) => [k.env, secretFor(k.env)]));
  const cfg = loadConfig({ env, warn: quiet });
  const text = JSON.stringify(redacted(cfg));
  for (const k of KEYS.filter((k) => k.secret)) assert.not.match(text, secretFor(k.env));
  assert.is(redacted(cfg).auth.jwt_secret, '(redacted)');
  assert.is(redacted(loadConfig({ env: {}, warn: quiet })).auth.jwt_secret, '(unset)');
});

/** A value that is valid for the key and unmistakable in output. */
function secretFor(env: string): string {
  if (env === 'RUSTCHAT_DATABASE_URL') return 'postgres://rc:DbPassw0rdXYZ@db.internal:5432/rc';
  if (env === 'RUSTCHAT_REDIS_URL') return 'redis://:RedisPassw0rdXYZ@cache.internal:6379';
  return `${env}-SECRETVALUE-0123456789abcdefghijklmnop`;
}

test('`config check` prints the effective configuration with secrets redacted (text and --json), exit 0', async () => {
  const toml = file('check.toml', '[smtp]\npassword = "FileSmtpPassw0rdXYZ"\n[server]\nport = 4444\n');
  const env = Object.fromEntries(KEYS.filter((k) => k.secret && k.env !== 'RUSTCHAT_SMTP_PASSWORD').map((k) => [k.env, secretFor(k.env)]));
  const [text, json] = await Promise.all([
    runCli(['config', 'check', '--config', toml, '--data-dir', dir], { env }),
    runCli(['config', 'check', '--json', '--config', toml, '--data-dir', dir], { env }),
  ]);
  for (const r of [text, json]) {
    assert.is(r.code, 0, r.stderr);
    const all = r.stdout + r.stderr;
    for (const v of [...Object.values(env), 'FileSmtpPassw0rdXYZ', 'DbPassw0rdXYZ', 'RedisPassw0rdXYZ']) assert.not.match(all, v);
  }
  assert.match(text.stdout, 'port = 4444');
  assert.match(text.stdout, 'configuration OK');
  const parsed = JSON.parse(json.stdout);
  assert.is(parsed.server.port, 4444);
  assert.is(parsed.smtp.password, '(redacted)');
  assert.is(parsed.database.url, '(redacted)');
  assert.is(parsed.server.data_dir, dir);
});

test('precedence through the command line: file < RUSTCHAT_* < --data-dir', async () => {
  const toml = file('cli-prec.toml', '[server]\ndata_dir = "/from/file"\nport = 1111\nhost = "10.1.1.1"\n');
  const r = await runCli(['config', 'check', '--json', '--config', toml, '--data-dir', '/from/flag'], { env: { RUSTCHAT_DATA_DIR: '/from/env', RUSTCHAT_PORT: '2222' } });
  assert.is(r.code, 0, r.stderr);
  const cfg = JSON.parse(r.stdout);
  assert.equal([cfg.server.data_dir, cfg.server.port, cfg.server.host], ['/from/flag', 2222, '10.1.1.1']);
  const viaEnvFile = await runCli(['config', 'check', '--json'], { env: { RUSTCHAT_CONFIG: toml, RUSTCHAT_DATA_DIR: '/from/env' } });
  assert.is(JSON.parse(viaEnvFile.stdout).server.data_dir, '/from/env');
});

test('`config check` exits 2 naming the bad key, and warns about unknown keys', async () => {
  const [badFile, badEnv, unknown] = await Promise.all([
    runCli(['config', 'check', '--config', file('cli-bad.toml', '[database]\npool_size = "many"\n')]),
    runCli(['config', 'check', '--json'], { env: { RUSTCHAT_PORT: 'http' } }),
    runCli(['config', 'check', '--config', file('cli-unknown.toml', '[server]\nhots = "x"\n')]),
  ]);
  assert.is(badFile.code, 2);
  assert.match(badFile.stderr, 'database.pool_size');
  assert.is(badEnv.code, 2);
  assert.match(badEnv.stderr, 'server.port');
  assert.match(badEnv.stderr, 'RUSTCHAT_PORT');
  assert.is(unknown.code, 0, unknown.stderr);
  assert.match(unknown.stderr, 'server.hots');
});

test('`config check` refuses what `serve` refuses: PostgreSQL without a JWT secret exits 2 naming the key', async () => {
  const env = { RUSTCHAT_DATABASE_URL: 'postgres://rc:pw@127.0.0.1:1/rc', RUSTCHAT_DATA_DIR: dir };
  const [check, withSecret] = await Promise.all([
    runCli(['config', 'check'], { env }),
    runCli(['config', 'check', '--json'], { env: { ...env, RUSTCHAT_JWT_SECRET: 'y'.repeat(40) } }),
  ]);
  assert.is(check.code, 2, check.stdout + check.stderr);
  assert.match(check.stderr, 'auth.jwt_secret');
  assert.not.match(check.stdout, 'configuration OK');
  assert.is(withSecret.code, 0, withSecret.stderr);
});

test('rustchat.example.toml lists every key with a comment and its default, and nothing else', () => {
  const text = readFileSync(EXAMPLE_PATH, 'utf8');
  assert.is(text, exampleToml(), 'rustchat.example.toml is out of date: run `node --import tsx scripts/config-docs.ts`');
  const doc = parseToml(text) as Record<string, Record<string, unknown>>;
  const inFile = Object.entries(doc).flatMap(([s, body]) => Object.keys(body).map((k) => `${s}.${k}`));
  assert.equal(inFile.sort(), KEYS.map((k) => k.path).sort());
  for (const k of KEYS) {
    const [s, key] = k.path.split('.');
    assert.is(doc[s][key], k.def, `${k.path} default`);
    // The line before the assignment's env note is the comment describing the key.
    const lines = text.split('\n');
    const at = lines.findIndex((l, i) => l.startsWith(`${key} = `) && lines.slice(0, i).reverse().find((x) => x.startsWith('['))?.slice(1, -1) === s);
    assert.ok(at > 1 && lines[at - 1].startsWith('#') && lines[at - 2].startsWith('#'), `${k.path} has a comment`);
    assert.match(lines[at - 1], k.env);
  }
  // Loading the example gives exactly the defaults, warns about nothing.
  const warnings: string[] = [];
  assert.equal(loadConfig({ file: EXAMPLE_PATH, env: {}, warn: (m) => warnings.push(m) }), loadConfig({ env: {}, warn: quiet }));
  assert.equal(warnings, []);
});

test("README.md's configuration table is generated from KEYS", () => {
  const readme = readFileSync(README_PATH, 'utf8');
  assert.is(readme, readmeWithTable(readme), 'README configuration table is out of date: run `node --import tsx scripts/config-docs.ts`');
  for (const name of ['RUSTCHAT_DATABASE_URL', 'RUSTCHAT_REDIS_URL', 'RUSTCHAT_S3_ENDPOINT', 'RUSTCHAT_S3_BUCKET', 'RUSTCHAT_JWT_SECRET', 'RUSTCHAT_SMTP_HOST']) {
    assert.ok(KEYS.some((k) => k.env === name), `${name} keeps its admin-guide name`);
    assert.match(readme, name);
  }
});

test('embedded mode generates a JWT secret once, mode 0600; PostgreSQL mode requires one', () => {
  const dataDir = join(dir, 'data');
  const cfg = loadConfig({ env: {}, flags: { 'server.data_dir': dataDir }, warn: quiet });
  const first = resolveJwtSecret(cfg);
  assert.ok(first.length >= 32);
  assert.is(resolveJwtSecret(cfg), first, 'kept across restarts');
  assert.is(statSync(join(dataDir, 'jwt-secret')).mode & 0o777, 0o600);
  const pg = loadConfig({ env: { RUSTCHAT_DATABASE_URL: 'postgres://localhost/x' }, warn: quiet });
  assert.throws(() => resolveJwtSecret(pg), (e: any) => e instanceof ConfigError && e.key === 'auth.jwt_secret');
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
