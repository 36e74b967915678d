// The one shape of a benchmark's figures, for bench/report.mjs.
//
// Each bench script writes its raw results to bench/results/<name>.json
// and then, at its very end, adds to that file a `figures` array with
// addFigures(): one entry per figure, each
//
//   {id, label, value, unit, baseline_label, baseline_value, ratio,
//    goal: {op, value, of} | null, met: true | false | null, rounds,
//    note?, chart?: {panel, series, x}}
//
// ratio is value / baseline_value (null without a baseline); the goal
// applies to `of` ('value' or 'ratio'); met is null when there is no goal
// or nothing was measured.  CATALOG below lists the figures the issues
// ask for (issue 16's goal table, issue 15's benchmark) with their goals:
// a script names a catalogued figure by its id and gets its label, unit
// and goal from here, so that a goal is written once.  A figure that is
// not in the catalog (a detail, such as one scenario's requests/s) gives
// its own label and unit.  See bench/README.md.

import {readFile, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

export const resultsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../results');

// True for a smoke run of the pipeline (make bench BENCH_QUICK=1).
export const quick = Boolean(process.env.BENCH_QUICK);

const issue16 = 'issue 16';
const issue15 = 'issue 15';

// The figures the issues ask for, in the order of their tables.  `script`
// is the bench script that measures it; `before` is what the issue says
// was measured before the work (text, shown beside the figures).
export const CATALOG = [
  {
    id: 'gateway.signed_cpu',
    script: 'gateway',
    issue: issue16,
    short: 'X-Ca CPU / HMAC',
    label: 'worker CPU per verified X-Ca HmacSHA256 call above plain proxy, ' +
        'in bare HMAC-SHA256s of the same string',
    unit: 'us',
    goal: {op: '<=', value: 1.5, of: 'ratio'},
    before: '~11x',
  },
  {
    id: 'gateway.signed_rps',
    script: 'gateway',
    issue: issue16,
    short: 'X-Ca req/s / plain',
    label: 'X-Ca HmacSHA256 requests/s / plain proxy with upstream keepalive (1 worker)',
    unit: 'req/s',
    goal: {op: '>=', value: 0.95, of: 'ratio'},
    before: '~0.78',
  },
  {
    id: 'gateway.appcode_rps',
    script: 'gateway',
    issue: issue16,
    short: 'AppCode req/s / plain',
    label: 'AppCode requests/s / plain proxy',
    unit: 'req/s',
    goal: {op: '>=', value: 0.98, of: 'ratio'},
    before: '~0.96-1.0',
  },
  {
    id: 'gateway.signed_1m',
    script: 'gateway',
    issue: issue16,
    short: 'X-Ca 1M apps / 1k',
    label: 'X-Ca requests/s with 1,000,000 apps / with 1,000 (each / its plain proxy)',
    unit: 'x plain',
    goal: {op: '>=', value: 0.97, of: 'ratio'},
    before: '0.996',
  },
  {
    id: 'cp.reset_c64',
    script: 'mgmt_latency',
    issue: issue16,
    short: 'resets/s c=64',
    label: 'durable secret resets/s at concurrency 64 (--sync full)',
    unit: 'ops/s',
    goal: {op: '>=', value: 5000, of: 'value'},
    before: '~970/s',
  },
  {
    id: 'cp.reset_c64_p99',
    script: 'mgmt_latency',
    issue: issue16,
    short: 'reset p99 c=64',
    label: 'durable secret reset at concurrency 64, p99',
    unit: 'ms',
    goal: {op: '<', value: 20, of: 'value'},
    before: '654 ms',
  },
  {
    id: 'cp.create_c64',
    script: 'mgmt_latency',
    issue: issue16,
    short: 'creates/s c=64',
    label: 'durable app creates/s at concurrency 64, nearly empty account',
    unit: 'ops/s',
    goal: {op: '>=', value: 3000, of: 'value'},
    before: '634/s (c=16)',
  },
  {
    id: 'cp.reset_c1_p50',
    script: 'mgmt_latency',
    issue: issue16,
    short: 'reset p50 c=1',
    label: 'one durable secret reset at concurrency 1, p50',
    unit: 'ms',
    goal: {op: '<', value: 1, of: 'value'},
    before: '0.8 ms',
  },
  {
    id: 'prop.reset_p99_load',
    script: 'propagation',
    issue: issue16,
    short: 'reset->refusal p99',
    label: 'secret reset -> first gateway refusal of the old secret, p99, ' +
        'while resets run at 1,000/s',
    unit: 'ms',
    goal: {op: '<', value: 10, of: 'value'},
    before: '12 ms at rest',
  },
  {
    id: 'scale.create_c64_0',
    script: 'scale',
    issue: issue16,
    short: 'creates/s, 0 apps',
    label: 'durable app creates/s at concurrency 64, account with 0 apps',
    unit: 'ops/s',
    goal: {op: '>=', value: 3000, of: 'value'},
    before: '634/s (c=16)',
  },
  {
    id: 'scale.create_c64_1m',
    script: 'scale',
    issue: issue16,
    short: 'creates/s, 1M apps',
    label: 'durable app creates/s at concurrency 64, account with 1,000,000 apps',
    unit: 'ops/s',
    goal: {op: '>=', value: 3000, of: 'value'},
    before: '185/s at 47,000 (c=16)',
  },
  {
    id: 'scale.cold_start',
    script: 'scale',
    issue: issue16,
    short: 'cold start, 1M',
    label: 'tollgated cold start with 1,000,000 apps',
    unit: 'ms',
    goal: {op: '<', value: 2000, of: 'value'},
    before: '54 ms at 100,000',
  },
  {
    id: 'scale.rss',
    script: 'scale',
    issue: issue16,
    short: 'RSS, 1M',
    label: 'tollgated RSS with 1,000,000 apps',
    unit: 'MB',
    goal: {op: '<', value: 200, of: 'value'},
    before: '11 MB at 100,000',
  },
  {
    id: 'scale.list_name_p99',
    script: 'scale',
    issue: issue16,
    short: 'list by name p99',
    label: 'list apps by name with 1,000,000 apps, p99',
    unit: 'ms',
    goal: {op: '<', value: 10, of: 'value'},
    before: '33 ms at 100,000',
  },
  {
    id: 'scale.list_tag_p99',
    script: 'scale',
    issue: issue16,
    short: 'list by tag p99',
    label: 'list apps by tag with 1,000,000 apps, p99',
    unit: 'ms',
    goal: {op: '<', value: 10, of: 'value'},
    before: '843 ms at 100,000',
  },
  {
    id: 'scale.deep_page_cursor_p99',
    script: 'scale',
    issue: issue16,
    short: 'deep page p99',
    label: 'a deep page of the app list with 1,000,000 apps, p99 (reached by its cursor)',
    unit: 'ms',
    goal: {op: '<', value: 10, of: 'value'},
    before: '69 ms at 100,000 (by offset)',
  },
  {
    // The same pages by offset: kept as the cursor figure's baseline.  An
    // offset steps through the index, O(offset); no goal of its own.
    id: 'scale.deep_page_p99',
    script: 'scale',
    issue: issue16,
    short: 'deep page by offset',
    label: 'a deep page of the app list with 1,000,000 apps by offset, p99',
    unit: 'ms',
    goal: null,
    before: '69 ms at 100,000',
  },
  {
    id: 'scale.rebuild',
    script: 'scale',
    issue: issue16,
    short: 'projection rebuild',
    label: 'projection rebuilt from empty with 1,000,000 apps',
    unit: 's',
    goal: {op: '<', value: 30, of: 'value'},
    before: 'not measured',
  },
  {
    id: 'cluster.prop_p50',
    script: 'cluster',
    issue: issue15,
    short: 'node->node p50',
    label: 'write on one node -> enforced by another node\'s gateway, p50',
    unit: 'ms',
    goal: null,
    before: '',
  },
  {
    id: 'cluster.prop_p99',
    script: 'cluster',
    issue: issue15,
    short: 'node->node p99',
    label: 'write on one node -> enforced by another node\'s gateway, p99',
    unit: 'ms',
    goal: null,
    before: '',
  },
  {
    id: 'cluster.reset_c64_pg',
    script: 'mgmt_latency',
    issue: issue15,
    short: 'PG resets/s c=64',
    label: 'durable secret resets/s at concurrency 64, PostgreSQL store / SQLite',
    unit: 'ops/s',
    goal: null,
    before: '',
  },
  {
    id: 'cluster.create_c64_pg',
    script: 'mgmt_latency',
    issue: issue15,
    short: 'PG creates/s c=64',
    label: 'durable app creates/s at concurrency 64, PostgreSQL store / SQLite',
    unit: 'ops/s',
    goal: null,
    before: '',
  },
];

const byId = new Map(CATALOG.map((c) => [c.id, c]));

const finite = (x) => typeof x === 'number' && Number.isFinite(x);

// Whether subject meets goal; null without a goal or a subject.
export function meets(goal, subject) {
  if (!goal || !finite(subject)) {
    return null;
  }
  switch (goal.op) {
    case '<':
      return subject < goal.value;
    case '<=':
      return subject <= goal.value;
    case '>':
      return subject > goal.value;
    case '>=':
      return subject >= goal.value;
    default:
      throw new Error(`unknown goal operator ${goal.op}`);
  }
}

// How far a subject is towards its goal: 1 is just met, above 1 better,
// below 1 short of it (for an upper bound, goal / subject).  Null when
// nothing was measured or there is no goal.
export function fractionOfGoal(goal, subject) {
  if (!goal || !finite(subject)) {
    return null;
  }
  if (goal.op === '<' || goal.op === '<=') {
    return subject > 0 ? goal.value / subject : Infinity;
  }
  return goal.value > 0 ? subject / goal.value : null;
}

// One figure.  id names a catalogued figure (its label, unit and goal come
// from CATALOG) or, for a detail, any other id with its own label and
// unit.  m: {value, baseline_value, baseline_label, rounds, note, chart,
// ratio, label, unit, goal}; a value that is not a finite number (a run
// that did not happen) becomes null, "not measured".  Throws for an
// unknown goal operator.
export function figure(id, m) {
  const c = byId.get(id) || {};
  const value = finite(m.value) ? m.value : null;
  const baseline = finite(m.baseline_value) ? m.baseline_value : null;
  let ratio = finite(m.ratio) ? m.ratio : null;
  if (ratio === null && value !== null && baseline !== null && baseline !== 0) {
    ratio = value / baseline;
  }
  const given = m.goal !== undefined ? m.goal : c.goal;
  const goal = given ? {of: 'value', ...given} : null;
  const f = {
    id,
    label: m.label || c.label || id,
    value: value === null ? null : +value.toPrecision(6),
    unit: m.unit || c.unit || '',
    baseline_label: baseline === null ? null : (m.baseline_label || null),
    baseline_value: baseline === null ? null : +baseline.toPrecision(6),
    ratio: ratio === null ? null : +ratio.toPrecision(4),
    goal,
    met: meets(goal, goal && goal.of === 'ratio' ? ratio : value),
    rounds: finite(m.rounds) ? m.rounds : null,
  };
  if (m.note) {
    f.note = m.note;
  }
  if (m.chart) {
    f.chart = m.chart;
  }
  return f;
}

// Adds the figures that derive(result) returns to the script's result
// file, bench/results/<name>.json, as its `figures`.  If derive throws,
// the file gets no figures but a `figures_error` (the report then shows
// the figures as not measured, with the reason) and the error is printed:
// the raw results stay.
export async function addFigures(name, derive) {
  const file = path.join(resultsDir, `${name}.json`);
  const result = JSON.parse(await readFile(file, 'utf8'));
  try {
    result.figures = derive(result).filter(Boolean);
    delete result.figures_error;
  } catch (e) {
    console.error(`${name}: no figures: ${e.stack}`);
    result.figures = [];
    result.figures_error = String(e.message || e);
  }
  result.quick = quick;
  await writeFile(file, JSON.stringify(result, null, 2) + '\n');
}
