import { procStatusMb } from './measure';

/** Nearest-rank percentile of unsorted values (NaN when there are none). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export interface Latency {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export function latency(values: readonly number[]): Latency {
  return { count: values.length, p50: percentile(values, 50), p99: percentile(values, 99), max: values.length ? Math.max(...values) : NaN };
}

/** Samples processes' resident memory from /proc until stopped; keeps each one's peak. */
export class RssSampler {
  private readonly peaks = new Map<number, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pids: readonly number[],
    everyMs = 200,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
  }

  private sample(): void {
    for (const pid of this.pids) {
      try {
        this.peaks.set(pid, Math.max(this.peaks.get(pid) ?? 0, procStatusMb(pid, 'VmRSS')));
      } catch {
        // The process is gone; its failure shows elsewhere.
      }
    }
  }

  peakMb(pid: number): number {
    this.sample();
    return this.peaks.get(pid) ?? NaN;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

export const ms = (value: number): string => (Number.isFinite(value) ? `${Math.round(value)} ms` : '–');
export const mb = (value: number): string => (Number.isFinite(value) ? `${Math.round(value)} MB` : '–');
