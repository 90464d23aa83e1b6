// The Keys view: virtual keys from /admin/api/keys, created, edited, disabled and enabled,
// rotated and deleted through the same API, each with its audit trail. A secret is shown once,
// in its own dialog (dashboard-keys-dialogs.js), and never kept. Keys deleted while the page is
// open stay listed (marked deleted) so that their audit trail can still be read.
import { keyPath, keysApi } from './dashboard-keys-api.js';
import { eventItems, keyCard } from './dashboard-keys-card.js';
import { dialogAction, named, showSecret } from './dashboard-keys-dialogs.js';
import { FormError, fillForm, markField, readForm } from './dashboard-keys-form.js';
import { bdi, el } from './dashboard-format.js';
import { onView } from './dashboard-shell.js';

const $ = (/** @type {string} */ id) => /** @type {any} */ (document.getElementById(id));
const list = /** @type {HTMLUListElement} */ ($('key-list'));
/** @type {Map<string, any>} the keys as last listed */
let keys = new Map();
/** @type {Map<string, any>} keys deleted from this page */
const gone = new Map();
/** Ids whose audit trail is open: it stays open, and is read again, after a redraw. */
const openHistories = new Set();

const text = (/** @type {unknown} */ error) => (error instanceof Error ? error.message : String(error));

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

/** Runs an action, then redraws the list and says what happened (or what failed). */
async function act(/** @type {() => Promise<Array<string | Node> | undefined>} */ action) {
  try {
    const done = await action();
    if (done === undefined) return;
    await refresh();
    say(done);
  } catch (error) {
    say([text(error)], true);
  }
}

const formError = (/** @type {any} */ error) =>
  markField(error instanceof FormError || error?.param ? error.param : null, text(error));

async function edit(/** @type {any} */ key) {
  fillForm(key);
  const run = async () => {
    const body = readForm(key);
    return Object.keys(body).length === 0
      ? key
      : keysApi(key ? 'PATCH' : 'POST', key ? keyPath(key.id) : '', body);
  };
  const answer = await dialogAction({ dialog: $('key-dialog'), run, showError: formError });
  if (answer === undefined) return undefined;
  if (key) return ['Saved ', bdi(answer.name), '.'];
  await refresh();
  await showSecret(answer);
  return ['Created ', bdi(answer.name), ': its secret was shown once.'];
}

async function rotate(/** @type {any} */ key) {
  named($('rotate-for'), key);
  $('grace').value = '0';
  $('rotate-error').textContent = '';
  const run = () => {
    const grace = $('grace').value === '' ? 0 : Number($('grace').value);
    if (!Number.isInteger(grace) || grace < 0)
      throw new FormError('Seconds must be a whole number, 0 or more.', 'grace_seconds');
    return keysApi('POST', `${keyPath(key.id)}/rotate`, { grace_seconds: grace });
  };
  const showError = (/** @type {unknown} */ error) => ($('rotate-error').textContent = text(error));
  const answer = await dialogAction({ dialog: $('rotate-dialog'), run, showError });
  if (answer === undefined) return undefined;
  await refresh();
  await showSecret(answer);
  const grace = Number($('grace').value) || 0;
  const old = grace > 0 ? `the old secret works ${grace} s more` : 'the old secret stopped working';
  return ['Rotated ', bdi(answer.name), `: ${old}.`];
}

async function remove(/** @type {any} */ key) {
  named($('delete-for'), key);
  $('delete-error').textContent = '';
  const run = () => keysApi('DELETE', keyPath(key.id));
  const showError = (/** @type {unknown} */ error) => ($('delete-error').textContent = text(error));
  if ((await dialogAction({ dialog: $('delete-dialog'), run, showError })) === undefined) return undefined;
  gone.set(key.id, { ...key, deleted: true });
  return ['Deleted ', bdi(key.name), ' for good.'];
}

async function setDisabled(/** @type {any} */ key, /** @type {boolean} */ disabled) {
  await keysApi('PATCH', keyPath(key.id), { disabled });
  return [
    disabled ? 'Disabled ' : 'Enabled ',
    bdi(key.name),
    disabled ? ': its clients get 401 key_disabled.' : '.',
  ];
}

/** @type {Record<string, (key: any) => Promise<Array<string | Node> | undefined>>} */
const ACTIONS = {
  edit,
  rotate,
  delete: remove,
  disable: (key) => setDisabled(key, true),
  enable: (key) => setDisabled(key, false),
};

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
$('new-key').addEventListener('click', () => act(() => edit(null)));
onView('keys', load);
