// The overview: counts of apps, and of apps with a secret older than N
// days (counted by the server, for any number of apps), and the audit
// trail's activity per day as a bar chart (an SVG drawn here).  What the
// key may not read is left out.

import {api, may, query} from '../api.js';
import {h, replace, svg} from '../dom.js';

const DAYS = 14;

function card(label, value, test) {
  return h('div', {class: 'stat'}, h('div', {class: 'value', 'data-test': test}, value),
      h('div', {class: 'label'}, label));
}

export async function overviewPage(main, ctx) {
  const can = (action) => may(ctx.session, action);
  const stats = h('div', {class: 'stats'});
  const ageDays = h('input', {type: 'number', min: '0', max: '3660', value: '90', class: 'narrow',
                              'aria-label': 'days', 'data-test': 'age-days'});
  const old = h('div', {class: 'stats'});
  const chart = h('div', {class: 'chart card'});
  replace(main, h('h1', null, 'Overview'), stats,
    can('DescribeApps') ? h('div', {class: 'toolbar'}, 'Secrets older than ', ageDays, ' days')
                        : null,
    old, chart);

  const cards = [];
  if (can('DescribeApps')) {
    const [all, enabled] = await Promise.all([
      api('GET', '/v1/apps?limit=1'), api('GET', '/v1/apps?limit=1&status=enabled')]);
    cards.push(card('apps', all.total, 'count-apps'),
      card('enabled', enabled.total, 'count-enabled'),
      card('disabled', all.total - enabled.total, 'count-disabled'));
  }
  if (can('DescribeApis')) {
    const apis = await api('GET', '/v1/apis?limit=1');
    cards.push(card('APIs', apis.total, 'count-apis'));
  }
  replace(stats, cards);

  if (can('DescribeApps')) {
    // The server counts: GET /v1/apps?secret_older_than=SECONDS gives the
    // apps holding a key pair or AppCode set at least that long ago.
    let asked = 0;
    const countOld = async () => {
      const days = Math.min(3660, Math.max(0, Math.floor(Number(ageDays.value || 0))));
      const mine = ++asked;
      const page = await api('GET', `/v1/apps${query({secret_older_than: days * 86400, limit: 1})}`);
      if (mine === asked) {
        replace(old, card(`apps with a secret or AppCode older than ${days} days`, page.total,
                          'count-old'));
      }
    };
    ageDays.addEventListener('input', () => countOld().catch(() => {}));
    await countOld();
  }

  if (can('DescribeAuditEvents')) {
    await drawActivity(chart);
  }
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
