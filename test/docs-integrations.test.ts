/**
 * docs/integrations.md promises that its examples work on a fresh server when run in order in one
 * shell. This runs every ```sh block of the page (except those marked `<!-- docs-test: skip -->`)
 * with bash, curl and jq against a fresh `serve` process, with `localhost:8080` pointed at it and
 * curl failing on any HTTP error, then checks through the API what the examples made.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { execFileSync, spawn } from 'node:child_process';
import { spawnServer, tempDir, type ServerProcess } from './process.ts';

const DOC = new URL('../docs/integrations.md', import.meta.url).pathname;

/** The page's runnable shell blocks, in order. */
export function shellBlocks(markdown: string): string[] {
  const out: string[] = [];
  const re = /(<!-- docs-test: skip[^>]*-->\s*\n)?```sh\n([\s\S]*?)```/g;
  for (const m of markdown.matchAll(re)) if (!m[1]) out.push(m[2]);
  return out;
}

const have = (cmd: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

let server: ServerProcess | undefined;
test.after(async () => {
  await server?.stop();
});

test('the page has the blocks this test expects', () => {
  const blocks = shellBlocks(readFileSync(DOC, 'utf8'));
  assert.ok(blocks.length >= 6, `${blocks.length} blocks`);
  assert.ok(blocks.every((b) => !b.includes('rustchat bot')), 'the command-line block is skipped');
});

test('every sh block runs against a fresh server, and did what it says', async () => {
  if (!have('curl') || !have('jq')) {
    if (/^(1|true)$/i.test(process.env.CI ?? '')) throw new Error('docs/integrations.md examples need curl and jq (CI is set: they must run here, not skip)');
    console.log('[skip] docs/integrations.md examples: curl and jq are needed');
    return;
  }
  server = await spawnServer({ dataDir: tempDir('rustchat-docs-'), env: { RUSTCHAT_JWT_SECRET: 'd'.repeat(48) }, timeoutMs: 120_000 });
  // The first account, as the page assumes.
  const reg = await fetch(`${server.url}/api/v1/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', email: 'admin@example.com', password: 'a long password' }) });
  assert.is(reg.status, 201, await reg.text());

  const host = new URL(server.url).host;
  const body = shellBlocks(readFileSync(DOC, 'utf8')).join('\n').replaceAll('localhost:8080', host);
  const script = [
    'set -euo pipefail',
    // An HTTP error anywhere fails the run, with the answer in the output; except where an
    // example prints the status itself (-w '%{http_code}'), which is then checked below.
    'curl() { case " $* " in *" -w "*) command curl "$@" ;; *) command curl --fail-with-body "$@" ;; esac; }',
    body,
    'echo',
    'echo "::vars TEAM=$TEAM CHANNEL=$CHANNEL HOOK=$HOOK BOT=$BOT SESSION=$SESSION"',
  ].join('\n');
  const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const p = spawn('bash', ['-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  assert.is(run.code, 0, `the examples failed:\n${run.stderr}\n--- output:\n${run.stdout}`);
  const vars = Object.fromEntries(run.stdout.match(/::vars (.*)/)![1].split(' ').map((kv) => kv.split('=') as [string, string]));
  for (const k of ['TEAM', 'CHANNEL', 'HOOK', 'BOT', 'SESSION']) assert.match(vars[k], /\S{20,}/, k);

  // Personal access tokens: both APIs answered as the admin, and the revoked one is refused.
  assert.match(run.stdout, /"admin"\n"admin"\n/);
  assert.match(run.stdout, /\n401\n/);

  const api = async (path: string) => {
    const r = await fetch(server!.url + path, { headers: { authorization: `Bearer ${vars.SESSION}` } });
    assert.is(r.status, 200, path);
    return (await r.json()) as any;
  };
  const posts: any[] = (await api(`/api/v1/channels/${vars.CHANNEL}/posts?limit=50`)).items;
  const byHook = posts.filter((p) => p.props?.from_webhook === 'true');
  assert.is(byHook.length, 3, 'the three incoming-hook examples posted');
  assert.ok(byHook.some((p) => p.message === 'Build **#42** passed'));
  assert.ok(byHook.some((p) => p.message.includes('[v1.2](https://example.com)')), "Slack's link syntax converted");
  const alert = byHook.find((p) => p.type === 'slack_attachment');
  assert.is(alert.props.attachments[0].title, 'HighLatency firing');
  assert.is(alert.props.attachments[0].fields[0].value, 'critical');
  const botPost = posts.find((p) => p.message === 'Build 42 passed');
  assert.is(botPost.user_id, vars.BOT);
  assert.is(botPost.props.from_bot, 'true');

  // /echo answered the caller only: in the output, not in the channel.
  assert.match(run.stdout, /hello/);
  assert.not.ok(posts.some((p) => p.message === 'hello'));
  // The outgoing hook and the custom command exist, with their tokens.
  const out = await api(`/api/v1/hooks/outgoing?team_id=${vars.TEAM}`);
  assert.equal(out.items.map((h: any) => h.trigger_words), [['deploy']]);
  const cmds = await api(`/api/v1/commands?team_id=${vars.TEAM}`);
  assert.ok(cmds.items.some((c: any) => c.trigger === 'weather' && c.auto_complete_hint === '[city]'));
  assert.ok((await api('/api/v1/bots')).items.some((b: any) => b.username === 'buildbot'));
});

test.run();
