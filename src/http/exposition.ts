/** Prometheus text exposition format 0.0.4: one metric family at a time. */

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const num = (n: number) => (Number.isInteger(n) ? String(n) : n.toPrecision(6).replace(/\.?0+$/, ''));

/** One metric family: HELP, TYPE and its samples. */
export function family(name: string, type: 'counter' | 'gauge' | 'histogram', help: string, samples: [labels: Record<string, string>, value: number, suffix?: string][]): string {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
  for (const [labels, value, suffix] of samples) {
    const l = Object.entries(labels)
      .map(([k, v]) => `${k}="${esc(v)}"`)
      .join(',');
    lines.push(`${name}${suffix ?? ''}${l ? `{${l}}` : ''} ${num(value)}`);
  }
  return lines.join('\n');
}

