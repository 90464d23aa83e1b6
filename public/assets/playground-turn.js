// One turn of the conversation on screen: the message, the answer as it arrives, what the proxy
// did, and the request as code. Text always goes in as textContent, never as HTML.
import { usd as dollars } from './money.js';
import { snippet } from './playground-snippets.js';

const count = new Intl.NumberFormat('en');
const ms = (/** @type {number} */ value) => `${Math.round(value)} ms`;

/**
 * A limit or what is left of it. Dollars left are rounded down to the cent, so the page never
 * shows more than is left ($4.9958 is $4.99).
 * @param {string} unit @param {string} value
 */
function amount(unit, value) {
  const n = Number(value);
  if (unit !== 'usd') return count.format(n);
  return dollars(n >= 1 ? Math.floor(n * 100) / 100 : n);
}

/** @typedef {ReturnType<typeof import('./playground-chat.js').proxyFacts>} ProxyFacts */
/** @typedef {Array<[string, string, string?]>} Facts name, value, and a class for the value */

/**
 * What the proxy did for this answer, in order; only what is known.
 * @param {ProxyFacts | null} facts
 * @param {{ prompt_tokens?: number, completion_tokens?: number } | null} usage
 * @param {{ firstTokenMs: number | null, totalMs: number }} timing
 * @returns {Facts}
 */
function answerFacts(facts, usage, timing) {
  /** @type {Facts} */
  const list = [];
  if (facts?.cache) {
    const source = facts.cacheSource ? ` · ${facts.cacheSource}` : '';
    list.push(['cache', facts.cache + source, facts.cache === 'HIT' ? 'hit' : '']);
  }
  if (facts?.upstream) {
    const attempts = Number(facts.attempts || 1);
    list.push(['upstream', `${facts.upstream} · ${attempts} attempt${attempts === 1 ? '' : 's'}`]);
  }
  if (usage) {
    const [input, output] = [usage.prompt_tokens ?? 0, usage.completion_tokens ?? 0].map(count.format);
    list.push(['tokens', `${input} in · ${output} out`]);
  }
  if (timing.firstTokenMs !== null) list.push(['first token', ms(timing.firstTokenMs)]);
  list.push(['total', ms(timing.totalMs)]);
  if (facts?.requestId) list.push(['request id', facts.requestId]);
  return list;
}

/** What the caller has left after this answer: only the limits its rate-limit headers name. */
function allowance(/** @type {ProxyFacts | null} */ facts) {
  return (facts?.limits ?? []).map(({ unit, limit, remaining, reset }) => {
    const resets = reset ? ` · resets in ${reset}` : '';
    /** @type {[string, string]} */
    const fact = [
      `${unit === 'usd' ? 'USD' : unit} left`,
      `${amount(unit, remaining)} of ${amount(unit, limit)}${resets}`,
    ];
    return fact;
  });
}

/** @param {string} name @param {string} value @param {string} [className] */
function factElement(name, value, className) {
  const row = document.createElement('div');
  row.className = 'fact';
  row.dataset.fact = name;
  const label = document.createElement('dt');
  label.textContent = name;
  const text = document.createElement('dd');
  text.textContent = value;
  if (className) text.className = className;
  row.append(label, text);
  return row;
}

/** The copy-as buttons: each shows its snippet below the answer and puts it on the clipboard. */
function wireSnippets(
  /** @type {HTMLElement} */ turn,
  /** @type {import('./playground-snippets.js').SentRequest} */ sent,
) {
  const box = /** @type {HTMLElement} */ (turn.querySelector('.snippet'));
  const said = /** @type {HTMLElement} */ (turn.querySelector('.copied'));
  for (const button of turn.querySelectorAll('button[data-format]')) {
    button.addEventListener('click', async () => {
      const format = /** @type {import('./playground-snippets.js').Format} */ (button.dataset.format);
      box.textContent = snippet(format, sent);
      box.dataset.format = format;
      box.hidden = false;
      try {
        await navigator.clipboard.writeText(box.textContent);
        said.textContent = 'Copied.';
      } catch {
        said.textContent = 'Shown below; select it to copy.';
      }
    });
  }
}

/**
 * Adds a turn to the conversation and returns the handle that fills it in.
 * @param {HTMLElement} log
 * @param {{ prompt: string, model: string, sent: import('./playground-snippets.js').SentRequest }} request
 */
export function addTurn(log, { prompt, model, sent }) {
  const template = /** @type {HTMLTemplateElement} */ (document.getElementById('turn-template'));
  const turn = /** @type {HTMLElement} */ (template.content.firstElementChild.cloneNode(true));
  const part = (/** @type {string} */ selector) => /** @type {HTMLElement} */ (turn.querySelector(selector));
  part('.user .text').textContent = prompt;
  part('.model').textContent = model;
  turn.dataset.state = 'streaming';
  wireSnippets(turn, sent);
  log.append(turn);
  turn.scrollIntoView({ block: 'nearest' });
  return {
    /** @param {string} text */
    append(text) {
      part('.answer').append(text);
    },
    /** @param {import('./playground-chat.js').AnswerError} error */
    fail(error) {
      const said = [error.status && `HTTP ${error.status}`, error.code && `code ${error.code}`, error.advice];
      const details = document.createElement('small');
      details.textContent = said.filter(Boolean).join(' · ');
      part('.error').replaceChildren(error.message, details);
      part('.error').hidden = false;
    },
    /** @param {string} text */
    note(text) {
      part('.note').textContent = text;
      part('.note').hidden = false;
    },
    /**
     * Shows what the proxy did (before the cost slot) and what the caller has left.
     * @param {ProxyFacts | null} facts @param {Parameters<typeof answerFacts>[1]} usage
     * @param {Parameters<typeof answerFacts>[2]} timing
     */
    showFacts(facts, usage, timing) {
      const toElements = (/** @type {Facts} */ list) =>
        list.map(([name, value, className]) => factElement(name, value, className));
      part('[data-fact="cost"]').before(...toElements(answerFacts(facts, usage, timing)));
      const limits = allowance(facts);
      part('.limits').replaceChildren(...toElements(limits));
      part('.limits').hidden = limits.length === 0;
    },
    /** @param {number} usd */
    showSpent(usd) {
      const costSlot = part('[data-fact="cost"]');
      /** @type {HTMLElement} */ (costSlot.querySelector('dd')).textContent = dollars(usd);
      costSlot.hidden = false;
    },
    /**
     * Offers "Listen": reads the answer aloud with the audio `fetchAudio` brings, in a player
     * under the answer. A failure is said next to the button, in OpenAI's words.
     * @param {() => Promise<Blob>} fetchAudio
     */
    offerSpeech(fetchAudio) {
      const button = /** @type {HTMLButtonElement} */ (part('button.listen'));
      const said = part('.copied');
      button.hidden = false;
      button.addEventListener('click', async () => {
        button.disabled = true;
        said.textContent = 'Asking for speech\u2026';
        try {
          const audio = document.createElement('audio');
          audio.controls = true;
          audio.src = URL.createObjectURL(await fetchAudio());
          part('.speech').replaceChildren(audio);
          part('.speech').hidden = false;
          said.textContent = '';
          // A browser may refuse to play without a gesture it trusts; the controls remain.
          await audio.play().catch(() => {});
        } catch (error) {
          const details = /** @type {any} */ (error);
          said.textContent = [details.message, details.status && `(HTTP ${details.status})`]
            .filter(Boolean)
            .join(' ');
          button.disabled = false;
        }
      });
    },
    /** @param {'answered' | 'stopped' | 'failed'} outcome */
    finish(outcome) {
      turn.dataset.state = 'done';
      turn.dataset.outcome = outcome;
      turn.scrollIntoView({ block: 'nearest' });
    },
  };
}
