// Rewrites the top-level `"model"` of a JSON body in place, so an attempt re-sends the client's
// bytes verbatim but for the model name an alias or prefix resolved to.
import { scanJsonBody } from '../http/json-scan';

const encoder = new TextEncoder();

/** A body to forward, the model it names, and where that model's string lies (if known). */
export interface ForwardBody {
  readonly bytes: Uint8Array;
  readonly model: string;
  readonly modelSpan: readonly [number, number] | undefined;
  /** A multipart form's content type: its model is a plain field value, not a JSON string. */
  readonly formType?: string | undefined;
}

/** `body`'s bytes with the top-level model replaced; the very same bytes when it already is `model`. */
export function withModel(body: ForwardBody, model: string): Uint8Array {
  if (model === body.model) return body.bytes;
  const span = body.modelSpan ?? (body.formType ? undefined : scanJsonBody(body.bytes).modelSpan);
  if (!span) return body.bytes;
  const value = encoder.encode(body.formType ? model : JSON.stringify(model));
  const [start, end] = span;
  const rewritten = new Uint8Array(body.bytes.length - (end - start) + value.length);
  rewritten.set(body.bytes.subarray(0, start));
  rewritten.set(value, start);
  rewritten.set(body.bytes.subarray(end), start + value.length);
  return rewritten;
}
