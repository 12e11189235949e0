"""A misbehaving OpenAI-compatible model server for scripts/reliability/faults.sh
(standard library only).

  fake_openai.py PORT LOG.jsonl

POST /v1/chat/completions (whole, or `stream: true` as SSE chunks ending in
`data: [DONE]`) and POST /v1/embeddings. How it answers:

  * a `[fault:MODE]` marker anywhere in the messages picks the behaviour of
    that request, so several faults can run side by side:
      ok        a normal answer
      slow      a normal answer, streamed slowly (FAKE_OPENAI_CHUNK_DELAY)
      hang      accepts the request and never answers (until the client leaves)
      http500   500 with an OpenAI-style error body
      cut       streams a few chunks, then closes the connection without [DONE]
                (whole answers: a truncated JSON body)
      stall     streams one chunk, then sends nothing more (stream read timeout)
      flaky     500 for the first FAKE_OPENAI_FLAKY_FAILS requests carrying the
                same message, then normal answers (a retry succeeds)
  * without a marker, the mode set by POST /_control {"mode": ...} (default
    from FAKE_OPENAI_MODE, else `slow`).

GET /_stats: requests per mode and outcome. Every request is one JSON line in
LOG.jsonl (time, mode, stream, outcome).
"""

import json
import os
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CHUNK_DELAY = float(os.environ.get("FAKE_OPENAI_CHUNK_DELAY", "0.15"))
CHUNKS = int(os.environ.get("FAKE_OPENAI_CHUNKS", "8"))
FLAKY_FAILS = int(os.environ.get("FAKE_OPENAI_FLAKY_FAILS", "2"))
MARKER = re.compile(r"\[fault:([a-z0-9]+)\]")

state = {"mode": os.environ.get("FAKE_OPENAI_MODE", "slow")}
lock = threading.Lock()
stats = {}
flaky_seen = {}
log_fh = None


def record(mode, stream, outcome, started):
    with lock:
        key = f"{mode}:{outcome}"
        stats[key] = stats.get(key, 0) + 1
        if log_fh:
            log_fh.write(json.dumps({"t": round(time.time(), 3), "mode": mode, "stream": stream,
                                     "outcome": outcome, "secs": round(time.time() - started, 3)}) + "\n")
            log_fh.flush()


ANSWER = ("The repository keeps its entry point in `src/main.py` (README.md:L1-L3). "
          "Configuration is read from the environment, as the README explains. "
          "Run the tests with the command the README gives.")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_json(self, code, obj, close=False):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if close:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path.startswith("/_stats"):
            with lock:
                self.send_json(200, {"mode": state["mode"], "stats": dict(stats)})
        elif self.path.startswith("/v1/models"):
            self.send_json(200, {"object": "list", "data": [{"id": "fake-model", "object": "model"}]})
        else:
            self.send_json(404, {"error": {"message": "not found"}})

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_POST(self):
        raw = self.read_body()
        if self.path.startswith("/_control"):
            req = json.loads(raw or b"{}")
            with lock:
                state["mode"] = req.get("mode", state["mode"])
            return self.send_json(200, {"mode": state["mode"]})
        try:
            req = json.loads(raw or b"{}")
        except ValueError:
            return self.send_json(400, {"error": {"message": "invalid JSON"}})
        if self.path.rstrip("/").endswith("/embeddings"):
            return self.embeddings(req)
        if not self.path.rstrip("/").endswith("/chat/completions"):
            return self.send_json(404, {"error": {"message": "not found"}})
        self.chat(req)

    def embeddings(self, req):
        texts = req.get("input") or []
        if isinstance(texts, str):
            texts = [texts]
        data = []
        for i, t in enumerate(texts):
            v = [0.0] * 384
            for j, ch in enumerate(t.encode()[:2000]):
                v[(ch + j) % 384] += 1.0
            norm = sum(x * x for x in v) ** 0.5 or 1.0
            data.append({"object": "embedding", "index": i, "embedding": [x / norm for x in v]})
        self.send_json(200, {"object": "list", "data": data, "model": req.get("model", "fake-embed"),
                             "usage": {"prompt_tokens": 1, "total_tokens": 1}})

    def chat(self, req):
        started = time.time()
        text = json.dumps(req.get("messages") or [])
        m = MARKER.search(text)
        with lock:
            mode = m.group(1) if m else state["mode"]
        stream = bool(req.get("stream"))
        if mode == "flaky":
            with lock:
                n = flaky_seen.get(text, 0)
                flaky_seen[text] = n + 1
            if n < FLAKY_FAILS:
                record(mode, stream, "500", started)
                return self.send_json(500, {"error": {"message": "flaky upstream failure", "type": "server_error"}})
            mode = "ok"
        if mode == "http500":
            record(mode, stream, "500", started)
            return self.send_json(500, {"error": {"message": "the model server failed", "type": "server_error"}})
        if mode == "hang":
            record(mode, stream, "hang-start", started)
            self.hang()
            record(mode, stream, "hang-left", started)
            return
        model = req.get("model") or "fake-model"
        delay = CHUNK_DELAY if mode == "slow" else 0.0
        if not stream:
            if delay:
                time.sleep(delay * CHUNKS)
            body = {"id": "chatcmpl-fake", "object": "chat.completion", "model": model,
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": ANSWER},
                                 "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 20, "completion_tokens": 30, "total_tokens": 50}}
            if mode == "cut":
                raw = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw[: len(raw) // 2])
                self.wfile.flush()
                self.close_connection = True
                record(mode, stream, "cut", started)
                return
            record(mode, stream, "ok", started)
            return self.send_json(200, body)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        words = ANSWER.split(" ")
        per = max(1, len(words) // CHUNKS)
        pieces = [" ".join(words[i:i + per]) + " " for i in range(0, len(words), per)]
        try:
            for i, piece in enumerate(pieces):
                if mode == "cut" and i == 3:
                    self.wfile.flush()
                    record(mode, stream, "cut", started)
                    return  # the connection closes: no [DONE]
                if mode == "stall" and i == 1:
                    record(mode, stream, "stall-start", started)
                    self.hang()
                    record(mode, stream, "stall-left", started)
                    return
                chunk = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "model": model,
                         "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()
                if delay:
                    time.sleep(delay)
            last = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "model": model,
                    "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 20, "completion_tokens": 30, "total_tokens": 50}}
            self.wfile.write(f"data: {json.dumps(last)}\n\ndata: [DONE]\n\n".encode())
            self.wfile.flush()
            record(mode, stream, "ok", started)
        except (BrokenPipeError, ConnectionResetError):
            record(mode, stream, "client-left", started)

    def hang(self):
        """Holds the connection open, sending nothing, until the client leaves
        (or 10 minutes pass)."""
        import select
        deadline = time.time() + 600
        sock = self.connection
        while time.time() < deadline:
            r, _, _ = select.select([sock], [], [], 0.5)
            if r:
                try:
                    if not sock.recv(1, 0x40 | 0x2):  # MSG_DONTWAIT | MSG_PEEK: EOF
                        return
                except BlockingIOError:
                    pass
                except OSError:
                    return
                time.sleep(0.2)


def main():
    global log_fh
    port = int(sys.argv[1])
    log_fh = open(sys.argv[2], "a", encoding="utf-8") if len(sys.argv) > 2 else None
    srv = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    srv.daemon_threads = True
    print(f"fake_openai: listening on 127.0.0.1:{port}", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
