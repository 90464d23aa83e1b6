// Model allow-lists, shared by ALLOWED_MODELS and a client token's `models` claim.

/**
 * True when `model` is named exactly, or starts with a pattern's text before a trailing `*`
 * (`gpt-4o*` matches `gpt-4o-mini`; a lone `*` matches everything). A `*` anywhere else is literal.
 * An empty list matches nothing: deciding that "unset" means "all" is the caller's job.
 */
export function modelAllowed(model: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) =>
    pattern.endsWith('*') ? model.startsWith(pattern.slice(0, -1)) : model === pattern,
  );
}
