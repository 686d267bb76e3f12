/**
 * Shrinks RGBA pixels by area averaging (each output pixel is the coverage-weighted mean of the
 * source pixels under it — the box filter done exactly, no aliasing), with premultiplied alpha so
 * transparent pixels do not darken their neighbours. Plain JavaScript, one source row at a time:
 * besides the output it needs two rows of floats, not a second copy of a 48 MB photo (the
 * resize codec's wasm needed one plus its own memory, ~100 MB more at 12 megapixels).
 */
export interface Rgba {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

/** For each output index along one axis: the source span [start, end) it covers, in source units. */
function spans(src: number, dst: number): Float64Array {
  const scale = src / dst;
  const out = new Float64Array(dst + 1);
  for (let i = 0; i <= dst; i++) out[i] = Math.min(src, i * scale);
  return out;
}

export function downscale(img: Rgba, width: number, height: number): Rgba {
  const { data: src, width: sw, height: sh } = img;
  if (width > sw || height > sh || width < 1 || height < 1) throw new RangeError(`downscale: ${sw}×${sh} to ${width}×${height}`);
  if (width === sw && height === sh) return img;
  const xs = spans(sw, width);
  const ys = spans(sh, height);
  const area = (sw / width) * (sh / height);
  const out = new Uint8ClampedArray(width * height * 4);
  const row = new Float64Array(width * 4); // one source row, resampled horizontally, premultiplied
  const acc = new Float64Array(width * 4); // the output row being accumulated
  let oy = 0;
  for (let sy = 0; sy < sh && oy < height; sy++) {
    // Horizontal pass over source row sy.
    row.fill(0);
    const base = sy * sw * 4;
    for (let ox = 0; ox < width; ox++) {
      const x0 = xs[ox]!;
      const x1 = xs[ox + 1]!;
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sx = Math.floor(x0); sx < x1; sx++) {
        const w = Math.min(sx + 1, x1) - Math.max(sx, x0);
        const i = base + sx * 4;
        const al = src[i + 3]! * w;
        r += src[i]! * al;
        g += src[i + 1]! * al;
        b += src[i + 2]! * al;
        a += al;
      }
      const j = ox * 4;
      row[j] = r;
      row[j + 1] = g;
      row[j + 2] = b;
      row[j + 3] = a;
    }
    // Vertical pass: the source row's share in output rows oy (and oy + 1 when it straddles).
    let y0 = sy;
    const y1 = sy + 1;
    while (y0 < y1 && oy < height) {
      const end = Math.min(y1, ys[oy + 1]!);
      const w = end - y0;
      for (let j = 0; j < acc.length; j++) acc[j]! += row[j]! * w;
      y0 = end;
      if (end >= ys[oy + 1]! - 1e-9) {
        // Output row oy is complete: un-premultiply and store.
        const o = oy * width * 4;
        for (let ox = 0; ox < width; ox++) {
          const j = ox * 4;
          const a = acc[j + 3]!;
          if (a > 0) {
            out[o + j] = acc[j]! / a;
            out[o + j + 1] = acc[j + 1]! / a;
            out[o + j + 2] = acc[j + 2]! / a;
            out[o + j + 3] = a / area;
          }
        }
        acc.fill(0);
        oy++;
      }
    }
  }
  return { data: out, width, height };
}
