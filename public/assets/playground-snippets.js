// The request a turn sent, as code to run elsewhere: curl, Node or Python (both with the official
// `openai` package). The body is the one sent; the key is always the PROXY_KEY environment
// variable, never the key typed into the page.

/** @typedef {{ url: string, json: string }} SentRequest the endpoint's full URL and the exact body sent */
/** @typedef {'curl' | 'node' | 'python'} Format */

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const WIDTH = 80;
const KEY_NOTE = 'PROXY_KEY is a client key of this proxy (never a provider key).';

/**
 * A JSON value as JavaScript or Python source: JSON's strings and numbers (valid in both), the
 * language's own true/false/null, and short arrays and objects kept on one line.
 * @param {unknown} value @param {'js' | 'py'} lang @param {string} indent
 * @returns {string}
 */
function literal(value, lang, indent) {
  if (value === null) return lang === 'py' ? 'None' : 'null';
  if (typeof value === 'boolean') return lang === 'py' ? (value ? 'True' : 'False') : String(value);
  if (typeof value !== 'object') return JSON.stringify(value);
  const inner = indent + (lang === 'py' ? '    ' : '  ');
  const isList = Array.isArray(value);
  const parts = isList
    ? value.map((item) => literal(item, lang, inner))
    : Object.entries(value).map(([key, item]) => {
        const name = lang === 'js' && IDENTIFIER.test(key) ? key : JSON.stringify(key);
        return `${name}: ${literal(item, lang, inner)}`;
      });
  const [open, close] = isList ? ['[', ']'] : ['{', '}'];
  const pad = !isList && lang === 'js' ? ' ' : '';
  const oneLine = `${open}${pad}${parts.join(', ')}${pad}${close}`;
  if (parts.length === 0 || (indent.length + oneLine.length < WIDTH && !oneLine.includes('\n')))
    return oneLine;
  return `${open}\n${parts.map((part) => `${inner}${part},`).join('\n')}\n${indent}${close}`;
}

/** @param {string} text */
const shellQuote = (text) => `'${text.replace(/'/g, `'\\''`)}'`;

/** @param {SentRequest} sent @param {boolean} stream */
function curl(sent, stream) {
  return [
    `curl${stream ? ' -N' : ''} ${shellQuote(sent.url)} \\`,
    `  -H "authorization: Bearer $PROXY_KEY" \\`,
    `  -H 'content-type: application/json' \\`,
    `  -d ${shellQuote(sent.json)}`,
  ].join('\n');
}

/** @param {SentRequest} sent @param {Record<string, unknown>} body @param {boolean} stream */
function node(sent, body, stream) {
  const baseURL = JSON.stringify(sent.url.replace(/\/chat\/completions$/, ''));
  const call = `await client.chat.completions.create(${literal(body, 'js', '')});`;
  return [
    `// npm install openai. ${KEY_NOTE}`,
    `import OpenAI from 'openai';`,
    '',
    `const client = new OpenAI({ baseURL: ${baseURL}, apiKey: process.env.PROXY_KEY });`,
    ...(stream
      ? [
          `const stream = ${call}`,
          `for await (const chunk of stream) process.stdout.write(chunk.choices[0]?.delta?.content ?? '');`,
        ]
      : [`const completion = ${call}`, 'console.log(completion.choices[0].message.content);']),
  ].join('\n');
}

/** @param {SentRequest} sent @param {Record<string, unknown>} body @param {boolean} stream */
function python(sent, body, stream) {
  const baseURL = JSON.stringify(sent.url.replace(/\/chat\/completions$/, ''));
  const args = Object.entries(body).map(([key, value]) => `    ${key}=${literal(value, 'py', '    ')},`);
  const call = ['client.chat.completions.create(', ...args, ')'].join('\n');
  return [
    `# pip install openai. ${KEY_NOTE}`,
    'import os',
    '',
    'from openai import OpenAI',
    '',
    `client = OpenAI(base_url=${baseURL}, api_key=os.environ["PROXY_KEY"])`,
    ...(stream
      ? [
          `stream = ${call}`,
          'for chunk in stream:',
          '    if chunk.choices:',
          '        print(chunk.choices[0].delta.content or "", end="", flush=True)',
          'print()',
        ]
      : [`completion = ${call}`, 'print(completion.choices[0].message.content)']),
  ].join('\n');
}

/**
 * The sent request as a runnable snippet.
 * @example snippet('curl', { url: 'http://127.0.0.1:8787/v1/chat/completions', json: '{"model":"echo-1"}' })
 * @param {Format} format @param {SentRequest} sent
 * @returns {string}
 */
export function snippet(format, sent) {
  const body = JSON.parse(sent.json);
  const stream = body.stream === true;
  if (format === 'curl') return curl(sent, stream);
  return format === 'node' ? node(sent, body, stream) : python(sent, body, stream);
}
