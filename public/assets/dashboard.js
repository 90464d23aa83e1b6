// The usage dashboard's script: reads /admin/api/usage with the admin key the owner pastes, and
// draws totals and charts as plain SVG. No framework, no build step, no data in the page itself.
'use strict';

var $ = function (id) {
  return document.getElementById(id);
};
var KEY_ITEM = 'dashboard.key';
var SVG = 'http://www.w3.org/2000/svg';
var WIDTH = 360;
var HEIGHT = 170;
var PAD = { left: 50, right: 6, top: 8, bottom: 20 };

function remembered() {
  try {
    return sessionStorage.getItem(KEY_ITEM) || '';
  } catch (e) {
    return '';
  }
}
function remember(value) {
  try {
    sessionStorage.setItem(KEY_ITEM, value);
  } catch (e) {}
}
function setStatus(text, bad) {
  $('status').textContent = text;
  $('status').className = bad ? 'bad' : '';
}

var number = new Intl.NumberFormat('en', { maximumFractionDigits: 1, notation: 'compact' });
var usd = function (value) {
  if (!value) return '$0';
  return '$' + (value >= 100 ? value.toFixed(0) : value >= 1 ? value.toFixed(2) : value.toPrecision(2));
};
var percent = function (value) {
  return (value * 100).toFixed(value < 0.1 ? 1 : 0) + '%';
};
var ms = function (value) {
  return value === null || value === undefined ? '\u2014' : Math.round(value) + ' ms';
};

function day(offset) {
  return new Date(Date.now() - offset * 86400000).toISOString().slice(0, 10);
}

/** Every day of the range, oldest first, so days without traffic show as zero. */
function daysOf(from, to) {
  var days = [];
  for (var at = Date.parse(from); at <= Date.parse(to); at += 86400000)
    days.push(new Date(at).toISOString().slice(0, 10));
  return days;
}

function node(name, attributes, text) {
  var element = document.createElementNS(SVG, name);
  Object.keys(attributes).forEach(function (key) {
    element.setAttribute(key, attributes[key]);
  });
  if (text !== undefined) element.textContent = text;
  return element;
}

function frame(target, max, format) {
  var svg = node('svg', { viewBox: '0 0 ' + WIDTH + ' ' + HEIGHT, role: 'img' });
  var plotHeight = HEIGHT - PAD.top - PAD.bottom;
  [0, 0.5, 1].forEach(function (share) {
    var y = PAD.top + plotHeight * (1 - share);
    svg.append(node('line', { class: 'grid', x1: PAD.left, x2: WIDTH - PAD.right, y1: y, y2: y }));
    svg.append(
      node('text', { class: 'axis', x: PAD.left - 4, y: y + 3, 'text-anchor': 'end' }, format(max * share)),
    );
  });
  target.replaceChildren(svg);
  return {
    svg: svg,
    plotHeight: plotHeight,
    y: function (value) {
      return PAD.top + plotHeight * (1 - value / max);
    },
  };
}

function xLabels(svg, days, step) {
  var every = Math.max(1, Math.ceil(days.length / 7));
  days.forEach(function (label, index) {
    if (index % every !== 0) return;
    var x = PAD.left + step * (index + 0.5);
    svg.append(node('text', { class: 'axis', x: x, y: HEIGHT - 6, 'text-anchor': 'middle' }, label.slice(5)));
  });
}

/** Stacked columns per day; each series is { values, className, name }. */
function columns(target, days, series, format) {
  var totals = days.map(function (_, index) {
    return series.reduce(function (sum, s) {
      return sum + s.values[index];
    }, 0);
  });
  var chart = frame(target, Math.max.apply(null, totals.concat([1e-9])), format);
  var step = (WIDTH - PAD.left - PAD.right) / days.length;
  days.forEach(function (label, index) {
    var base = 0;
    series.forEach(function (s) {
      var value = s.values[index];
      if (value <= 0) return;
      var top = chart.y(base + value);
      var rect = node('rect', {
        class: s.className,
        x: PAD.left + step * index + step * 0.15,
        width: step * 0.7,
        y: top,
        height: chart.y(base) - top,
      });
      rect.append(node('title', {}, label + ' ' + s.name + ': ' + format(value)));
      chart.svg.append(rect);
      base += value;
    });
  });
  xLabels(chart.svg, days, step);
}

/** Lines per day; each series is { values (null = no data), className, name }. */
function lines(target, days, series, format, ceiling) {
  var all = [];
  series.forEach(function (s) {
    s.values.forEach(function (v) {
      if (v !== null) all.push(v);
    });
  });
  var chart = frame(target, ceiling || Math.max.apply(null, all.concat([1e-9])), format);
  var step = (WIDTH - PAD.left - PAD.right) / days.length;
  series.forEach(function (s) {
    var points = [];
    s.values.forEach(function (value, index) {
      if (value === null) return;
      var x = PAD.left + step * (index + 0.5);
      points.push(x + ',' + chart.y(value));
      // A dot per day, so a range with one day of traffic still shows.
      var dot = node('circle', { class: s.className, cx: x, cy: chart.y(value), r: 3 });
      dot.append(node('title', {}, days[index] + ' ' + s.name + ': ' + format(value)));
      chart.svg.append(dot);
    });
    chart.svg.append(node('polyline', { class: s.className, points: points.join(' ') }));
  });
  xLabels(chart.svg, days, step);
}

/** Horizontal bars, largest first: rows are { label, value, flag }. */
function bars(target, rows, format) {
  if (rows.length === 0)
    return target.replaceChildren(
      Object.assign(document.createElement('p'), {
        className: 'empty',
        textContent: 'No traffic in this range.',
      }),
    );
  var rowHeight = 22;
  var svg = node('svg', { viewBox: '0 0 ' + WIDTH + ' ' + rows.length * rowHeight, role: 'img' });
  var max = Math.max.apply(
    null,
    rows
      .map(function (row) {
        return row.value;
      })
      .concat([1e-9]),
  );
  rows.forEach(function (row, index) {
    var y = index * rowHeight;
    svg.append(
      node('rect', {
        class: 'bar',
        x: 200,
        y: y + 4,
        height: rowHeight - 8,
        width: Math.max(1, (WIDTH - 290) * (row.value / max)),
      }),
    );
    svg.append(
      node(
        'text',
        { class: 'label', x: 194, y: y + 15, 'text-anchor': 'end' },
        row.label.length > 30 ? row.label.slice(0, 29) + '\u2026' : row.label,
      ),
    );
    svg.append(
      node(
        'text',
        { class: row.flag ? 'flag' : 'label', x: 206 + (WIDTH - 290) * (row.value / max), y: y + 15 },
        format(row.value) + (row.flag ? ' ' + row.flag : ''),
      ),
    );
  });
  target.replaceChildren(svg);
}

function tiles(total) {
  var requests = total.requests || 0;
  var items = [
    ['Requests', number.format(requests)],
    ['Tokens in / out', number.format(total.input_tokens) + ' / ' + number.format(total.output_tokens)],
    [
      'Cost',
      usd(total.cost_usd || 0),
      total.unpriced ? number.format(total.unpriced) + ' requests had no price' : '',
    ],
    ['Cache-hit rate', requests ? percent(total.cached / requests) : '\u2014'],
    ['Error rate', requests ? percent(total.errors / requests) : '\u2014'],
    ['TTFB p50 / p95', ms(total.ttfb_p50_ms) + ' / ' + ms(total.ttfb_p95_ms)],
  ];
  $('tiles').replaceChildren.apply(
    $('tiles'),
    items.map(function (item) {
      var tile = document.createElement('div');
      tile.className = 'tile' + (item[2] ? ' warn' : '');
      tile.dataset.metric = item[0];
      tile.innerHTML = '<span></span><b></b><span class="note"></span>';
      tile.children[0].textContent = item[0];
      tile.children[1].textContent = item[1];
      tile.children[2].textContent = item[2] || '';
      return tile;
    }),
  );
}

async function fetchUsage(key, by, from, to) {
  var response = await fetch('/admin/api/usage?by=' + by + '&from=' + from + '&to=' + to, {
    headers: { authorization: 'Bearer ' + key },
  });
  if (response.ok) return response.json();
  var message = '';
  try {
    message = (await response.json()).error.message;
  } catch (e) {}
  if (response.status === 401)
    throw new Error('The admin key was refused (401). Paste the ADMIN_KEY secret, not a client key.');
  throw new Error((message || 'The usage API failed') + ' (HTTP ' + response.status + ')');
}

async function load() {
  var key = $('key').value.trim();
  if (!key) return setStatus('Paste the admin key to see usage.');
  remember(key);
  var to = day(0);
  var from = day(Number($('range').value) - 1);
  setStatus('Loading\u2026');
  try {
    var results = await Promise.all(
      ['day', 'caller', 'model'].map(function (by) {
        return fetchUsage(key, by, from, to);
      }),
    );
    var byDay = {};
    results[0].data.forEach(function (row) {
      byDay[row.day] = row;
    });
    var days = daysOf(from, to);
    var series = function (field) {
      return days.map(function (d) {
        return byDay[d] ? byDay[d][field] : 0;
      });
    };
    var rate = function (field) {
      return days.map(function (d) {
        return byDay[d] && byDay[d].requests ? byDay[d][field] / byDay[d].requests : null;
      });
    };
    tiles(results[0].total);
    var requests = series('requests');
    var hits = series('cached');
    columns(
      $('chart-requests'),
      days,
      [
        {
          values: requests.map(function (r, i) {
            return r - hits[i];
          }),
          className: 'bar',
          name: 'upstream',
        },
        { values: hits, className: 'hit', name: 'cache hits' },
      ],
      number.format,
    );
    columns(
      $('chart-tokens'),
      days,
      [
        { values: series('input_tokens'), className: 'input', name: 'input' },
        { values: series('output_tokens'), className: 'output', name: 'output' },
      ],
      number.format,
    );
    columns($('chart-cost'), days, [{ values: series('cost_usd'), className: 'bar', name: 'cost' }], usd);
    lines(
      $('chart-rates'),
      days,
      [
        { values: rate('cached'), className: 'line-a', name: 'cache hits' },
        { values: rate('errors'), className: 'line-b', name: 'errors' },
      ],
      percent,
      1,
    );
    lines(
      $('chart-ttfb'),
      days,
      [
        {
          values: days.map(function (d) {
            return byDay[d] ? byDay[d].ttfb_p50_ms : null;
          }),
          className: 'line-c',
          name: 'p50',
        },
        {
          values: days.map(function (d) {
            return byDay[d] ? byDay[d].ttfb_p95_ms : null;
          }),
          className: 'line-d',
          name: 'p95',
        },
      ],
      ms,
    );
    var top = function (rows, field) {
      return rows.slice(0, 10).map(function (row) {
        return {
          label: String(row[field]),
          value: row.cost_usd,
          flag: row.unpriced ? '(no price: ' + number.format(row.unpriced) + ' req.)' : '',
        };
      });
    };
    bars($('chart-callers'), top(results[1].data, 'caller'), usd);
    bars($('chart-models'), top(results[2].data, 'model'), usd);
    setStatus('Usage from ' + from + ' to ' + to + ' (UTC days). Rows land within seconds of each request.');
    document.body.dataset.state = 'loaded';
  } catch (error) {
    setStatus(error.message, true);
  }
}

$('key').value = remembered();
$('controls').addEventListener('submit', function (event) {
  event.preventDefault();
  load();
});
$('range').addEventListener('change', load);
if ($('key').value) load();
