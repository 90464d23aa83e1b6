// The create/edit form of the Keys view: fills it from a key, reads it back as the API's body
// (for an edit, only the fields that changed, so the audit trail names just those), and marks
// the field an API error names in its `param`.

export const LIMITS = ['usd_per_day', 'usd_per_month', 'usd_total', 'tpd', 'tpm', 'rpm', 'max_parallel'];
const $ = (/** @type {string} */ id) => /** @type {HTMLInputElement} */ (document.getElementById(id));

/** A mistake found before asking the API, named like the API names its own (`param`). */
export class FormError extends Error {
  /** @param {string} message @param {string} param */
  constructor(message, param) {
    super(message);
    this.param = param;
  }
}

/** Every limit of a key, 0 where it has none (absent and 0 both mean no limit). */
const limitsOf = (/** @type {any} */ key) =>
  Object.fromEntries(LIMITS.map((name) => [name, Number(key?.limits?.[name] ?? 0) || 0]));

/** Unix seconds as a datetime-local value, in the browser's time zone; '' for none. */
function localInput(/** @type {number | null | undefined} */ seconds) {
  if (typeof seconds !== 'number') return '';
  const date = new Date(seconds * 1000);
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

/** Metadata as the textarea's lines, sorted, so the same pairs always read the same. */
const metadataText = (/** @type {Record<string, string> | null | undefined} */ metadata) =>
  Object.entries(metadata ?? {})
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, value]) => `${name}=${value}`)
    .join('\n');

/** @param {any} key the key to edit, or null for a new one */
export function fillForm(key) {
  $('key-form-title').textContent = key ? 'Edit the key' : 'New key';
  $('key-submit').textContent = key ? 'Save changes' : 'Create key';
  $('f-name').value = key?.name ?? '';
  $('f-models').value = (key?.models ?? []).join(', ');
  const limits = limitsOf(key);
  for (const name of LIMITS) $(`f-${name}`).value = limits[name] ? String(limits[name]) : '';
  $('f-expires').value = localInput(key?.expires_at);
  $('f-metadata').value = metadataText(key?.metadata);
  markField(null, '');
}

function readLimits() {
  /** @type {Record<string, number>} */
  const limits = {};
  for (const name of LIMITS) {
    const input = $(`f-${name}`);
    if (input.validity.badInput)
      throw new FormError(`${input.parentElement?.textContent?.trim()} must be a number.`, `limits.${name}`);
    if (input.value !== '') limits[name] = Number(input.value);
  }
  return limits;
}

function readMetadata() {
  /** @type {Record<string, string>} */
  const metadata = {};
  for (const line of $('f-metadata').value.split('\n')) {
    if (line.trim() === '') continue;
    const at = line.indexOf('=');
    if (at < 1) throw new FormError(`Metadata lines look like key=value; "${line}" does not.`, 'metadata');
    metadata[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return metadata;
}

function readExpiry() {
  const value = $('f-expires').value;
  if (value === '') return null;
  const at = new Date(value).getTime();
  if (Number.isNaN(at)) throw new FormError('The expiry is not a date and time.', 'expires_at');
  return Math.floor(at / 1000);
}

/**
 * The form as a request body: every field given for a new key, only the changed ones for `key`.
 * @param {any} key the key being edited, or null @returns {Record<string, unknown>}
 */
export function readForm(key) {
  const models = $('f-models')
    .value.split(/[\s,]+/)
    .filter(Boolean);
  const limits = readLimits();
  const metadata = readMetadata();
  /** @type {Record<string, unknown>} */
  const body = { name: $('f-name').value.trim() };
  if (!key) {
    if (models.length > 0) body['models'] = models;
    if (Object.keys(limits).length > 0) body['limits'] = limits;
    const expires = readExpiry();
    if (expires !== null) body['expires_at'] = expires;
    if (Object.keys(metadata).length > 0) body['metadata'] = metadata;
    return body;
  }
  if (body['name'] === key.name) delete body['name'];
  const newModels = models.length > 0 ? models : null;
  if (JSON.stringify(newModels) !== JSON.stringify(key.models ?? null)) body['models'] = newModels;
  // Every limit, 0 for none: the same meaning whether the API replaces the object or merges it.
  const allLimits = { ...limitsOf(null), ...limits };
  if (JSON.stringify(allLimits) !== JSON.stringify(limitsOf(key))) body['limits'] = allLimits;
  if ($('f-expires').value !== localInput(key.expires_at)) body['expires_at'] = readExpiry();
  if (metadataText(metadata) !== metadataText(key.metadata)) body['metadata'] = metadata;
  return body;
}

/**
 * Shows `message` under the form and marks the field `param` names (`limits.rpm`, `models[0]`…).
 * @param {string | null} param @param {string} message
 */
export function markField(param, message) {
  $('key-form-error').textContent = message;
  /** @type {HTMLInputElement | undefined} */
  let marked;
  for (const input of document.querySelectorAll('#key-form [data-param], #key-form [data-limit]')) {
    const field = /** @type {HTMLInputElement} */ (input);
    const own = field.dataset.param ?? `limits.${field.dataset.limit}`;
    const named =
      param !== null && (param === own || param.startsWith(`${own}.`) || param.startsWith(`${own}[`));
    if (named) field.setAttribute('aria-invalid', 'true');
    else field.removeAttribute('aria-invalid');
    if (named && !marked) marked = field;
  }
  marked?.focus();
}
