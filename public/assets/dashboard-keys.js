// The Keys view: virtual keys from /admin/api/keys, created, edited, disabled and enabled,
// rotated and deleted through the same API, each with its audit trail. A secret is shown once,
// in its own dialog (dashboard-keys-dialogs.js), and never kept. Keys deleted while the page is
// open stay listed (marked deleted) so that their audit trail can still be read.
import { el, text } from './dashboard-format.js';
import { ACTIONS, createKey } from './dashboard-keys-actions.js';
import { keyPath, keysApi } from './dashboard-keys-api.js';
import { eventItems, keyCard } from './dashboard-keys-card.js';
import { showSecret } from './dashboard-keys-dialogs.js';
import { onView } from './dashboard-shell.js';

const $ = (/** @type {string} */ id) => /** @type {any} */ (document.getElementById(id));
const list = /** @type {HTMLUListElement} */ ($('key-list'));
/** @type {Map<string, any>} the keys as last listed */
let keys = new Map();
/** @type {Map<string, any>} keys deleted from this page */
const gone = new Map();
/** Ids whose audit trail is open: it stays open, and is read again, after a redraw. */
const openHistories = new Set();

/** The view's status line; `parts` are strings and (isolated) elements. */
function say(/** @type {Array<string | Node>} */ parts, bad = false) {
  $('keys-status').replaceChildren(...parts);
  $('keys-status').className = bad ? 'bad' : '';
}

async function loadHistory(/** @type {string} */ id) {
  const box = list.querySelector(`li[data-id="${CSS.escape(id)}"] ol.events`);
  if (!box) return;
  try {
    const answer = await keysApi('GET', `${keyPath(id)}/events`);
    box.replaceChildren(...eventItems(answer.data ?? []));
  } catch (error) {
    box.replaceChildren(el('li', text(error), 'bad'));
  }
}

async function refresh() {
  const answer = await keysApi('GET', '');
  const live = /** @type {any[]} */ (answer.data ?? []);
  keys = new Map(live.map((key) => [key.id, key]));
  const now = Date.now() / 1000;
  const shown = [...live, ...[...gone.values()].filter((key) => !keys.has(key.id))];
  list.replaceChildren(...shown.map((key) => keyCard(key, now, openHistories.has(key.id))));
  if (shown.length === 0) list.replaceChildren(el('li', 'No keys yet: New key creates one.', 'empty'));
  await Promise.all([...openHistories].map(loadHistory));
  $('keys-view').dataset.state = 'loaded';
  return live.length;
}

async function load(/** @type {string} */ adminKey) {
  if (!adminKey) return say(['Paste the admin key to manage keys.']);
  say(['Loading\u2026']);
  try {
    const count = await refresh();
    say([`${count} ${count === 1 ? 'key' : 'keys'}. Spend lands within seconds of each request.`]);
  } catch (error) {
    say([text(error)], true);
  }
}

/**
 * Runs an action, then redraws the list, shows a new secret once (over the redrawn list, and
 * even if the list could not be read again), and says what happened, or what failed.
 * @param {() => Promise<import('./dashboard-keys-actions.js').Outcome | undefined>} action
 */
async function act(action) {
  let outcome;
  try {
    outcome = await action();
  } catch (error) {
    return say([text(error)], true);
  }
  if (outcome === undefined) return;
  if (outcome.deleted) gone.set(outcome.deleted.id, { ...outcome.deleted, deleted: true });
  const failed = await refresh().then(
    () => undefined,
    (/** @type {unknown} */ error) => error,
  );
  if (outcome.secret) await showSecret(outcome.secret);
  if (failed === undefined) return say(outcome.said);
  say([...outcome.said, ` The list could not be read again: ${text(failed)}`], true);
}

list.addEventListener('click', (event) => {
  const button = /** @type {HTMLElement} */ (event.target).closest('button[data-action]');
  const key = keys.get(button?.closest('li')?.dataset.id ?? '');
  const action = ACTIONS[/** @type {HTMLElement} */ (button)?.dataset.action ?? ''];
  if (key && action) act(() => action(key));
});
// `toggle` does not bubble: listen while it passes down.
list.addEventListener(
  'toggle',
  (event) => {
    const details = /** @type {HTMLDetailsElement} */ (event.target);
    const id = details.closest('li')?.dataset.id;
    if (!id || !details.classList.contains('key-history')) return;
    if (details.open && !openHistories.has(id)) {
      openHistories.add(id);
      loadHistory(id);
    } else if (!details.open) openHistories.delete(id);
  },
  true,
);
$('new-key').addEventListener('click', () => act(createKey));
onView('keys', load);
