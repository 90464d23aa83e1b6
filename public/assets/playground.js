// The playground: a conversation with the models behind this proxy, the way a web client has it.
// No framework, no build step, no secret in the page: the client key is typed in (or, under
// `npm run dev` on loopback only, filled in from a meta tag the Worker adds), kept in this tab's
// sessionStorage and sent only to this origin. The other settings are remembered in localStorage.
import {
  AnswerError,
  authHeaders,
  chatBody,
  errorOf,
  jsonAnswer,
  listModels,
  proxyFacts,
  speak,
  spentToday,
  streamedAnswer,
} from './playground-chat.js';
import { addTurn } from './playground-turn.js';

const $ = (/** @type {string} */ id) => /** @type {any} */ (document.getElementById(id));
const ui = {
  key: $('key'),
  model: $('model'),
  system: $('system'),
  temperature: $('temperature'),
  maxTokens: $('max-tokens'),
  stream: $('stream'),
  settings: $('settings'),
  summary: $('settings-summary'),
  status: $('status'),
  log: $('log'),
  form: $('ask'),
  prompt: $('prompt'),
  send: $('send'),
  stop: $('stop'),
  newChat: $('new-chat'),
};
const KEY_ITEM = 'playground.key';
const SETTINGS_ITEM = 'playground.settings';
const PREFERRED_MODELS = ['gpt-4o-mini', 'echo-1'];
const PHONE = matchMedia('(max-width: 50rem)');

/** The conversation so far, as the next request carries it after the system message. */
let history = [];
/** Bumped by "New chat", so an answer still arriving is not added to the new conversation. */
let conversation = 0;
/** @type {AbortController | null} the request in flight */
let controller = null;
let modelsRequest = 0;
/** @type {string | null} the speech model "Listen" asks for */
let speechModel = null;

/** Storage can be switched off in a browser: the page then just forgets. */
const stored = {
  get: (/** @type {Storage} */ storage, /** @type {string} */ item) => {
    try {
      return storage.getItem(item) || '';
    } catch {
      return '';
    }
  },
  set: (/** @type {Storage} */ storage, /** @type {string} */ item, /** @type {string} */ value) => {
    try {
      if (value) storage.setItem(item, value);
      else storage.removeItem(item);
    } catch {}
  },
};

function setStatus(/** @type {string} */ text, bad = false) {
  ui.status.textContent = text;
  ui.status.className = bad ? 'bad' : '';
}

const currentKey = () => ui.key.value.trim();
/** An optional number field: null when empty (then it is left out of the request). */
const numberIn = (/** @type {HTMLInputElement} */ input) =>
  input.value.trim() === '' || !Number.isFinite(input.valueAsNumber) ? null : input.valueAsNumber;

function summarize() {
  const temperature = numberIn(ui.temperature);
  ui.summary.textContent = [
    ui.model.value || 'no model',
    ui.stream.checked ? 'streamed' : 'not streamed',
    temperature === null ? '' : `temperature ${temperature}`,
  ]
    .filter(Boolean)
    .join(' · ');
}

function saveSettings() {
  const { model, system, temperature, maxTokens, stream } = ui;
  const settings = {
    model: model.value,
    system: system.value,
    temperature: temperature.value,
    maxTokens: maxTokens.value,
    stream: stream.checked,
  };
  stored.set(localStorage, SETTINGS_ITEM, JSON.stringify(settings));
  summarize();
}

/** Restores the saved settings; returns the saved model, chosen once the list has loaded. */
function restoreSettings() {
  let saved = {};
  try {
    saved = JSON.parse(stored.get(localStorage, SETTINGS_ITEM) || '{}');
  } catch {}
  ui.system.value = saved.system ?? '';
  ui.temperature.value = saved.temperature ?? '';
  ui.maxTokens.value = saved.maxTokens ?? '';
  ui.stream.checked = saved.stream ?? true;
  return saved.model ?? '';
}

/** @param {string[]} models @param {string[]} aliases @param {string} wanted */
function fillModels(models, aliases, wanted) {
  const group = (/** @type {string} */ label, /** @type {string[]} */ ids) => {
    const optgroup = document.createElement('optgroup');
    optgroup.label = label;
    optgroup.append(...ids.map((id) => new Option(id, id)));
    return optgroup;
  };
  const groups = [group('Models', models), group('Aliases (this proxy routes them)', aliases)];
  ui.model.replaceChildren(...groups.filter((optgroup) => optgroup.children.length > 0));
  const all = [...models, ...aliases];
  ui.model.value = [wanted, ...PREFERRED_MODELS].find((id) => all.includes(id)) ?? all[0] ?? '';
  summarize();
}

/** @param {AnswerError} error */
const sentence = (error) =>
  [error.message, error.status && `(HTTP ${error.status})`, error.advice].filter(Boolean).join(' ');

async function loadModels() {
  const request = ++modelsRequest;
  setStatus('Loading models\u2026');
  try {
    const { models, aliases, speech } = await listModels(currentKey());
    if (request !== modelsRequest) return;
    speechModel = speech;
    fillModels(models, aliases, ui.model.value || preferredModel);
    const plural = (/** @type {number} */ n, /** @type {string} */ one, /** @type {string} */ many) =>
      `${n} ${n === 1 ? one : many}`;
    const routed = aliases.length > 0 ? ` and ${plural(aliases.length, 'alias', 'aliases')}` : '';
    setStatus(`${plural(models.length, 'model', 'models')}${routed} available.`);
  } catch (error) {
    if (request !== modelsRequest) return;
    setStatus(
      error instanceof AnswerError ? sentence(error) : `Could not reach the proxy: ${error.message}`,
      true,
    );
  }
}

/** Any failure as an AnswerError: a dropped connection or an unreadable answer gets words too. */
function asAnswerError(/** @type {any} */ error, /** @type {boolean} */ answered) {
  if (error instanceof AnswerError) return error;
  if (error instanceof TypeError)
    return new AnswerError(
      `${answered ? 'The connection to the proxy broke' : 'Could not reach the proxy'}: ${error.message}`,
    );
  return new AnswerError(`The answer could not be read: ${error.message}`);
}

function busy(/** @type {boolean} */ on) {
  ui.send.disabled = on;
  ui.stop.disabled = !on;
}

/**
 * Sends one request and reads its answer into the turn as it arrives. Never throws: a failure
 * is shown in the turn, and the outcome says how it ended.
 * @param {{ url: string, json: string, key: string, stream: boolean }} request
 * @param {ReturnType<typeof addTurn>} turn
 */
async function exchange({ url, json, key, stream }, turn) {
  const started = performance.now();
  const got = { facts: null, usage: null, firstTokenMs: null, answer: '', outcome: 'answered' };
  try {
    const headers = { 'content-type': 'application/json', ...authHeaders(key) };
    const response = await fetch(url, { method: 'POST', headers, body: json, signal: controller?.signal });
    got.facts = proxyFacts(response.headers);
    if (!response.ok) throw await errorOf(response, key !== '');
    if (stream) {
      for await (const piece of streamedAnswer(response.body)) {
        if (piece.usage) got.usage = piece.usage;
        if (!piece.content) continue;
        got.firstTokenMs ??= performance.now() - started;
        got.answer += piece.content;
        turn.append(piece.content);
      }
    } else {
      ({ content: got.answer, usage: got.usage } = await jsonAnswer(response));
      turn.append(got.answer);
    }
  } catch (error) {
    got.outcome = error.name === 'AbortError' ? 'stopped' : 'failed';
    if (got.outcome === 'failed') turn.fail(asAnswerError(error, got.facts !== null));
  }
  return { ...got, totalMs: performance.now() - started };
}

async function send() {
  const prompt = ui.prompt.value.trim();
  const model = ui.model.value;
  if (!prompt || controller) return;
  if (!model) return setStatus('No model to use yet: enter a valid client key to load the list.', true);
  const key = currentKey();
  const stream = ui.stream.checked;
  const temperature = numberIn(ui.temperature);
  const maxTokens = numberIn(ui.maxTokens);
  const system = ui.system.value.trim();
  const json = JSON.stringify(chatBody({ model, system, history, prompt, temperature, maxTokens, stream }));
  const url = new URL('/v1/chat/completions', location.href).href;
  const turn = addTurn(ui.log, { prompt, model, sent: { url, json } });
  const ours = conversation;
  ui.prompt.value = '';
  controller = new AbortController();
  busy(true);
  const got = await exchange({ url, json, key, stream }, turn);
  turn.showFacts(got.facts, got.usage, got);
  // What the user saw, including a stopped partial answer, is what the model sees next time.
  const kept = got.outcome !== 'failed' && got.answer !== '';
  if (kept && ours === conversation)
    history.push({ role: 'user', content: prompt }, { role: 'assistant', content: got.answer });
  if (got.outcome === 'stopped')
    turn.note(kept ? 'Stopped; the partial answer stays in the conversation.' : 'Stopped.');
  if (got.outcome === 'failed') turn.note('Left out of the conversation.');
  if (got.answer !== '' && speechModel) {
    const model = speechModel;
    turn.offerSpeech(() => speak({ key, model, text: got.answer }));
  }
  turn.finish(got.outcome);
  controller = null;
  busy(false);
  const usd = await spentToday(key);
  if (usd !== undefined) turn.showSpent(usd);
}

function newChat() {
  controller?.abort();
  conversation += 1;
  history = [];
  ui.log.replaceChildren();
  ui.prompt.focus();
}

let keyTimer = 0;
// Under npm run dev, on this machine only, the proxy names its development key in a meta tag.
const devKey = /** @type {HTMLMetaElement | null} */ (document.querySelector('meta[name="dev-key"]'));
ui.key.value = stored.get(sessionStorage, KEY_ITEM) || devKey?.content || '';
const preferredModel = restoreSettings();
// On a phone the conversation comes first: the settings fold away once there is a key.
if (PHONE.matches && ui.key.value) ui.settings.open = false;
ui.key.addEventListener('input', () => {
  stored.set(sessionStorage, KEY_ITEM, currentKey());
  clearTimeout(keyTimer);
  keyTimer = setTimeout(loadModels, 300);
});
for (const field of [ui.model, ui.system, ui.temperature, ui.maxTokens, ui.stream])
  field.addEventListener('change', saveSettings);
ui.form.addEventListener('submit', (/** @type {Event} */ event) => {
  event.preventDefault();
  send();
});
ui.prompt.addEventListener('keydown', (/** @type {KeyboardEvent} */ event) => {
  if (event.key !== 'Enter' || event.shiftKey || event.isComposing) return;
  event.preventDefault();
  send();
});
ui.stop.addEventListener('click', () => controller?.abort());
ui.newChat.addEventListener('click', newChat);
summarize();
loadModels();
