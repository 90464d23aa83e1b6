// What each button of the Keys view does: a dialog where one is needed, then the API call. Each
// returns what came of it (what to say, a new secret to show once, a key now deleted), or
// undefined when the owner cancelled; the view decides how to show it.
import { bdi, text } from './dashboard-format.js';
import { keyPath, keysApi } from './dashboard-keys-api.js';
import { dialogAction, named } from './dashboard-keys-dialogs.js';
import { FormError, fillForm, markField, readForm } from './dashboard-keys-form.js';

/**
 * @typedef {{ said: Array<string | Node>, secret?: any, deleted?: any }} Outcome
 * said: the status line; secret: a create or rotate answer (its `key` is shown once);
 * deleted: the key as it was before it was deleted
 * @typedef {(key: any) => Promise<Outcome | undefined>} Action
 */

const $ = (/** @type {string} */ id) => /** @type {any} */ (document.getElementById(id));

const formError = (/** @type {any} */ error) =>
  markField(error instanceof FormError || error?.param ? error.param : null, text(error));

/** Creates a key (`key` null) or changes one, through the form; only changed fields are sent. */
async function edit(/** @type {any} */ key) {
  fillForm(key);
  const run = async () => {
    const body = readForm(key);
    if (!key) return keysApi('POST', '', body);
    return Object.keys(body).length === 0 ? key : keysApi('PATCH', keyPath(key.id), body);
  };
  const answer = await dialogAction({ dialog: $('key-dialog'), run, showError: formError });
  if (answer === undefined) return undefined;
  if (key) return { said: ['Saved ', bdi(answer.name), '.'] };
  return { said: ['Created ', bdi(answer.name), ': its secret was shown once.'], secret: answer };
}

/** @type {Action} */
async function rotate(key) {
  named($('rotate-for'), key);
  $('grace').value = '0';
  $('rotate-error').textContent = '';
  let grace = 0;
  const run = () => {
    grace = $('grace').value === '' ? 0 : Number($('grace').value);
    if (!Number.isInteger(grace) || grace < 0)
      throw new FormError('Seconds must be a whole number, 0 or more.', 'grace_seconds');
    return keysApi('POST', `${keyPath(key.id)}/rotate`, { grace_seconds: grace });
  };
  const showError = (/** @type {unknown} */ error) => ($('rotate-error').textContent = text(error));
  const answer = await dialogAction({ dialog: $('rotate-dialog'), run, showError });
  if (answer === undefined) return undefined;
  const old = grace > 0 ? `the old secret works ${grace} s more` : 'the old secret stopped working';
  return { said: ['Rotated ', bdi(answer.name), `: ${old}.`], secret: answer };
}

/** @type {Action} */
async function remove(key) {
  named($('delete-for'), key);
  $('delete-error').textContent = '';
  const run = () => keysApi('DELETE', keyPath(key.id));
  const showError = (/** @type {unknown} */ error) => ($('delete-error').textContent = text(error));
  if ((await dialogAction({ dialog: $('delete-dialog'), run, showError })) === undefined) return undefined;
  return { said: ['Deleted ', bdi(key.name), ' for good.'], deleted: key };
}

/** @param {boolean} disabled @returns {Action} */
const setDisabled = (disabled) => async (key) => {
  await keysApi('PATCH', keyPath(key.id), { disabled });
  const after = disabled ? ': its clients get 401 key_disabled.' : '.';
  return { said: [disabled ? 'Disabled ' : 'Enabled ', bdi(key.name), after] };
};

/** The card buttons, by their data-action. @type {Record<string, Action>} */
export const ACTIONS = {
  edit,
  rotate,
  delete: remove,
  disable: setDisabled(true),
  enable: setDisabled(false),
};

/** The New key button. */
export const createKey = () => edit(null);
