/**
 * The container files: Dockerfile lint (dockerfile-utils, the validator behind VS Code's
 * Dockerfile support, for syntax and instruction errors, plus the hadolint-style rules below on
 * dockerfile-ast's parse; hadolint itself is not packaged for npm or Debian), what the executable
 * needs from the image (ldd), and docker-compose.yml validated by Debian's docker-compose
 * (`docker-compose config` with .env.example), then read back for what it promises.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { validate, ValidationSeverity } from 'dockerfile-utils';
import { parse } from 'yaml';

const root = new URL('..', import.meta.url).pathname;
const dockerfileText = readFileSync(join(root, 'Dockerfile'), 'utf8');
const dockerfile = DockerfileParser.parse(dockerfileText);
const hasCompose = spawnSync('docker-compose', ['version']).status === 0;

/** The instructions of one build stage (FROM … AS name up to the next FROM). */
function stage(name: string): Instruction[] {
  const froms = dockerfile.getFROMs();
  const i = froms.findIndex((f) => f.getBuildStage() === name);
  assert.ok(i >= 0, `stage ${name}`);
  const start = froms[i].getRange().start.line;
  const end = froms[i + 1]?.getRange().start.line ?? Infinity;
  return dockerfile.getInstructions().filter((ins) => ins.getRange().start.line >= start && ins.getRange().start.line < end);
}
const args = (ins: Instruction) => ins.getArgumentsContent() ?? '';
/** The whole instruction with its flags (--from, --chmod), which getArgumentsContent leaves out. */
const text = (ins: Instruction) => ins.getTextContent();

test('Dockerfile: no syntax or instruction problems (dockerfile-utils)', () => {
  const problems = validate(dockerfileText).filter((d) => d.severity === ValidationSeverity.ERROR || d.severity === ValidationSeverity.WARNING);
  assert.equal(problems.map((d) => `line ${d.range.start.line + 1}: ${d.message}`), []);
  // The validator does catch such problems:
  assert.ok(validate('FROM debian:bookworm-slim\nRUNN x\nEXPOSE port\n').length >= 2);
});

test('Dockerfile: hadolint-style rules', () => {
  const all = dockerfile.getInstructions();
  for (const f of dockerfile.getFROMs()) {
    const image = f.getImageName() ?? '';
    const stageNames = dockerfile.getFROMs().map((x) => x.getBuildStage());
    if (stageNames.includes(image) || image.startsWith('$')) continue;
    assert.ok(f.getImageTag() && f.getImageTag() !== 'latest', `DL3006/DL3007: ${image} has a pinned tag`);
  }
  const build = dockerfile.getARGs().find((a) => a.getProperty()?.getName() === 'BUILD_IMAGE');
  assert.match(build?.getProperty()?.getValue() ?? '', /^node:\d+-bookworm$/, 'the build image is a tagged Node release');
  assert.not.ok(all.some((i) => i.getKeyword() === 'ADD'), 'DL3020: COPY, not ADD');
  assert.not.ok(all.some((i) => i.getKeyword() === 'MAINTAINER'), 'DL4000');
  for (const i of all.filter((x) => ['CMD', 'ENTRYPOINT', 'HEALTHCHECK'].includes(x.getKeyword()))) {
    const json = args(i).replace(/^(--\S+\s+)*(CMD\s+)?/, '');
    assert.ok(json.startsWith('['), `DL3025: ${i.getKeyword()} in exec (JSON) form: ${args(i)}`);
  }
  for (const run of all.filter((x) => x.getKeyword() === 'RUN')) {
    const t = args(run);
    if (/apt-get install/.test(t)) assert.match(t, /--no-install-recommends/, 'DL3015');
    assert.not.match(t, /\bsudo\b/, 'DL3004');
    assert.not.match(t, /^\s*cd\s/, 'DL3003: WORKDIR, not cd');
  }
  const stages = dockerfile.getFROMs().map((f) => f.getBuildStage());
  const withFrom = all.filter((x) => x.getKeyword() === 'COPY' && /--from=/.test(text(x)));
  assert.is(withFrom.length, 1, 'the runtime stage copies from the build stage');
  for (const c of all.filter((x) => x.getKeyword() === 'COPY')) {
    const from = /--from=(\S+)/.exec(text(c))?.[1];
    if (from) assert.ok(stages.includes(from), `DL3022: COPY --from=${from} names a stage`);
  }
  // Both final images: the executable as a non-root user, the data volume, the health check.
  const base = stage('base');
  const kw = (k: string) => base.filter((i) => i.getKeyword() === k).map(args);
  assert.equal(kw('USER'), ['10001:10001'], 'DL3002: not root');
  assert.equal(kw('EXPOSE'), ['8080']);
  assert.equal(kw('VOLUME'), ['["/var/lib/rustchat"]']);
  assert.equal(kw('ENTRYPOINT'), ['["rustchat"]']);
  assert.equal(kw('CMD'), ['["serve"]']);
  assert.match(kw('HEALTHCHECK')[0], /CMD \["rustchat", "health"\]$/);
  for (const s of ['prebuilt', 'runtime']) {
    const copies = stage(s).filter((i) => i.getKeyword() === 'COPY').map(text);
    assert.ok(copies.some((c) => c.includes('--chmod=0755') && c.endsWith('/usr/local/bin/rustchat')), `${s}: the executable at /usr/local/bin/rustchat`);
  }
  assert.match(args(stage('build').find((i) => i.getKeyword() === 'RUN' && args(i).includes('npm run build'))!), /npm run build/);
  assert.ok(stage('build').some((i) => i.getKeyword() === 'RUN' && args(i) === 'npm ci --no-audit --no-fund'));
});

test('.dockerignore: the build context holds what `npm ci && npm run build` reads, not node_modules or .git', () => {
  const lines = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
  assert.is(lines[0], '*', 'an allow-list');
  for (const p of ['package.json', 'package-lock.json', 'tsconfig.json', 'build.mjs', 'src/', 'web/', 'scripts/', 'dist/rustchat']) assert.ok(lines.includes(`!${p}`), p);
  assert.not.ok(lines.some((l) => /^!(node_modules|\.git|data)/.test(l)));
});

test('the executable needs glibc, libstdc++ and libgcc_s only (all in debian:bookworm-slim)', () => {
  const bin = join(root, 'dist', 'rustchat');
  if (!existsSync(bin)) {
    if (process.env.CI) throw new Error('dist/rustchat is missing');
    return console.log('[skip] dist/rustchat is not built');
  }
  const out = spawnSync('ldd', [bin], { encoding: 'utf8' }).stdout;
  const libs = [...out.matchAll(/^\s*(\S+\.so[.\d]*)/gm)].map((m) => m[1].replace(/^.*\//, '')).filter((l) => !l.startsWith('linux-vdso'));
  const allowed = /^(libc|libm|libdl|libpthread|librt|ld-linux-x86-64|libstdc\+\+|libgcc_s)\.so/;
  assert.ok(libs.length >= 3, out);
  assert.equal(libs.filter((l) => !allowed.test(l)), [], `unexpected libraries:\n${out}`);
});

const compose = (extra: string[], env: Record<string, string> = {}) =>
  spawnSync('docker-compose', ['--project-directory', root, '-f', join(root, 'docker-compose.yml'), ...extra], { encoding: 'utf8', cwd: root, env: { PATH: process.env.PATH!, ...env } });

const composeTest = (name: string, fn: () => void) =>
  test(name, () => {
    if (!hasCompose) {
      if (process.env.CI) throw new Error('docker-compose is not installed (.ci/run installs it)');
      return console.log(`[skip] ${name}: docker-compose is not installed (apt-get install docker-compose)`);
    }
    fn();
  });

composeTest('docker-compose config accepts docker-compose.yml with .env.example', () => {
  const r = compose(['--env-file', join(root, '.env.example'), 'config']);
  assert.is(r.status, 0, r.stderr);
  const cfg = parse(r.stdout);
  assert.equal(Object.keys(cfg.services).sort(), ['minio', 'nginx', 'postgres', 'redis', 'rustchat']);
  for (const [name, s] of Object.entries<any>(cfg.services)) if (name !== 'nginx') assert.ok(s.healthcheck?.test, `${name} has a healthcheck`);
  const app = cfg.services.rustchat;
  assert.equal(app.depends_on, { minio: { condition: 'service_healthy' }, postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
  assert.equal(app.healthcheck.test, ['CMD', 'rustchat', 'health', '--ready']);
  assert.equal(Object.keys(cfg.volumes).sort(), ['minio-data', 'postgres-data', 'rustchat-data']);
  assert.is(app.build.target, 'runtime');
  // Secrets come from .env, the same values in every service that needs them.
  const env = Object.fromEntries(readFileSync(join(root, '.env.example'), 'utf8').split('\n').filter((l) => /^[A-Z_]+=/.test(l)).map((l) => l.split(/=(.*)/s).slice(0, 2)));
  assert.is(app.environment.RUSTCHAT_JWT_SECRET, env.RUSTCHAT_JWT_SECRET);
  assert.is(app.environment.RUSTCHAT_DATABASE_URL, `postgres://rustchat:${env.POSTGRES_PASSWORD}@postgres:5432/rustchat`);
  assert.is(cfg.services.postgres.environment.POSTGRES_PASSWORD, env.POSTGRES_PASSWORD);
  assert.is(app.environment.RUSTCHAT_S3_SECRET_KEY, cfg.services.minio.environment.MINIO_ROOT_PASSWORD);
  assert.equal(app.ports, [{ host_ip: '127.0.0.1', published: 8080, target: 8080, protocol: 'tcp' }].map((p) => `${p.host_ip}:${p.published}:${p.target}/${p.protocol}`), 'the app port on loopback only');
  assert.equal(cfg.services.nginx.profiles, ['nginx']);
  // Client addresses: the servers trust exactly the bundled nginx, at its fixed address.
  const nginxAddress = cfg.services.nginx.networks.default.ipv4_address;
  assert.is(nginxAddress, env.NGINX_ADDRESS);
  assert.is(app.environment.RUSTCHAT_TRUSTED_PROXIES, nginxAddress);
  assert.is(cfg.networks.default.ipam.config[0].subnet, env.COMPOSE_SUBNET);
  assert.is(app.environment.RUSTCHAT_TRUST_PROXY, undefined, 'loopback means nothing inside a container');
  assert.ok(cfg.services.nginx.volumes.some((v: string) => v.startsWith(`${join(root, 'deploy/nginx/rustchat.conf')}:`)));
});

composeTest('docker-compose refuses to start without the secrets, naming them', () => {
  const r = compose(['config'], {});
  assert.is.not(r.status, 0);
  assert.match(r.stderr, /set (POSTGRES_PASSWORD|RUSTCHAT_JWT_SECRET|MINIO_ROOT_USER|MINIO_ROOT_PASSWORD) in \.env/);
  assert.not.match(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), /change-me-/, 'no secret written into the compose file');
});

test("the compose nginx's edits of deploy/nginx/rustchat.conf each apply", () => {
  const yml = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'));
  const script = yml.services.nginx.command[2] as string;
  const conf = readFileSync(join(root, 'deploy/nginx/rustchat.conf'), 'utf8');
  assert.match(script, "s/server 127.0.0.1:8080/server rustchat:8080/");
  assert.is(conf.match(/server 127\.0\.0\.1:8080/g)?.length, 1, 'the upstream line the sed rewrites');
  assert.ok((conf.match(/chat\.example\.com/g)?.length ?? 0) >= 2, 'server names to replace');
  assert.is(conf.match(/^\s*ssl_certificate(_key)?\s+\/etc\/letsencrypt\/live\/[^/]*\//gm)?.length, 2, 'certificate paths to replace');
});

test.run();
