// The Keys view's dialogs: a form that runs an API call and stays open with the error when it
// fails, and the one place a secret is ever shown: once, with a copy button and a warning,
// then wiped from the page when the dialog closes.
import { bdi, el } from './dashboard-format.js';

const $ = (/** @type {string} */ id) => /** @type {any} */ (document.getElementById(id));

/**
 * Opens `dialog`; its form's submit runs `run`. Resolves with what `run` returned once it
 * succeeded, or undefined if the dialog was closed first (Cancel, Escape).
 * @template T
 * @param {{ dialog: HTMLDialogElement, run: () => Promise<T>, showError: (error: any) => void }} options
 * @returns {Promise<T | undefined>}
 */
export function dialogAction({ dialog, run, showError }) {
  const form = /** @type {HTMLFormElement} */ (dialog.querySelector('form'));
  const submit = /** @type {HTMLButtonElement} */ (form.querySelector('[type="submit"]'));
  const done = new AbortController();
  return new Promise((resolve) => {
    /** @type {T | undefined} */
    let result;
    form.addEventListener(
      'submit',
      async (event) => {
        event.preventDefault();
        if (submit.disabled) return;
        submit.disabled = true;
        try {
          result = await run();
          dialog.close();
        } catch (error) {
          showError(error);
        } finally {
          submit.disabled = false;
        }
      },
      { signal: done.signal },
    );
    for (const button of dialog.querySelectorAll('[data-close]')) {
      button.addEventListener('click', () => dialog.close(), { signal: done.signal });
    }
    dialog.addEventListener(
      'close',
      () => {
        done.abort();
        resolve(result);
      },
      { signal: done.signal },
    );
    dialog.showModal();
  });
}

/** "name (vk_…)" for a dialog's text, the name isolated. */
export function named(/** @type {HTMLElement} */ target, /** @type {any} */ key, before = 'Key ') {
  target.replaceChildren(before, bdi(key.name, 'key-name'), ' ', bdi(key.id, 'key-id'));
}

async function copy(/** @type {HTMLTextAreaElement} */ field) {
  try {
    await navigator.clipboard.writeText(field.value);
  } catch {
    // No clipboard API (an insecure origin, a denied permission): the selection and execCommand.
    field.select();
    if (!document.execCommand('copy')) throw new Error('copy refused');
  }
}

/**
 * Shows a new secret once. The answer's `key` is the secret; it leaves the page when the
 * dialog closes, and nothing else ever holds it.
 * @param {any} answer a create or rotate answer: the key object plus `key`
 * @returns {Promise<void>} once the dialog is closed
 */
export function showSecret(answer) {
  const dialog = /** @type {HTMLDialogElement} */ ($('secret-dialog'));
  const field = /** @type {HTMLTextAreaElement} */ ($('secret-value'));
  named($('secret-for'), answer, 'For ');
  field.value = String(answer.key ?? '');
  $('copy-status').textContent = '';
  const done = new AbortController();
  $('copy-secret').addEventListener(
    'click',
    () =>
      copy(field).then(
        () => ($('copy-status').textContent = 'Copied to the clipboard.'),
        () =>
          $('copy-status').replaceChildren(
            el('span', 'Copying failed: select the secret and copy it.', 'bad'),
          ),
      ),
    { signal: done.signal },
  );
  $('secret-done').addEventListener('click', () => dialog.close(), { signal: done.signal });
  return new Promise((resolve) => {
    dialog.addEventListener(
      'close',
      () => {
        field.value = '';
        $('copy-status').textContent = '';
        done.abort();
        resolve();
      },
      { signal: done.signal },
    );
    dialog.showModal();
    field.select();
  });
}
