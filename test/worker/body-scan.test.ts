// Table tests for the one scan of a request body: nesting depth, duplicate keys where parsers
// disagree, and where the top-level model lies; and the field types the proxy decides on.
import { describe, expect, it } from 'vitest';
import { readJsonBody } from '../../src/http/body';
import { scanJsonBody } from '../../src/http/json-scan';
import { ProxyError } from '../../src/errors';
import { ROUTES } from '../../src/routes';
import { withModel } from '../../src/routing/rewrite-model';
import { readFormFields } from '../../src/http/multipart';

const bytes = (text: string) => new TextEncoder().encode(text);
const modelOf = (text: string) => {
  const span = scanJsonBody(bytes(text)).modelSpan;
  return span && text.slice(span[0], span[1]);
};
const refusal = (text: string) => {
  try {
    scanJsonBody(bytes(text));
    return undefined;
  } catch (error) {
    return error instanceof ProxyError
      ? `${error.status} ${error.code} ${error.details.param ?? ''}`.trim()
      : 'other';
  }
};

describe('scanJsonBody: the model span', () => {
  it.each([
    ['{"model":"gpt-4o","messages":[]}', '"gpt-4o"'],
    ['{ "messages": [{"model":"inner"}], "model" : "gpt-4o" }', '"gpt-4o"'],
    ['{"messages":[{"content":"\\"model\\":\\"fake\\""}],"model":"real"}', '"real"'],
    ['{"meta":{"model":"nested"},"model":"top"}', '"top"'],
    ['{"mod\\u0065l":"escaped-key"}', '"escaped-key"'],
    ['{"model":"with \\"quotes\\" inside"}', '"with \\"quotes\\" inside"'],
    ['{"model":"ends in backslash\\\\"}', '"ends in backslash\\\\"'],
    ['{"model":42}', undefined],
    ['{"messages":[]}', undefined],
    ['["model","x"]', undefined],
    ['{"a":"model","b":"model"}', undefined],
  ])('%s → %s', (text, expected) => expect(modelOf(text)).toBe(expected));
});

describe('scanJsonBody: refusals', () => {
  it.each([
    ['{"model":"a","model":"b"}', '400 duplicate_key model'],
    ['{"model":"a","mod\\u0065l":"b"}', '400 duplicate_key model'],
    ['{"stream_options":{"include_usage":false,"include_usage":true}}', '400 duplicate_key include_usage'],
    ['{"stream_options":{"include_usage":true},"stream_options":{}}', '400 duplicate_key stream_options'],
    [`${'['.repeat(65)}${']'.repeat(65)}`, '400 invalid_json'],
    [`{"a":${'{"b":'.repeat(64)}1${'}'.repeat(64)}}`, '400 invalid_json'],
    ['{"bad key \\q":1}', '400 invalid_json'],
  ])('%s → %s', (text, expected) => expect(refusal(text)).toBe(expected));

  it.each([
    // Duplicates below the top level (but for stream_options) are JSON's business, not the proxy's.
    '{"messages":[{"role":"user","role":"system"}]}',
    '{"metadata":{"a":1,"a":2}}',
    `${'['.repeat(64)}${']'.repeat(64)}`,
    '{"text":"[[[[{{{{ not brackets }}}}]]]]"}',
  ])('lets %s through', (text) => expect(refusal(text)).toBeUndefined());
});

describe('readJsonBody: the fields the proxy decides on have their documented types', () => {
  const chat = ROUTES.find((route) => route.name === 'chat.completions')!;
  const completions = ROUTES.find((route) => route.name === 'completions')!;
  const read = (body: string, route = chat) =>
    readJsonBody(new Request('https://proxy.test/', { method: 'POST', body }), 1 << 20, route).then(
      () => 'ok',
      (error: ProxyError) => `${error.code} ${error.details.param ?? ''}`,
    );
  it.each([
    ['{"model":"m","n":"8"}', chat, 'invalid_type n'],
    ['{"model":"m","n":2.5}', chat, 'invalid_type n'],
    ['{"model":7}', chat, 'invalid_type model'],
    ['{"model":"m","stream":"true"}', chat, 'invalid_type stream'],
    ['{"model":"m","max_tokens":"100"}', chat, 'invalid_type max_tokens'],
    ['{"model":"m","max_completion_tokens":[1]}', chat, 'invalid_type max_completion_tokens'],
    ['{"model":"m","best_of":"3"}', completions, 'invalid_type best_of'],
    ['{"model":"m","stream_options":"yes"}', chat, 'invalid_type stream_options'],
    ['{"model":"m","stream_options":{"include_usage":1}}', chat, 'invalid_type stream_options.include_usage'],
    ['{"model":"m","n":2,"stream":null,"max_tokens":null}', chat, 'ok'],
    ['{"model":"m","best_of":3}', completions, 'ok'],
  ])('%s → %s', async (body, route, expected) => expect(await read(body, route)).toBe(expected));
});

describe('withModel: the span found by the scan is what is rewritten', () => {
  it.each([
    ['{"model":"fast","stream":true}', 'gpt-4o', '{"model":"gpt-4o","stream":true}'],
    ['{"messages":[{"model":"x"}], "model" :"fast"}', 'b', '{"messages":[{"model":"x"}], "model" :"b"}'],
    ['{"mod\\u0065l":"fast"}', 'a"b', '{"mod\\u0065l":"a\\"b"}'],
  ])('%s as %s', (text, model, expected) => {
    const body = { bytes: bytes(text), model: 'fast', modelSpan: scanJsonBody(bytes(text)).modelSpan };
    expect(new TextDecoder().decode(withModel(body, model))).toBe(expected);
  });
});

describe('multipart fields, read from the bytes', () => {
  const type = 'multipart/form-data; boundary=XyZ';
  const bytes = (text: string) => new TextEncoder().encode(text);
  const part = (name: string, value: string, file = false) =>
    `--XyZ\r\nContent-Disposition: form-data; name="${name}"${file ? '; filename="a.wav"' : ''}\r\n\r\n${value}\r\n`;

  it.each([
    [
      'fields before and after a file',
      part('model', 'whisper-1') + part('file', 'RIFF\0\0', true) + part('n', '2') + '--XyZ--\r\n',
      { model: 'whisper-1', n: '2' },
    ],
    ['a closing line break', part('model', 'm') + '--XyZ--\r\n', { model: 'm' }],
    [
      "OkHttp's Content-Length on each part",
      '--XyZ\r\nContent-Disposition: form-data; name="model"\r\nContent-Length: 9\r\n\r\nwhisper-1\r\n--XyZ--',
      { model: 'whisper-1' },
    ],
    [
      "Apache HttpClient's Content-Transfer-Encoding: 8bit",
      '--XyZ\r\nContent-Disposition: form-data; name="model"\r\nContent-Transfer-Encoding: 8bit\r\n\r\nm\r\n--XyZ--',
      { model: 'm' },
    ],
    [
      'a part with a Content-Type and a quoted filename holding a semicolon',
      '--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a; name=model.wav"\r\n' +
        'Content-Type: audio/wav\r\n\r\nRIFF\r\n' +
        part('model', 'm') +
        '--XyZ--',
      { model: 'm' },
    ],
    [
      'a file holding the boundary without a line break before it',
      part('file', 'a--XyZb', true) + part('model', 'm') + '--XyZ--',
      { model: 'm' },
    ],
    ['a field it does not read', part('prompt', 'hi') + part('model', 'm') + '--XyZ--', { model: 'm' }],
    [
      'a file in the one byte past the needle',
      part('file', 'x'.repeat(1000) + '\r', true) + part('model', 'm') + '--XyZ--',
      { model: 'm' },
    ],
  ])('reads %s', (_case, body, fields) => {
    expect(readFormFields(bytes(body), type, ['model', 'n']).fields).toEqual(fields);
  });

  it("gives the model value's byte span", () => {
    const body = bytes(part('file', 'é€', true) + part('model', 'whisper-1') + '--XyZ--');
    const [start, end] = readFormFields(body, type, ['model']).modelSpan!;
    expect(new TextDecoder().decode(body.subarray(start, end))).toBe('whisper-1');
  });

  // Each of these reads as one form to the proxy and another to some parser upstream (checked
  // against python-multipart): the proxy refuses them rather than decide on a field it may not see.
  const disposition = (params: string, value: string) =>
    `--XyZ\r\nContent-Disposition: form-data; ${params}\r\n\r\n${value}\r\n`;
  it.each([
    ['a preamble before the first delimiter', 'ignored\r\n' + part('model', 'm') + '--XyZ--'],
    ['a delimiter inside a preamble line', 'x--XyZ\r\n' + part('model', 'm') + '--XyZ--'],
    ['a name given twice', disposition('name="x"; name="n"', '10') + '--XyZ--'],
    ['an extended name*', disposition(`name="x"; name*=utf-8''model`, 'm') + '--XyZ--'],
    [
      'two Content-Disposition headers',
      '--XyZ\r\nContent-Disposition: form-data; name="x"\r\nContent-Disposition: form-data; name="n"' +
        '\r\n\r\n10\r\n--XyZ--',
    ],
    [
      'a Content-Transfer-Encoding',
      '--XyZ\r\nContent-Disposition: form-data; name="model"\r\nContent-Transfer-Encoding: base64' +
        '\r\n\r\nbQ==\r\n--XyZ--',
    ],
    [
      'a bare line feed inside the headers',
      '--XyZ\r\nContent-Disposition: form-data; name="x"\nContent-Disposition: form-data; name="n"' +
        '\r\n\r\n10\r\n--XyZ--',
    ],
    ['a folded header line', disposition('\r\n name="model"', 'm') + '--XyZ--'],
    ['an unknown disposition parameter', disposition('name="model"; size="1"', 'm') + '--XyZ--'],
    ['an unclosed quote', disposition('name="model', 'm') + '--XyZ--'],
    ['a backslash in a field name', disposition('name="mo\\del"', 'm') + '--XyZ--'],
    [
      'a Content-Length that is not the part’s',
      '--XyZ\r\nContent-Disposition: form-data; name="n"\r\nContent-Length: 1\r\n\r\n10\r\n--XyZ--',
    ],
    ['a part after the closing delimiter', part('pad', '') + '--XyZ--\r\n' + part('model', 'm') + '--XyZ--'],
    ['no closing delimiter', part('model', 'm')],
    ['a part without a name', '--XyZ\r\nContent-Disposition: form-data\r\n\r\nx\r\n--XyZ--'],
    ['no delimiter at all', 'model=m'],
    ['a part without headers', '--XyZ\r\nx\r\n--XyZ--'],
  ])('refuses %s', (_case, body) => {
    expect(() => readFormFields(bytes(body), type, ['model', 'n'])).toThrow(/multipart/);
  });

  it.each([
    ['two boundary parameters', 'multipart/form-data; boundary=AAA; boundary=XyZ'],
    ['two content types joined', 'multipart/form-data; boundary=AAA, multipart/form-data; boundary=XyZ'],
    ['no boundary', 'multipart/form-data'],
    ['a boundary of 71 characters', `multipart/form-data; boundary=${'b'.repeat(71)}`],
    ['another media type', 'multipart/mixed; boundary=XyZ'],
  ])('refuses a content type with %s', (_case, contentType) => {
    const body = bytes(part('model', 'm') + '--XyZ--');
    expect(() => readFormFields(body, contentType, ['model'])).toThrow(/multipart/);
  });

  it('reads a quoted boundary, case-insensitively named', () => {
    const body = bytes(part('model', 'm') + '--XyZ--');
    expect(
      readFormFields(body, 'Multipart/Form-Data; charset=utf-8; BOUNDARY="XyZ"', ['model']).fields,
    ).toEqual({
      model: 'm',
    });
  });

  it.each([
    ['sent as a file', part('n', '10', true) + '--XyZ--'],
    ['longer than 4 KiB', part('n', '0'.repeat(4200) + '10') + '--XyZ--'],
  ])('refuses a decision field %s instead of skipping it', (_case, body) => {
    expect(() => readFormFields(bytes(body), type, ['model', 'n'])).toThrow(
      expect.objectContaining({ status: 400, details: { param: 'n' } }),
    );
  });

  it('reads a filename ending in a backslash, as a browser sends it', () => {
    const body = disposition('name="file"; filename="foo\\"', 'x') + part('model', 'm') + '--XyZ--';
    expect(readFormFields(bytes(body), type, ['model']).fields).toEqual({ model: 'm' });
  });

  it.each([
    ['a part header padded with spaces', disposition('name="x"' + ' '.repeat(200_000) + 'y', 'v')],
    [
      'a disposition type padded with spaces',
      `--XyZ\r\nContent-Disposition: f${' '.repeat(80_000)}x\r\n\r\nv\r\n`,
    ],
  ])('refuses %s (a backtracking scan of it would outlast the test timeout)', (_case, head) => {
    expect(() => readFormFields(bytes(head + part('model', 'm') + '--XyZ--'), type, ['model'])).toThrow(
      /multipart/,
    );
  });

  it('still skips a long field it does not decide on', () => {
    const body = bytes(part('prompt', 'p'.repeat(10_000)) + part('model', 'm') + '--XyZ--');
    expect(readFormFields(body, type, ['model']).fields).toEqual({ model: 'm' });
  });
});
