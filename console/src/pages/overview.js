// The overview: counts of apps, and of secrets older than N days, and
// the audit trail's activity per day as a bar chart (an SVG drawn here).

import {api, query} from '../api.js';
import {h, replace, svg} from '../dom.js';

const DAYS = 14;
const SAMPLE = 100; // apps whose key pairs are read for the secrets' age

function card(label, value, test) {
  return h('div', {class: 'stat'}, h('div', {class: 'value', 'data-test': test}, value),
      h('div', {class: 'label'}, label));
}

export async function overviewPage(main) {
  const stats = h('div', {class: 'stats'});
  const ageDays = h('input', {type: 'number', min: '1', value: '90', class: 'narrow',
                              'aria-label': 'days', 'data-test': 'age-days'});
  const old = h('div', {class: 'stats'});
  const chart = h('div', {class: 'chart card'});
  replace(main, h('h1', null, 'Overview'), stats,
    h('div', {class: 'toolbar'}, 'Secrets older than ', ageDays, ' days'), old, chart);

  const [all, enabled, apis] = await Promise.all([
    api('GET', '/v1/apps?limit=1'), api('GET', '/v1/apps?limit=1&status=enabled'),
    api('GET', '/v1/apis?limit=1')]);
  replace(stats, card('apps', all.total, 'count-apps'),
    card('enabled', enabled.total, 'count-enabled'),
    card('disabled', all.total - enabled.total, 'count-disabled'),
    card('APIs', apis.total, 'count-apis'));

  const sample = await api('GET', `/v1/apps?limit=${SAMPLE}`);
  const pairs = (await Promise.all(sample.items.map((a) =>
    api('GET', `/v1/apps/${a.id}/keys`).then((k) => k.items, () => [])))).flat();
  const countOld = () => {
    const limit = Date.now() - Number(ageDays.value || 0) * 86400000;
    const n = pairs.filter((p) => new Date(p.updated_at).getTime() < limit).length;
    replace(old, card(`key pairs${sample.total > SAMPLE ? ` (of the first ${SAMPLE} apps)` : ''}` +
                      ` with a secret older than ${ageDays.value} days`, n, 'count-old'));
  };
  ageDays.addEventListener('input', countOld);
  countOld();

  await drawActivity(chart);
}

async function drawActivity(el) {
  const start = new Date();
  start.setHours(0, 0, 0, 0);
  start.setDate(start.getDate() - (DAYS - 1));
  const counts = new Array(DAYS).fill(0);
  const failures = new Array(DAYS).fill(0);
  let total = 0;
  for (let offset = 0; offset < 1000; offset += 100) {
    const page = await api('GET', `/v1/audit${query({since: start.toISOString(), limit: 100, offset})}`);
    for (const e of page.items) {
      const day = Math.floor((new Date(e.time) - start) / 86400000);
      if (day >= 0 && day < DAYS) {
        counts[day]++;
        if (e.result === 'failure') {
          failures[day]++;
        }
      }
    }
    total = page.total;
    if (offset + 100 >= page.total) {
      break;
    }
  }

  const W = 700, H = 200, pad = 30, bw = (W - pad) / DAYS;
  const max = Math.max(1, ...counts);
  const bars = counts.map((c, i) => {
    const x = pad + i * bw + 2, hh = (H - 40) * c / max, hf = (H - 40) * failures[i] / max;
    const d = new Date(start.getTime() + i * 86400000);
    return svg('g', null,
      svg('rect', {x, y: H - 20 - hh, width: bw - 4, height: hh, class: 'bar'},
        svg('title', null, `${d.toDateString()}: ${c} events, ${failures[i]} failed`)),
      svg('rect', {x, y: H - 20 - hf, width: bw - 4, height: hf, class: 'bar-fail'}),
      svg('text', {x: x + (bw - 4) / 2, y: H - 6, class: 'axis', 'text-anchor': 'middle'},
        `${d.getMonth() + 1}/${d.getDate()}`),
      c > 0 ? svg('text', {x: x + (bw - 4) / 2, y: H - 24 - hh, class: 'axis',
                           'text-anchor': 'middle'}, String(c)) : null);
  });
  replace(el, h('h2', null, `Audit activity, last ${DAYS} days`),
    svg('svg', {viewBox: `0 0 ${W} ${H}`, role: 'img', 'data-test': 'activity-chart',
                'aria-label': `audit events per day: ${counts.join(', ')}`},
      svg('line', {x1: pad, y1: H - 20, x2: W, y2: H - 20, class: 'axis-line'}), bars),
    h('p', {class: 'muted'}, `${total} events in ${DAYS} days; failures in red.`,
      total > 1000 ? ' (the chart counts the newest 1000).' : ''));
}
