// A small Prometheus registry: counters, gauges and fixed-bucket histograms with bounded label
// sets, rendered in the text exposition format 0.0.4.

export type Labels<L extends string> = Readonly<Record<L, string>>;

export interface Counter<L extends string = never> {
  inc(labels?: Labels<L>, by?: number): void;
  get(labels?: Labels<L>): number;
}

export interface Gauge<L extends string = never> {
  set(labels: Labels<L> | undefined, value: number): void;
  inc(labels?: Labels<L>, by?: number): void;
  dec(labels?: Labels<L>, by?: number): void;
  get(labels?: Labels<L>): number;
}

export interface Histogram<L extends string = never> {
  observe(labels: Labels<L> | undefined, value: number): void;
  /** Starts a timer; calling the result observes the elapsed seconds. */
  startTimer(labels?: Labels<L>): () => void;
  /** Observation count and sum of one series. */
  get(labels?: Labels<L>): { count: number; sum: number };
}

export interface MetricOptions<L extends string> {
  name: string;
  help: string;
  labelNames?: readonly L[];
  /**
   * Distinct label sets kept (default 100). Observations for further sets go to one series whose
   * every label is `other`, so an unexpected label value cannot grow memory without bound.
   */
  maxSeries?: number;
}

export interface Registry {
  counter<L extends string = never>(options: MetricOptions<L>): Counter<L>;
  gauge<L extends string = never>(options: MetricOptions<L>): Gauge<L>;
  histogram<L extends string = never>(options: MetricOptions<L> & { buckets: readonly number[] }): Histogram<L>;
  /** Runs before each render by `scrape`, e.g. to read store sizes into gauges. */
  addCollector(collect: () => void | Promise<void>): void;
  /** Runs the collectors, then renders. */
  scrape(): Promise<string>;
  /** Every metric in the text exposition format 0.0.4. */
  render(): string;
}

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const escapeHelp = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(v);
}

function labelText(names: readonly string[], values: readonly string[], extra?: [string, string]): string {
  const parts = names.map((n, i) => `${n}="${escapeLabel(values[i] ?? '')}"`);
  if (extra) parts.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

interface Family<V> {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  labelNames: readonly string[];
  series: Map<string, { values: string[]; value: V }>;
  render(lines: string[]): void;
}

/** The series of a family for `labels`, created on first use within the bound. */
function seriesOf<V>(
  family: Family<V>,
  maxSeries: number,
  labels: Readonly<Record<string, string>> | undefined,
  fresh: () => V,
): V {
  const values = family.labelNames.map((n) => labels?.[n] ?? '');
  let key = values.join('\u0000');
  let s = family.series.get(key);
  if (!s) {
    if (family.series.size >= maxSeries) {
      const other = family.labelNames.map(() => 'other');
      key = other.join('\u0000');
      s = family.series.get(key);
      if (!s) family.series.set(key, (s = { values: other, value: fresh() }));
    } else family.series.set(key, (s = { values, value: fresh() }));
  }
  return s.value;
}

function peekSeries<V>(family: Family<V>, labels: Readonly<Record<string, string>> | undefined): V | undefined {
  return family.series.get(family.labelNames.map((n) => labels?.[n] ?? '').join('\u0000'))?.value;
}

function checkNames(name: string, labelNames: readonly string[]): void {
  if (!NAME.test(name)) throw new Error(`metric name ${JSON.stringify(name)} is not a valid Prometheus name`);
  for (const l of labelNames) {
    if (!LABEL.test(l) || l.startsWith('__') || l === 'le')
      throw new Error(`label name ${JSON.stringify(l)} of ${name} is not allowed`);
  }
}

export function createRegistry(): Registry {
  const families: Family<unknown>[] = [];
  const collectors: (() => void | Promise<void>)[] = [];

  function family<V>(
    options: MetricOptions<string>,
    type: Family<V>['type'],
    render: (f: Family<V>, lines: string[]) => void,
  ): Family<V> {
    const labelNames = options.labelNames ?? [];
    checkNames(options.name, labelNames);
    if (families.some((f) => f.name === options.name)) throw new Error(`metric ${options.name} is already registered`);
    const f: Family<V> = {
      name: options.name,
      help: options.help,
      type,
      labelNames,
      series: new Map(),
      render: (lines) => render(f, lines),
    };
    families.push(f as Family<unknown>);
    return f;
  }

  const renderScalar = (f: Family<{ v: number }>, lines: string[]) => {
    // A metric without labels always has its one series, so it shows as 0 before first use.
    if (f.labelNames.length === 0 && f.series.size === 0) lines.push(`${f.name} 0`);
    for (const s of f.series.values())
      lines.push(`${f.name}${labelText(f.labelNames, s.values)} ${formatValue(s.value.v)}`);
  };

  function scalar<L extends string>(options: MetricOptions<L>, type: 'counter' | 'gauge') {
    const max = options.maxSeries ?? 100;
    const f = family<{ v: number }>(options, type, renderScalar);
    const series = (labels: Labels<L> | undefined) => seriesOf(f, max, labels, () => ({ v: 0 }));
    const get = (labels: Labels<L> | undefined) => peekSeries(f, labels)?.v ?? 0;
    return { series, get };
  }

  const registry: Registry = {
    counter<L extends string = never>(options: MetricOptions<L>): Counter<L> {
      const { series, get } = scalar(options, 'counter');
      return {
        inc(labels, by = 1) {
          if (by < 0) throw new Error(`counter ${options.name} cannot decrease`);
          series(labels).v += by;
        },
        get,
      };
    },

    gauge<L extends string = never>(options: MetricOptions<L>): Gauge<L> {
      const { series, get } = scalar(options, 'gauge');
      return {
        set(labels, value) {
          series(labels).v = value;
        },
        inc(labels, by = 1) {
          series(labels).v += by;
        },
        dec(labels, by = 1) {
          series(labels).v -= by;
        },
        get,
      };
    },

    histogram<L extends string = never>(options: MetricOptions<L> & { buckets: readonly number[] }): Histogram<L> {
      const buckets = [...options.buckets].sort((a, b) => a - b);
      if (buckets.length === 0 || buckets.some((b, i) => !Number.isFinite(b) || (i > 0 && b === buckets[i - 1])))
        throw new Error(`histogram ${options.name} needs distinct finite buckets`);
      const max = options.maxSeries ?? 100;
      type H = { counts: number[]; sum: number; count: number };
      const f = family<H>(options, 'histogram', (fam, lines) => {
        for (const s of fam.series.values()) {
          let cumulative = 0;
          buckets.forEach((le, i) => {
            cumulative += s.value.counts[i] ?? 0;
            lines.push(
              `${fam.name}_bucket${labelText(fam.labelNames, s.values, ['le', formatValue(le)])} ${cumulative}`,
            );
          });
          lines.push(`${fam.name}_bucket${labelText(fam.labelNames, s.values, ['le', '+Inf'])} ${s.value.count}`);
          lines.push(`${fam.name}_sum${labelText(fam.labelNames, s.values)} ${formatValue(s.value.sum)}`);
          lines.push(`${fam.name}_count${labelText(fam.labelNames, s.values)} ${s.value.count}`);
        }
      });
      const series = (labels: Labels<L> | undefined) =>
        seriesOf(f, max, labels, (): H => ({ counts: buckets.map(() => 0), sum: 0, count: 0 }));
      const observe = (labels: Labels<L> | undefined, value: number) => {
        const h = series(labels);
        const i = buckets.findIndex((le) => value <= le);
        if (i >= 0) h.counts[i]!++;
        h.sum += value;
        h.count++;
      };
      return {
        observe,
        startTimer(labels) {
          const start = process.hrtime.bigint();
          return () => observe(labels, Number(process.hrtime.bigint() - start) / 1e9);
        },
        get(labels) {
          const h = peekSeries(f, labels);
          return { count: h?.count ?? 0, sum: h?.sum ?? 0 };
        },
      };
    },

    addCollector(collect) {
      collectors.push(collect);
    },

    async scrape() {
      for (const collect of collectors) await collect();
      return registry.render();
    },

    render() {
      const lines: string[] = [];
      for (const f of families) {
        lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`);
        lines.push(`# TYPE ${f.name} ${f.type}`);
        f.render(lines);
      }
      return `${lines.join('\n')}\n`;
    },
  };
  return registry;
}
