/** One sample of a Prometheus text exposition: `name{label="value",…} 12.5`. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** A parsed scrape: its samples, and the `# TYPE` and `# HELP` of each metric family. */
export interface Exposition {
  readonly samples: readonly Sample[];
  readonly types: ReadonlyMap<string, string>;
  readonly help: ReadonlyMap<string, string>;
}

/**
 * Parses the Prometheus text format 0.0.4 (what prom-client writes): comment
 * lines `# HELP name text` and `# TYPE name type`, and sample lines `name`,
 * optional `{label="value",…}` (values escaped with `\\`, `\"` and `\n`), a
 * value (`+Inf`, `-Inf` and `NaN` included, in any case) and an optional timestamp.
 * Throws on a line it cannot read, so a malformed exposition fails the test.
 */
export function parseExposition(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const match = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
      if (match) (match[1] === 'TYPE' ? types : help).set(match[2], match[3]);
      continue;
    }
    samples.push(parseSample(line, index + 1));
  }
  return { samples, types, help };
}

function parseSample(line: string, lineNumber: number): Sample {
  const fail = (why: string): never => {
    throw new Error(`exposition line ${lineNumber}: ${why}: ${line}`);
  };
  const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0] ?? fail('no metric name');
  let at = name.length;
  const labels: Record<string, string> = {};
  if (line[at] === '{') {
    at++;
    while (line[at] !== '}') {
      const label = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(at))?.[0] ?? fail('bad label name');
      at += label.length;
      if (line.slice(at, at + 2) !== '="') fail('expected ="');
      at += 2;
      let value = '';
      for (;;) {
        const char = line[at++];
        if (char === undefined) fail('unterminated label value');
        if (char === '"') break;
        if (char === '\\') {
          const escaped = line[at++];
          value += escaped === 'n' ? '\n' : escaped;
        } else {
          value += char;
        }
      }
      labels[label] = value;
      if (line[at] === ',') at++;
      else if (line[at] !== '}') fail('expected , or }');
    }
    at++;
  }
  const [valueText, timestamp, extra] = line.slice(at).trim().split(/\s+/);
  if (valueText === undefined || extra !== undefined || (timestamp !== undefined && !/^-?\d+$/.test(timestamp))) fail('bad value');
  // Like Prometheus (Go's ParseFloat), NaN and Inf in any case: prom-client writes an unset event-loop mean as "Nan".
  const special = /^([+-]?)(inf|nan)$/i.exec(valueText);
  const value = special ? (special[2].toLowerCase() === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity) : Number(valueText);
  if (Number.isNaN(value) && !special) fail('value is not a number');
  return { name, labels, value };
}

/** Whether `labels` has every label of `wanted` with the same value. */
function matches(labels: Readonly<Record<string, string>>, wanted: Readonly<Record<string, string>>): boolean {
  return Object.entries(wanted).every(([name, value]) => labels[name] === value);
}

/** The value of the one sample named `name` whose labels are exactly `labels`; undefined when there is none. */
export function sampleValue(exposition: Exposition, name: string, labels: Readonly<Record<string, string>> = {}): number | undefined {
  const found = exposition.samples.filter((s) => s.name === name && matches(s.labels, labels) && Object.keys(s.labels).length === Object.keys(labels).length);
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} with labels ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

/** The sum of the samples named `name` that carry at least the labels in `labels` (0 when there are none). */
export function sumOf(exposition: Exposition, name: string, labels: Readonly<Record<string, string>> = {}): number {
  return exposition.samples.filter((s) => s.name === name && matches(s.labels, labels)).reduce((total, s) => total + s.value, 0);
}

/** Fetches and parses `/metrics`, failing unless it answers 200. */
export async function scrape(origin: string): Promise<Exposition> {
  const response = await fetch(`${origin}/metrics`);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}: ${text.slice(0, 200)}`);
  return parseExposition(text);
}
