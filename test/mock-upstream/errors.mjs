// @ts-check
// OpenAI's error bodies, word for word where the wording is known: clients and proxies match on
// `code`, `param` and sometimes the message, so a paraphrase would hide a real bug.

/**
 * @param {string} message @param {string} type
 * @param {string | null} [param] @param {string | null} [code]
 */
export const errorBody = (message, type, param = null, code = null) => ({
  error: { message, type, param, code },
});

/** @param {string} message @param {string | null} [param] @param {string | null} [code] */
const invalid = (message, param = null, code = null) =>
  errorBody(message, 'invalid_request_error', param, code);

/** How OpenAI quotes a rejected value: strings in single quotes, other values bare. */
const quoted = (/** @type {unknown} */ value) => (typeof value === 'string' ? `'${value}'` : String(value));

export const errors = {
  /** @param {string} method @param {string} path */
  invalidUrl: (method, path) => invalid(`Invalid URL (${method} ${path})`),
  invalidJson: () =>
    invalid(
      "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
    ),
  /** A multipart route that got a body it cannot split into parts. */
  invalidMultipart: () => invalid('Could not parse multipart form'),
  /** @param {string} name */
  missingParam: (name) =>
    invalid(`Missing required parameter: '${name}'.`, name, 'missing_required_parameter'),
  /** Real OpenAI rejects this, which bites proxies that inject include_usage everywhere. */
  streamOptionsWithoutStream: () =>
    invalid("The 'stream_options' parameter is only allowed when 'stream' is enabled.", 'stream_options'),
  /** @param {string} param @param {unknown} value e.g. `stream: true` on whisper-1 */
  unsupportedValue: (param, value) =>
    invalid(
      `Unsupported value: '${param}' does not support ${quoted(value)} with this model.`,
      param,
      'unsupported_value',
    ),
  /**
   * GET /v1/models/{id} and a request naming a model word it differently; both are real.
   * @param {string} id
   */
  modelNotFound: (id) => invalid(`The model '${id}' does not exist`, 'model', 'model_not_found'),
  /** @param {string} id */
  unknownModel: (id) =>
    invalid(`The model \`${id}\` does not exist or you do not have access to it.`, null, 'model_not_found'),
  /** @param {string} id */
  responseNotFound: (id) => invalid(`Response with id '${id}' not found.`),
  /** A 400, not a 404: the request is what is wrong. @param {string} id */
  previousResponseNotFound: (id) =>
    invalid(
      `Previous response with id '${id}' not found.`,
      'previous_response_id',
      'previous_response_not_found',
    ),
  mutuallyExclusive: () =>
    invalid(
      "Mutually exclusive parameters: Ensure you are only providing one of: 'previous_response_id' or 'conversation'.",
      null,
      'mutually_exclusive_parameters',
    ),
  /** @param {string} id */
  conversationNotFound: (id) => invalid(`Conversation with id '${id}' not found.`),
  /** @param {string} id */
  itemNotFound: (id) => invalid(`Item with id '${id}' not found.`),
  notBackground: () => invalid('Only responses created with background=true can be cancelled.'),
  /** @param {string} status */
  notCancellable: (status) => invalid(`Cannot cancel a response with status '${status}'.`),
  /**
   * Echoes the received key in full on purpose: the proxy under test must redact it.
   * @param {string | null} key
   */
  auth: (key) =>
    key === null
      ? invalid(
          "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username. You can obtain an API key from https://platform.openai.com/account/api-keys.",
        )
      : invalid(
          `Incorrect API key provided: ${key}. You can find your API key at https://platform.openai.com/account/api-keys.`,
          null,
          'invalid_api_key',
        ),
  /** @param {number} status */
  forStatus: (status) => {
    if (status === 429)
      return errorBody(
        'Rate limit reached for requests (mock). Please try again in 20ms.',
        'requests',
        null,
        'rate_limit_exceeded',
      );
    if (status >= 500)
      return errorBody(
        status === 503
          ? 'The engine is currently overloaded, please try again later.'
          : 'The server had an error while processing your request. Sorry about that!',
        'server_error',
      );
    if (status === 401) return errors.auth('sk-mock-invalid');
    if (status === 404) return invalid('Not found (mock).', null, 'not_found');
    return invalid(`Mock error with status ${status}.`);
  },
};
