// One key in the Keys view: its name and status, spend against each budget as a bar, its other
// limits, models and metadata, its actions, and its audit trail. Everything the key's owner
// typed (name, models, metadata) goes in as textContent inside <bdi> (dashboard-format.js).
import { bdi, el, number, usd, utc, when } from './dashboard-format.js';

/** @typedef {{ label: string, spent: string, limit: string, format: (value: number) => string }} Budget */
/** @type {Budget[]} */
const BUDGETS = [
  { label: 'Spent today', spent: 'usd_today', limit: 'usd_per_day', format: usd },
  { label: 'This month', spent: 'usd_month', limit: 'usd_per_month', format: usd },
  { label: 'In total', spent: 'usd_total', limit: 'usd_total', format: usd },
  { label: 'Tokens today', spent: 'tokens_today', limit: 'tpd', format: (n) => number.format(n) },
];
const RATES = /** @type {const} */ ([
  ['rpm', 'requests/min'],
  ['tpm', 'tokens/min'],
  ['max_parallel', 'in parallel'],
]);

/** active, disabled, expired (at `now`, unix seconds), or deleted (while this page is open). */
export function statusOf(/** @type {any} */ key, /** @type {number} */ now) {
  if (key.deleted) return 'deleted';
  if (key.disabled) return 'disabled';
  return typeof key.expires_at === 'number' && key.expires_at <= now ? 'expired' : 'active';
}

/** One budget: the label, a bar of spent ÷ limit (empty without a limit), and the figures. */
function budgetRow(/** @type {Budget} */ budget, /** @type {any} */ key) {
  const used = Number(key.spend?.[budget.spent] ?? 0);
  const max = Number(key.limits?.[budget.limit] ?? 0);
  const row = el('div', '', 'budget');
  row.dataset.budget = budget.spent;
  const bar = el('div', '', 'bar');
  const fill = el('i');
  const text =
    max > 0 ? `${budget.format(used)} of ${budget.format(max)}` : `${budget.format(used)}, no limit`;
  if (max > 0) {
    const share = used / max;
    // CSSOM, not a style attribute: the page's CSP allows no inline styles.
    fill.style.width = `${Math.min(100, share * 100)}%`;
    bar.setAttribute('role', 'meter');
    bar.setAttribute('aria-valuemin', '0');
    bar.setAttribute('aria-valuemax', String(max));
    bar.setAttribute('aria-valuenow', String(Math.min(used, max)));
    bar.setAttribute('aria-valuetext', text);
    bar.setAttribute('aria-label', budget.label);
    if (share >= 1) row.classList.add('over');
    else if (share >= 0.8) row.classList.add('near');
  } else row.classList.add('unlimited');
  bar.append(fill);
  row.append(el('span', budget.label, 'budget-label'), bar, el('span', text, 'budget-value'));
  return row;
}

/** "Models: a, b" with each pattern isolated; the server's list when the key has none. */
function modelsLine(/** @type {string[] | null | undefined} */ models) {
  const line = el('p', '', 'key-models');
  line.append(el('span', 'Models: ', 'muted'));
  if (!models || models.length === 0) line.append('what the server allows');
  models?.forEach((model, index) => line.append(...(index ? [', '] : []), bdi(model)));
  return line;
}

function extrasLine(/** @type {any} */ key) {
  const line = el('p', '', 'key-extras');
  const rates = RATES.filter(([name]) => Number(key.limits?.[name]) > 0);
  if (rates.length > 0) {
    const text = rates.map(([name, unit]) => `${number.format(key.limits[name])} ${unit}`).join(' · ');
    line.append(el('span', text, 'key-rates'));
  }
  for (const [name, value] of Object.entries(key.metadata ?? {}))
    line.append(bdi(`${name}=${value}`, 'chip'));
  return line;
}

function actions(/** @type {any} */ key) {
  const box = el('div', '', 'key-actions');
  const buttons = [
    ['edit', 'Edit'],
    key.disabled ? ['enable', 'Enable'] : ['disable', 'Disable'],
    ['rotate', 'Rotate'],
    ['delete', 'Delete'],
  ];
  for (const [action, label] of buttons) {
    const button = /** @type {HTMLButtonElement} */ (el('button', label, 'secondary'));
    button.type = 'button';
    button.dataset.action = action;
    box.append(button);
  }
  return box;
}

/** The key as a list item; `historyOpen` keeps its audit trail open across a redraw. */
export function keyCard(/** @type {any} */ key, /** @type {number} */ now, historyOpen = false) {
  const status = statusOf(key, now);
  const card = el('li', '', 'key-card');
  card.dataset.id = key.id;
  card.dataset.status = status;
  const head = el('div', '', 'key-head');
  head.append(el('h2'), el('span', status, `badge ${status}`));
  head.firstElementChild?.append(bdi(key.name, 'key-name'));
  const meta = el('p', '', 'key-meta');
  meta.append(bdi(key.id, 'key-id'), ' · created ', when(key.created_at, now), ' · last used ');
  meta.append(when(key.last_used_at, now), ' · ');
  if (typeof key.expires_at === 'number') meta.append(status === 'expired' ? 'expired ' : 'expires ');
  meta.append(when(key.expires_at, now, 'never expires'));
  const budgets = el('div', '', 'budgets');
  budgets.append(...BUDGETS.map((budget) => budgetRow(budget, key)));
  const history = /** @type {HTMLDetailsElement} */ (el('details', '', 'key-history'));
  history.append(el('summary', 'History'), el('ol', '', 'events'));
  history.open = historyOpen;
  card.append(head, meta, modelsLine(key.models), budgets, extrasLine(key));
  // A deleted key is gone for good: only its audit trail is left to read.
  card.append(...(status === 'deleted' ? [] : [actions(key)]), history);
  return card;
}

/** The audit trail, newest first: when, what, and for a change which fields. */
export function eventItems(/** @type {any[]} */ events) {
  if (events.length === 0) return [el('li', 'No events yet.', 'muted')];
  return events.map((event) => {
    const item = el('li');
    item.dataset.type = String(event.type);
    const time = el('time', typeof event.at === 'number' ? utc(event.at) : '');
    item.append(time, ' ', el('b', String(event.type)));
    if (Array.isArray(event.fields) && event.fields.length > 0)
      item.append(': ', bdi(event.fields.join(', ')));
    return item;
  });
}
