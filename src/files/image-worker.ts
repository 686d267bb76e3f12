/**
 * The image worker thread (image-renderer.ts starts it): renders one image per message with
 * image-codec.ts and answers with the renditions, or with the error.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initCodecs, renderImage, type CodecWasm, type SourceType } from './image-codec.ts';

const port = parentPort!;
const ready = initCodecs((workerData as { wasm: CodecWasm }).wasm);

port.on('message', async (job: { bytes: Uint8Array; type: SourceType }) => {
  try {
    await ready;
    const result = await renderImage(job.bytes, job.type);
    port.postMessage({ ok: true, result }, [result.preview.bytes.buffer as ArrayBuffer, result.thumbnail.bytes.buffer as ArrayBuffer]);
  } catch (e) {
    port.postMessage({ ok: false, error: String((e as Error)?.message ?? e) });
  }
});
