// Hand-written types for hostile.mjs (plain JS so Node runs it without a build step).

/** The key written in `form` ('verbatim', 'json-escape', 'url', 'base64', 'base64-bearer', 'base64-offset-1', 'base64-offset-2'). */
export function leakedForm(key: string, form: string): string;
