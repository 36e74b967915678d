// A strict reader of the Prometheus text exposition format, version 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/), for the
// metrics tests: it throws on anything the format does not allow, rather
// than skip it, and checks what a scraper relies on: one HELP and TYPE per
// family, before its samples; a family's samples together; no series
// twice; label values escaped; histograms with increasing bounds,
// cumulative buckets, +Inf equal to _count, and a _sum.

const METRIC = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function fail(lineNo, line, why) {
  throw new Error(`line ${lineNo}: ${why}: ${JSON.stringify(line)}`);
}

// A sample value: a Go float ("+Inf", "-Inf", "NaN", or a decimal).
function parseValue(text, lineNo, line) {
  if (text === '+Inf')
    return Infinity;
  if (text === '-Inf')
    return -Infinity;
  if (text === 'NaN')
    return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) {
    fail(lineNo, line, `bad value ${text}`);
  }
  return Number(text);
}

// Reads "{a="x",b="y"}" from s at i (s[i] === '{'); returns [labels, next].
function parseLabels(s, i, lineNo, line) {
  const labels = {};
  i++;
  for (;;) {
    if (s[i] === '}')
      return [labels, i + 1];
    const eq = s.indexOf('=', i);
    if (eq < 0)
      fail(lineNo, line, 'label without =');
    const name = s.slice(i, eq);
    if (!LABEL.test(name) || name.startsWith('__'))
      fail(lineNo, line, `bad label name ${name}`);
    if (name in labels)
      fail(lineNo, line, `label ${name} twice`);
    if (s[eq + 1] !== '"')
      fail(lineNo, line, 'label value not quoted');
    let value = '';
    let j = eq + 2;
    for (;; j++) {
      if (j >= s.length)
        fail(lineNo, line, 'unterminated label value');
      const c = s[j];
      if (c === '"')
        break;
      if (c === '\\') {
        const e = s[++j];
        if (e === '\\')
          value += '\\';
        else if (e === '"')
          value += '"';
        else if (e === 'n')
          value += '\n';
        else
          fail(lineNo, line, `bad escape \\${e}`);
      } else {
        value += c;
      }
    }
    labels[name] = value;
    i = j + 1;
    if (s[i] === ',') {
      i++;
    } else if (s[i] !== '}') {
      fail(lineNo, line, 'expected , or } after a label');
    }
  }
}

// The family a sample name belongs to, given the families declared.
function familyOf(name, families) {
  if (families.has(name))
    return name;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    const base = name.slice(0, -suffix.length);
    if (name.endsWith(suffix) && families.get(base)?.type === 'histogram')
      return base;
  }
  return null;
}

function checkHistogram(family) {
  const groups = new Map();
  for (const s of family.samples) {
    const {le, ...rest} = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    if (!groups.has(key))
      groups.set(key, {buckets: [], sum: null, count: null});
    const g = groups.get(key);
    if (s.name === `${family.name}_bucket`) {
      if (le === undefined)
        throw new Error(`${family.name}: a bucket without le`);
      g.buckets.push([le === '+Inf' ? Infinity : Number(le), s.value]);
    } else if (le !== undefined) {
      throw new Error(`${family.name}: le on ${s.name}`);
    } else if (s.name === `${family.name}_sum`) {
      g.sum = s.value;
    } else if (s.name === `${family.name}_count`) {
      g.count = s.value;
    } else {
      throw new Error(`${family.name}: stray sample ${s.name}`);
    }
  }
  for (const [key, g] of groups) {
    const where = `${family.name}${key}`;
    if (g.sum === null || g.count === null)
      throw new Error(`${where}: no _sum or _count`);
    for (let i = 1; i < g.buckets.length; i++) {
      if (!(g.buckets[i][0] > g.buckets[i - 1][0]))
        throw new Error(`${where}: bounds not increasing`);
      if (g.buckets[i][1] < g.buckets[i - 1][1])
        throw new Error(`${where}: buckets not cumulative`);
    }
    const last = g.buckets[g.buckets.length - 1];
    if (!last || last[0] !== Infinity)
      throw new Error(`${where}: no +Inf bucket`);
    if (last[1] !== g.count)
      throw new Error(`${where}: +Inf ${last[1]} != _count ${g.count}`);
    if (g.sum < 0)
      throw new Error(`${where}: negative _sum`);
  }
}

// Parses a scrape; returns a Map of family name -> {name, type, help,
// samples: [{name, labels, value}]}.  Throws on any violation.
export function parsePrometheus(text) {
  const families = new Map();
  const series = new Set();
  const closed = new Set();  // families whose samples have ended
  let current = null;
  if (text.length > 0 && !text.endsWith('\n'))
    throw new Error('the text does not end with a line feed');
  const lines = text.split('\n');
  lines.pop();
  lines.forEach((line, idx) => {
    const lineNo = idx + 1;
    if (line === '')
      return;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m)
        return;  // a plain comment
      const [, kind, name, rest] = m;
      if (!METRIC.test(name))
        fail(lineNo, line, 'bad metric name');
      let f = families.get(name);
      if (!f) {
        if (closed.has(name))
          fail(lineNo, line, 'family declared after its samples');
        f = {name, type: 'untyped', help: null, samples: [], typed: false};
        families.set(name, f);
      }
      if (f.samples.length > 0)
        fail(lineNo, line, `${kind} after samples`);
      if (kind === 'HELP') {
        if (f.help !== null)
          fail(lineNo, line, 'HELP twice');
        if (/\\[^\\n]/.test(rest.replace(/\\\\/g, '')))
          fail(lineNo, line, 'bad escape in HELP');
        f.help = rest.replace(/\\(\\|n)/g, (_, c) => (c === 'n' ? '\n' : '\\'));
      } else {
        if (f.typed)
          fail(lineNo, line, 'TYPE twice');
        if (!TYPES.has(rest))
          fail(lineNo, line, `bad type ${rest}`);
        f.type = rest;
        f.typed = true;
      }
      if (current && current !== name)
        closed.add(current);
      current = name;
      return;
    }
    let i = 0;
    while (i < line.length && line[i] !== '{' && line[i] !== ' ')
      i++;
    const name = line.slice(0, i);
    if (!METRIC.test(name))
      fail(lineNo, line, 'bad metric name');
    let labels = {};
    if (line[i] === '{')
      [labels, i] = parseLabels(line, i, lineNo, line);
    if (line[i] !== ' ')
      fail(lineNo, line, 'expected a space before the value');
    const parts = line.slice(i + 1).split(' ');
    if (parts.length < 1 || parts.length > 2)
      fail(lineNo, line, 'expected a value and a timestamp at most');
    const value = parseValue(parts[0], lineNo, line);
    if (parts.length === 2 && !/^-?\d+$/.test(parts[1]))
      fail(lineNo, line, 'bad timestamp');
    const fname = familyOf(name, families) ?? name;
    if (!families.has(fname)) {
      if (closed.has(fname))
        fail(lineNo, line, 'family samples not together');
      families.set(fname, {name: fname, type: 'untyped', help: null, samples: [], typed: false});
    }
    if (current !== fname) {
      if (current)
        closed.add(current);
      if (closed.has(fname))
        fail(lineNo, line, 'family samples not together');
      current = fname;
    }
    const key = name + JSON.stringify(Object.entries(labels).sort());
    if (series.has(key))
      fail(lineNo, line, 'the same series twice');
    series.add(key);
    const f = families.get(fname);
    if (f.type === 'counter' && !(value >= 0))
      fail(lineNo, line, 'a negative counter');
    f.samples.push({name, labels, value});
  });
  for (const f of families.values()) {
    if (f.type === 'histogram')
      checkHistogram(f);
    delete f.typed;
  }
  return families;
}

// The value of the sample name{labels} (labels: every label, exactly), or
// undefined if the scrape has none.
export function sampleValue(families, name, labels = {}) {
  const fname = familyOf(name, families) ?? name;
  const f = families.get(fname);
  const want = JSON.stringify(Object.entries(labels).sort());
  const s = f?.samples.find(
      (x) => x.name === name && JSON.stringify(Object.entries(x.labels).sort()) === want);
  return s?.value;
}
