// @ts-check
// Streams a chat completion through the proxy with the official openai SDK.
//   npm run dev                      # in another terminal
//   node examples/node-stream.mjs "Write a haiku about edge caches"
// PROXY_URL and PROXY_KEY override the local defaults. PROXY_KEY is a client key of the proxy (one
// of its PROXY_KEYS, or a client token), never your provider key: that stays in the proxy.
import OpenAI from 'openai';

const baseURL = process.env['PROXY_URL'] || 'http://127.0.0.1:8787/v1';
const apiKey = process.env['PROXY_KEY'] || 'dev-key-local';
const model = process.env['MODEL'] || 'echo-1';
const prompt = process.argv.slice(2).join(' ') || 'hello from the openai SDK';

const client = new OpenAI({ baseURL, apiKey });
console.error(`Streaming from ${baseURL} (model ${model})…`);
try {
  const stream = await client.chat.completions.create({
    model,
    stream: true,
    messages: [{ role: 'user', content: prompt }],
  });
  for await (const chunk of stream) process.stdout.write(chunk.choices[0]?.delta.content ?? '');
  process.stdout.write('\n');
} catch (error) {
  if (error instanceof OpenAI.AuthenticationError && process.env['PROXY_KEY']) {
    console.error('The proxy rejected the key in PROXY_KEY: unset it to use dev-key-local,');
    console.error("or set it to one of the proxy's PROXY_KEYS (not a provider key).");
  } else if (error instanceof OpenAI.APIConnectionError) {
    console.error(`Cannot reach ${baseURL}: is \`npm run dev\` running?`);
  } else {
    console.error(error instanceof Error ? error.message : error);
  }
  process.exitCode = 1;
}
