// Hand-written types for server.mjs (plain JS so Node runs it without a build step).

export interface MockUpstreamOptions {
  /** Default 0 (ephemeral). */
  port?: number | undefined;
  /** Default '127.0.0.1'. */
  host?: string | undefined;
  /** When set, /v1 requests need `Authorization: Bearer <apiKey>`, else 401 echoing the received key. */
  apiKey?: string | undefined;
  /** Pause between streamed words of the echo model. Default 0; model `echo-slow` always uses 150. */
  wordDelayMs?: number | undefined;
  /** The name `x_mock.failOn` refers to, so one body can fail on one mock and succeed on another. Default 'mock'. */
  name?: string | undefined;
  /**
   * Replaces the model catalogue: only these ids (and their dated snapshots `-YYYY-MM-DD` and
   * fine-tunes `ft:<id>:…`) are served, and GET /v1/models lists exactly these. By default the
   * mock lists echo-1, echo-slow, text-embedding-echo and also serves (unlisted) echo-2 and the
   * real OpenAI model ids (gpt-4o, gpt-4o-mini, o3, whisper-1, dall-e-3, …).
   */
  models?: readonly string[] | undefined;
  /** Added to the catalogue (default or `models`), served and listed. */
  extraModels?: readonly string[] | undefined;
}

export interface RecordedRequest {
  method: string;
  /** Path including the query string. */
  path: string;
  /** Lower-cased names, as received (repeated headers joined with ", "). */
  headers: Record<string, string>;
  /** Raw body text as received (UTF-8 decoded). */
  body: string;
  /** Raw body bytes as received, e.g. to check a multipart upload was forwarded byte for byte. */
  bodyBytes: Buffer;
  /**
   * Body's `user` if a string, else `x_mock.tag`, else the id of GET /v1/models/{id}; else null.
   * Multipart bodies: the `user` field, else the `tag` of an `x_mock` field holding JSON.
   */
  tag: string | null;
  /** The client closed the connection before the mock finished responding. */
  aborted: boolean;
  /** The response was fully written. */
  finished: boolean;
  /** performance.now() (mock's process) at each content-chunk write; only `chunks` and `gated` fill it, indexed by `seq`. */
  sentAt: number[];
}

/** A record as GET /__mock/requests returns it: the raw bytes as base64. */
export type RecordedRequestJson = Omit<RecordedRequest, 'bodyBytes'> & { bodyBase64: string };

export interface MockUpstream {
  /** Base URL including /v1, e.g. http://127.0.0.1:12345/v1 */
  url: string;
  port: number;
  /** Every /v1 (non-control) request in arrival order; a live array. */
  requests: RecordedRequest[];
  /** Closes the server and destroys open sockets (ending stalled/gated streams). */
  close(): Promise<void>;
}

export function startMockUpstream(options?: MockUpstreamOptions): Promise<MockUpstream>;

/** The exact response body bytes of the `split` scenario. */
export function splitScenarioBytes(): Uint8Array;

/** Offsets at which the `split` scenario cuts those bytes into separate writes (unless `x_mock.splitAt`). */
export function splitScenarioOffsets(): number[];
