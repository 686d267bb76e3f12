// What a long task in Chromium's renderer was made of, from a performance trace (the JSON that
// playwright-core's browser.stopTracing() returns with the categories below): for every task on a
// renderer main thread longer than a threshold, its wall time and the main thread's CPU time in it
// (a task much longer than its CPU time waited for a core: preempted on a loaded machine), the
// trace events that took its time (self time by name: script, style, layout, paint, GC, ...), and
// the JavaScript functions the V8 sampling profiler found in it (self and inclusive samples).
// Used by `npm run bench:weblist -- --trace` (issue 20 target 6).

/** The categories to record (pass to browser.startTracing). */
export const TRACE_CATEGORIES = [
  'toplevel',
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'disabled-by-default-devtools.timeline.frame',
  'v8',
  'v8.execute',
  'blink',
  'blink.user_timing',
  'disabled-by-default-v8.cpu_profiler',
  'disabled-by-default-v8.gc',
];

interface TraceEvent {
  name: string;
  cat?: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  tdur?: number;
  tts?: number;
  id?: string;
  args?: any;
}

export interface LongTask {
  /** Start, in the trace's clock (µs). */
  ts: number;
  /** Wall time, ms. */
  ms: number;
  /** The main thread's CPU time in it, ms (undefined when the trace has no thread clock). */
  cpuMs?: number;
  /** Trace events by self wall time, ms (largest first). */
  events: [string, number][];
  /** JavaScript functions by self time, ms (sampled). */
  jsSelf: [string, number][];
  /** JavaScript functions by inclusive time, ms (sampled). */
  jsTotal: [string, number][];
  /** Samples in the task that were the garbage collector, the program (idle/native) or script. */
  sampled: { gc: number; program: number; idle: number; script: number };
}

interface Node {
  id: number;
  parent?: number;
  name: string;
}

/** Parses a trace and returns the renderer main-thread tasks longer than `thresholdMs`. */
export function longTasks(traceJson: string | Buffer, thresholdMs = 50): LongTask[] {
  const raw = JSON.parse(String(traceJson));
  const events: TraceEvent[] = Array.isArray(raw) ? raw : raw.traceEvents;
  // Renderer main threads.
  const mains = new Set<string>();
  for (const e of events) if (e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain') mains.add(`${e.pid}:${e.tid}`);
  const byThread = new Map<string, TraceEvent[]>();
  for (const e of events) {
    const key = `${e.pid}:${e.tid}`;
    if (!mains.has(key) || (e.ph !== 'X' && e.ph !== 'B' && e.ph !== 'E')) continue;
    let list = byThread.get(key);
    if (!list) byThread.set(key, (list = []));
    list.push(e);
  }

  // The V8 sampling profile (ProfileChunk events): nodes and timestamped samples, per thread.
  const nodes = new Map<string, Node>();
  const samples: { ts: number; node: string; pid: number }[] = [];
  const clock = new Map<string, number>();
  for (const e of events) {
    if (e.name === 'Profile' && e.args?.data?.startTime !== undefined) clock.set(`${e.pid}:${e.id}`, e.args.data.startTime);
  }
  for (const e of events) {
    if (e.name !== 'ProfileChunk') continue;
    const key = `${e.pid}:${e.id}`;
    const data = e.args?.data;
    const prof = data?.cpuProfile;
    if (!prof) continue;
    for (const n of prof.nodes ?? []) {
      const cf = n.callFrame ?? {};
      const where = cf.url ? ` ${String(cf.url).replace(/^.*\//, '')}:${(cf.lineNumber ?? 0) + 1}:${(cf.columnNumber ?? 0) + 1}` : '';
      nodes.set(`${key}:${n.id}`, { id: n.id, parent: n.parent, name: `${cf.functionName || '(anonymous)'}${where}` });
    }
    let t = clock.get(key) ?? 0;
    const deltas: number[] = data.timeDeltas ?? [];
    (prof.samples ?? []).forEach((id: number, i: number) => {
      t += deltas[i] ?? 0;
      samples.push({ ts: t, node: `${key}:${id}`, pid: e.pid });
    });
    clock.set(key, t);
  }
  samples.sort((a, b) => a.ts - b.ts);
  const nodeName = (k: string) => nodes.get(k)?.name ?? '?';
  const parentKey = (k: string) => {
    const n = nodes.get(k);
    if (!n || n.parent === undefined) return undefined;
    return k.replace(/:\d+$/, `:${n.parent}`);
  };

  const out: LongTask[] = [];
  for (const [, list] of byThread) {
    list.sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
    // Complete events only (B/E pairs turned into X).
    const complete: TraceEvent[] = [];
    const open: TraceEvent[] = [];
    for (const e of list) {
      if (e.ph === 'X') complete.push(e);
      else if (e.ph === 'B') open.push(e);
      else if (e.ph === 'E') {
        const b = open.pop();
        if (b) complete.push({ ...b, ph: 'X', dur: e.ts - b.ts, tdur: e.tts !== undefined && b.tts !== undefined ? e.tts - b.tts : undefined });
      }
    }
    complete.sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
    const tasks = complete.filter((e) => (e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask') && (e.dur ?? 0) > thresholdMs * 1000);
    // Nested RunTask and ThreadControllerImpl::RunTask describe the same task: keep the outermost.
    const outer = tasks.filter((t) => !tasks.some((o) => o !== t && o.ts <= t.ts && o.ts + o.dur! >= t.ts + t.dur! && (o.dur! > t.dur! || o.ts < t.ts)));
    for (const task of outer) {
      const end = task.ts + task.dur!;
      const inside = complete.filter((e) => e !== task && e.ts >= task.ts && e.ts + (e.dur ?? 0) <= end && e.name !== 'RunTask' && e.name !== 'ThreadControllerImpl::RunTask');
      // Self time per name: an event's duration minus its children's (nesting by time).
      const self = new Map<string, number>();
      const stack: { e: TraceEvent; child: number }[] = [];
      const close = (upTo: number) => {
        while (stack.length && stack[stack.length - 1]!.e.ts + (stack[stack.length - 1]!.e.dur ?? 0) <= upTo) {
          const s = stack.pop()!;
          self.set(s.e.name, (self.get(s.e.name) ?? 0) + (s.e.dur ?? 0) - s.child);
          if (stack.length) stack[stack.length - 1]!.child += s.e.dur ?? 0;
        }
      };
      let covered = 0;
      for (const e of inside) {
        close(e.ts);
        if (!stack.length) covered += e.dur ?? 0;
        stack.push({ e, child: 0 });
      }
      close(Infinity);
      self.set('(task, outside any event)', task.dur! - covered);
      const js = samples.filter((s) => s.ts >= task.ts && s.ts <= end && s.pid === task.pid);
      const jsSelf = new Map<string, number>();
      const jsTotal = new Map<string, number>();
      const sampled = { gc: 0, program: 0, idle: 0, script: 0 };
      for (let i = 0; i < js.length; i++) {
        const dt = ((js[i + 1]?.ts ?? end) - js[i]!.ts) / 1000;
        const name = nodeName(js[i]!.node);
        if (name.startsWith('(garbage collector)')) sampled.gc += dt;
        else if (name.startsWith('(program)')) sampled.program += dt;
        else if (name.startsWith('(idle)')) sampled.idle += dt;
        else sampled.script += dt;
        jsSelf.set(name, (jsSelf.get(name) ?? 0) + dt);
        const seen = new Set<string>();
        for (let k: string | undefined = js[i]!.node; k; k = parentKey(k)) {
          const n = nodeName(k);
          if (seen.has(n) || n.startsWith('(root)')) continue;
          seen.add(n);
          jsTotal.set(n, (jsTotal.get(n) ?? 0) + dt);
        }
      }
      const top = (m: Map<string, number>, k: number) =>
        [...m]
          .sort((a, b) => b[1] - a[1])
          .slice(0, k)
          .map(([n, v]) => [n, Math.round(v * 10) / 10] as [string, number]);
      out.push({
        ts: task.ts,
        ms: task.dur! / 1000,
        cpuMs: task.tdur !== undefined ? task.tdur / 1000 : undefined,
        events: top(new Map([...self].map(([n, v]) => [n, v / 1000])), 10),
        jsSelf: top(jsSelf, 12),
        jsTotal: top(jsTotal, 15),
        sampled: { gc: Math.round(sampled.gc), program: Math.round(sampled.program), idle: Math.round(sampled.idle), script: Math.round(sampled.script) },
      });
    }
  }
  return out.sort((a, b) => a.ts - b.ts);
}

/** A long task, in a few lines of text. */
export function describe(t: LongTask): string {
  const f = (xs: [string, number][]) => xs.map(([n, v]) => `${n} ${v}`).join('; ');
  return [
    `  task ${Math.round(t.ms)} ms wall, ${t.cpuMs === undefined ? '?' : Math.round(t.cpuMs)} ms CPU on the main thread; samples: script ${t.sampled.script} ms, GC ${t.sampled.gc} ms, program ${t.sampled.program} ms, idle ${t.sampled.idle} ms`,
    `    events (self ms): ${f(t.events)}`,
    `    JS self (ms): ${f(t.jsSelf)}`,
    `    JS inclusive (ms): ${f(t.jsTotal)}`,
  ].join('\n');
}
