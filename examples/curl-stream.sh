#!/usr/bin/env bash
# Streams a chat completion through the proxy with curl; -N prints each SSE event as it arrives.
#   npm run dev                      # in another terminal
#   bash examples/curl-stream.sh "Write a haiku about edge caches"
# PROXY_URL, PROXY_KEY (a client key of the proxy, never your provider key) and MODEL override the
# local defaults.
set -euo pipefail

base_url="${PROXY_URL:-http://127.0.0.1:8787/v1}"
key="${PROXY_KEY:-dev-key-local}"
model="${MODEL:-echo-1}"
prompt="${*:-hello from curl}"
# JSON-escape the prompt (backslashes and double quotes) so any text can be sent.
prompt="${prompt//\\/\\\\}"
prompt="${prompt//\"/\\\"}"

curl -sSN --fail-with-body "$base_url/chat/completions" \
  -H "authorization: Bearer $key" \
  -H 'content-type: application/json' \
  -d "{\"model\":\"$model\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"$prompt\"}]}"
echo
