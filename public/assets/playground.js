// The playground's script: streams chat completions from this proxy, the way a web client does.
// No framework, no build step. It holds no secret: the client key is typed in (or, under
// `npm run dev` on loopback only, filled in from a meta tag the Worker adds), kept in
// sessionStorage, and sent only to this origin.
'use strict';
var $ = function (id) {
  return document.getElementById(id);
};
var keyInput = $('key'),
  modelSelect = $('model'),
  form = $('ask'),
  promptInput = $('prompt');
var sendButton = $('send'),
  stopButton = $('stop'),
  statusLine = $('status'),
  log = $('log');
var KEY_ITEM = 'playground.key';
var CHAT_MODEL = /embed|whisper|tts|dall-e|moderation/;
var controller = null;
var modelsRequest = 0;

function remember(value) {
  try {
    if (value) sessionStorage.setItem(KEY_ITEM, value);
    else sessionStorage.removeItem(KEY_ITEM);
  } catch (e) {}
}
function recalled() {
  try {
    return sessionStorage.getItem(KEY_ITEM) || '';
  } catch (e) {
    return '';
  }
}
function setStatus(text, bad) {
  statusLine.textContent = text;
  statusLine.className = bad ? 'bad' : '';
}
function authHeaders() {
  var key = keyInput.value.trim();
  return key ? { authorization: 'Bearer ' + key } : {};
}
function retryAfterSeconds(headers) {
  var seconds = headers.get('retry-after'),
    ms = headers.get('retry-after-ms');
  if (seconds && /^\d+$/.test(seconds)) return Number(seconds);
  if (seconds && !isNaN(Date.parse(seconds)))
    return Math.max(0, Math.ceil((Date.parse(seconds) - Date.now()) / 1000));
  if (ms && /^\d+$/.test(ms)) return Math.ceil(Number(ms) / 100) / 10;
  return null;
}

// Turns an HTTP error into words: 401 and 429 get advice, the rest show OpenAI's error message.
async function describeError(response) {
  var text = await response.text().catch(function () {
    return '';
  });
  var message = '';
  try {
    message = JSON.parse(text).error.message || '';
  } catch (e) {
    message = text.slice(0, 300);
  }
  if (response.status === 401) {
    var advice = keyInput.value.trim()
      ? "Use one of the proxy's client keys (PROXY_KEYS), not a provider key."
      : 'Paste a client key above (npm run dev prints one).';
    return 'The proxy rejected the key (401). ' + advice + (message ? ' The proxy said: ' + message : '');
  }
  if (response.status === 429) {
    var wait = retryAfterSeconds(response.headers);
    return wait === null ? 'Rate limited, retry later.' : 'Rate limited, retry after ' + wait + ' s.';
  }
  return (message || 'The proxy answered without an error message.') + ' (HTTP ' + response.status + ')';
}

async function loadModels() {
  var request = ++modelsRequest;
  setStatus('Loading models\u2026');
  try {
    var response = await fetch('/v1/models', { headers: authHeaders() });
    var problem = response.ok ? null : await describeError(response);
    var body = response.ok ? await response.json() : null;
    if (request !== modelsRequest) return;
    if (problem) return setStatus(problem, true);
    var ids = body.data
      .map(function (m) {
        return m.id;
      })
      .filter(function (id) {
        return !CHAT_MODEL.test(id);
      })
      .sort();
    var previous = modelSelect.value;
    modelSelect.replaceChildren.apply(
      modelSelect,
      ids.map(function (id) {
        return new Option(id, id);
      }),
    );
    modelSelect.value =
      ids.indexOf(previous) >= 0
        ? previous
        : ['gpt-4o-mini', 'echo-1'].find(function (id) {
            return ids.indexOf(id) >= 0;
          }) ||
          ids[0] ||
          '';
    setStatus(ids.length + ' models available. Each prompt is sent on its own, without history.');
  } catch (error) {
    if (request === modelsRequest) setStatus('Could not reach the proxy: ' + error.message, true);
  }
}

// Yields each event's data from a text/event-stream body. Events end at a blank line, which may
// arrive split across chunks; comment lines (":") and other fields are ignored.
async function* sseData(body) {
  var reader = body.pipeThrough(new TextDecoderStream()).getReader();
  var buffer = '',
    data = [];
  try {
    for (;;) {
      var chunk = await reader.read();
      if (chunk.done) return;
      buffer += chunk.value;
      var match;
      // A CR at the very end may be the first half of a CRLF: wait for the next chunk.
      while ((match = /\r\n|\r(?!$)|\n/.exec(buffer))) {
        var line = buffer.slice(0, match.index);
        buffer = buffer.slice(match.index + match[0].length);
        if (line === '') {
          if (data.length) yield data.join('\n');
          data = [];
        } else if (line.startsWith('data:')) data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
      }
    }
  } finally {
    reader.cancel().catch(function () {});
  }
}

function addTurn(prompt, model) {
  var turn = document.createElement('article');
  turn.className = 'turn streaming';
  turn.innerHTML =
    '<p class="prompt"></p><div class="answer" aria-live="polite"></div>' +
    '<p class="meta"><span class="model"></span> \u00b7 cache <span class="cache">\u2026</span>' +
    ' \u00b7 <span class="timing">waiting</span></p><p class="error" hidden></p><p class="note" hidden></p>';
  turn.querySelector('.prompt').textContent = prompt;
  turn.querySelector('.model').textContent = model;
  log.append(turn);
  turn.scrollIntoView({ block: 'nearest' });
  return {
    element: turn,
    answer: turn.querySelector('.answer'),
    cache: turn.querySelector('.cache'),
    timing: turn.querySelector('.timing'),
    fail: function (text) {
      var e = turn.querySelector('.error');
      e.textContent = text;
      e.hidden = false;
    },
    note: function (text) {
      var n = turn.querySelector('.note');
      n.textContent = text;
      n.hidden = false;
    },
  };
}

function ms(value) {
  return value === null ? '\u2014' : Math.round(value) + ' ms';
}

async function send() {
  var prompt = promptInput.value.trim(),
    model = modelSelect.value;
  if (!prompt || controller) return;
  if (!model) return setStatus('No model to use yet: enter a valid client key to load the list.', true);
  var turn = addTurn(prompt, model);
  promptInput.value = '';
  controller = new AbortController();
  sendButton.disabled = true;
  stopButton.disabled = false;
  var started = performance.now(),
    firstToken = null,
    finished = false;
  try {
    var response = await fetch('/v1/chat/completions', {
      method: 'POST',
      headers: Object.assign({ 'content-type': 'application/json' }, authHeaders()),
      body: JSON.stringify({ model: model, stream: true, messages: [{ role: 'user', content: prompt }] }),
      signal: controller.signal,
    });
    turn.cache.textContent = response.headers.get('x-cache') || '\u2014';
    if (!response.ok) throw new Error(await describeError(response));
    for await (var data of sseData(response.body)) {
      if (data === '[DONE]') {
        finished = true;
        break;
      }
      var event = JSON.parse(data);
      if (event.error)
        throw new Error('The stream reported an error: ' + (event.error.message || 'unknown error'));
      var choice = event.choices && event.choices[0];
      var delta = choice && choice.delta && choice.delta.content;
      if (!delta) continue;
      if (firstToken === null) firstToken = performance.now() - started;
      turn.answer.append(delta);
    }
    if (!finished) turn.fail('The stream ended before [DONE]; the answer may be incomplete.');
  } catch (error) {
    if (error.name === 'AbortError') turn.note('Stopped.');
    else if (error instanceof TypeError) {
      turn.fail(
        (response ? 'The connection to the proxy broke: ' : 'Could not reach the proxy: ') + error.message,
      );
    } else turn.fail(error.message);
  } finally {
    turn.timing.textContent =
      'first token ' + ms(firstToken) + ' \u00b7 total ' + ms(performance.now() - started);
    turn.element.classList.remove('streaming');
    turn.element.dataset.state = 'done';
    controller = null;
    sendButton.disabled = false;
    stopButton.disabled = true;
  }
}

var keyTimer;
// Under npm run dev, on this machine only, the proxy names its development key in a meta tag.
var devKey = document.querySelector('meta[name="dev-key"]');
keyInput.value = recalled() || (devKey ? devKey.content : '');
keyInput.addEventListener('input', function () {
  remember(keyInput.value.trim());
  clearTimeout(keyTimer);
  keyTimer = setTimeout(loadModels, 300);
});
form.addEventListener('submit', function (event) {
  event.preventDefault();
  send();
});
promptInput.addEventListener('keydown', function (event) {
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    send();
  }
});
stopButton.addEventListener('click', function () {
  if (controller) controller.abort();
});
loadModels();
