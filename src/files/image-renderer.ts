/**
 * Runs image-codec.ts in a worker thread, one image at a time, so that decoding never blocks the
 * event loop and the WebAssembly memory a large photo needs (a few hundred MB for 12 MP) is
 * returned to the system when the queue is empty: the worker ends then, and the next image
 * starts a new one (~50 ms).
 *
 * Inside the single executable the worker's code and the codecs' wasm come from SEA assets
 * (sea-entry.ts registers them; `new Worker(file)` cannot load a file from inside the
 * executable); in development the worker imports src/files/image-worker.ts through tsx and the
 * wasm is read from node_modules.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { CODEC_WASM, type CodecWasm, type Renditions, type SourceType } from './image-types.ts';

export interface ImageCodecAssets {
  /** The worker's code, run with `eval` (a file cannot be loaded from inside the executable). */
  worker: { code: string };
  /** The codecs' wasm, by CODEC_WASM name. */
  wasm: Record<keyof typeof CODEC_WASM, Uint8Array<ArrayBuffer>>;
}

let assetsProvider: () => ImageCodecAssets = () => {
  const require = createRequire(import.meta.url);
  const wasm = Object.fromEntries(Object.entries(CODEC_WASM).map(([name, path]) => [name, readFileSync(require.resolve(path))]));
  // Loaded through tsx's require hook: a worker does not inherit the --import of its parent.
  const tsx = require.resolve('tsx/cjs/api');
  const file = require.resolve('./image-worker.ts');
  const code = `require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(file)});`;
  return { worker: { code }, wasm: wasm as unknown as ImageCodecAssets['wasm'] };
};

/** The single-executable entry point registers the embedded worker and wasm here. */
export function setImageCodecAssetsProvider(p: () => ImageCodecAssets): void {
  assetsProvider = p;
}

/** An image is rendered at most this long; then its worker is ended and the image has no preview. */
export const RENDER_TIMEOUT_MS = 60_000;
/** Images waiting at most; more are not rendered now (they get previews when first asked for). */
export const MAX_QUEUED = 32;

export class RenderQueueFull extends Error {
  constructor() {
    super('too many images waiting for previews');
    this.name = 'RenderQueueFull';
  }
}

interface Job {
  bytes: Uint8Array;
  type: SourceType;
  resolve(r: Renditions): void;
  reject(e: Error): void;
}

export class ImageRenderer {
  private compiled?: { worker: ImageCodecAssets['worker']; wasm: CodecWasm };
  private worker?: Worker;
  private queue: Job[] = [];
  private running?: Job;
  private timer?: NodeJS.Timeout;
  private closed = false;
  /** Images rendered and failed since start (metrics, tests). */
  readonly stats = { rendered: 0, failed: 0, workers: 0 };

  /** Renders one image in the worker; rejects on undecodable input, a timeout, or a full queue. */
  render(bytes: Uint8Array, type: SourceType): Promise<Renditions> {
    if (this.closed) return Promise.reject(new Error('image renderer closed'));
    if (this.queue.length >= MAX_QUEUED) return Promise.reject(new RenderQueueFull());
    return new Promise((resolve, reject) => {
      this.queue.push({ bytes, type, resolve, reject });
      this.next();
    });
  }

  private assets() {
    if (!this.compiled) {
      const a = assetsProvider();
      const wasm = Object.fromEntries(Object.entries(a.wasm).map(([name, bytes]) => [name, new WebAssembly.Module(bytes)])) as CodecWasm;
      this.compiled = { worker: a.worker, wasm };
    }
    return this.compiled;
  }

  private next(): void {
    if (this.running || this.closed) return;
    const job = this.queue.shift();
    if (!job) {
      this.stop();
      return;
    }
    this.running = job;
    let w: Worker;
    try {
      w = this.worker ?? this.start();
    } catch (e) {
      this.finish(e as Error);
      return;
    }
    this.timer = setTimeout(() => {
      this.stop();
      this.finish(new Error(`rendering took longer than ${RENDER_TIMEOUT_MS / 1000} s`));
    }, RENDER_TIMEOUT_MS);
    this.timer.unref();
    // A copy: the caller keeps its buffer, the worker gets its own to detach.
    const bytes = new Uint8Array(job.bytes);
    w.postMessage({ bytes, type: job.type }, [bytes.buffer]);
  }

  private start(): Worker {
    const { worker, wasm } = this.assets();
    const opts = { workerData: { wasm }, resourceLimits: { maxOldGenerationSizeMb: 256 } };
    const w = new Worker(worker.code, { ...opts, eval: true });
    this.stats.workers++;
    w.unref();
    w.on('message', (m: { ok: true; result: Renditions } | { ok: false; error: string }) => {
      if (this.worker !== w) return; // a worker ended for a timeout answering late
      if (m.ok) this.finish(null, m.result);
      else this.finish(new Error(m.error));
    });
    w.on('error', (e) => {
      if (this.worker === w) this.worker = undefined;
      this.finish(e);
    });
    w.on('exit', (code) => {
      if (this.worker !== w) return;
      this.worker = undefined;
      this.finish(new Error(`image worker exited (${code})`));
    });
    this.worker = w;
    return w;
  }

  private finish(err: Error | null, result?: Renditions): void {
    const job = this.running;
    if (!job) return;
    this.running = undefined;
    clearTimeout(this.timer);
    if (err) {
      this.stats.failed++;
      job.reject(err);
    } else {
      this.stats.rendered++;
      job.resolve(result!);
    }
    this.next();
  }

  /** Ends the worker (its memory goes with it). */
  private stop(): void {
    const w = this.worker;
    this.worker = undefined;
    if (w) void w.terminate();
  }

  close(): void {
    this.closed = true;
    this.stop();
    const err = new Error('image renderer closed');
    if (this.running) this.finish(err);
    for (const j of this.queue.splice(0)) j.reject(err);
  }
}
