#!/usr/bin/env python3
"""The plain printer: the cheapest client that still shows a stream as it arrives.

Reads an OpenAI-compatible chat stream (SSE) and writes each reasoning delta (dim) and each
answer delta to the terminal as it comes, with no Markdown, wrapping or layout. benches/run
measures every other client against it.

    printer.py BASE_URL MODEL PROMPT
"""

import http.client
import json
import sys
import urllib.parse


def main() -> int:
    base, model, prompt = sys.argv[1], sys.argv[2], sys.argv[3]
    url = urllib.parse.urlsplit(base.rstrip("/") + "/chat/completions")
    conn = http.client.HTTPConnection(url.hostname, url.port or 80)
    body = json.dumps(
        {
            "model": model,
            "stream": True,
            "messages": [{"role": "user", "content": prompt}],
        }
    )
    conn.request(
        "POST",
        url.path,
        body=body,
        headers={"Content-Type": "application/json", "Authorization": "Bearer bench"},
    )
    resp = conn.getresponse()
    if resp.status != 200:
        sys.stderr.write(f"HTTP {resp.status}: {resp.read()[:200]!r}\n")
        return 1
    out = sys.stdout
    in_reasoning = False
    for raw in resp:
        line = raw.strip()
        if not line.startswith(b"data:"):
            continue
        data = line[5:].strip()
        if data == b"[DONE]":
            break
        for choice in json.loads(data).get("choices") or []:
            delta = choice.get("delta") or {}
            reasoning = delta.get("reasoning_content")
            if reasoning:
                if not in_reasoning:
                    out.write("\x1b[2m")
                    in_reasoning = True
                out.write(reasoning)
            content = delta.get("content")
            if content:
                if in_reasoning:
                    out.write("\x1b[0m\n\n")
                    in_reasoning = False
                out.write(content)
            out.flush()
    out.write("\x1b[0m\n")
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
