"""A GitHub-API-compatible forge with a git smart-HTTP server, for
scripts/reliability/faults.sh (standard library + `git http-backend`).

  fake_forge.py PORT GIT_ROOT LOG.jsonl

  * git over HTTP: http://127.0.0.1:PORT/OWNER/NAME.git (bare repositories in
    GIT_ROOT/OWNER/NAME.git), clone/fetch and push, through `git
    http-backend`. Every push's ref updates are recorded.
  * the REST API at http://127.0.0.1:PORT/api/v3 (MORNINGAI_FORGE_API_URL):
      POST /api/v3/repos/O/N/pulls            opens a pull request; like
           GitHub, 422 "A pull request already exists for O:HEAD." when an
           open one has the same head and base, 422 when the head branch
           does not exist. FAKE_FORGE_PR_DELAY seconds pass between recording
           the pull request and answering (a slow forge: widens the window in
           which a killed worker has opened a pull request but not saved it).
      GET /api/v3/repos/O/N/pulls?head=O:BRANCH   the open pull requests
           (of that head), as GitHub lists them
      POST /api/v3/repos/O/N/issues/NUM/labels
  * GET /_stats: every pull request, every attempt (with its answer), every
    pushed ref update, and which pull requests are being answered right now.

Tokens: requests must carry FAKE_FORGE_TOKEN (Bearer for the API, Basic
x-access-token:TOKEN for git) when it is set; otherwise 401.
"""

import base64
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PR_DELAY = float(os.environ.get("FAKE_FORGE_PR_DELAY", "0"))
TOKEN = os.environ.get("FAKE_FORGE_TOKEN", "")

lock = threading.Lock()
prs = []            # opened pull requests
attempts = []       # every POST .../pulls, with the status answered
pushes = []         # every ref update received by git-receive-pack
in_flight = {}      # head -> time the PR request arrived (until answered)
labels = []
lists = []          # every GET .../pulls (a retried run looking for its own)
log_fh = None
GIT_ROOT = "."


def log(kind, **data):
    with lock:
        if log_fh:
            log_fh.write(json.dumps({"t": round(time.time(), 3), "kind": kind, **data}) + "\n")
            log_fh.flush()


def parse_receive_pack(body):
    """The ref updates (old, new, ref) at the start of a receive-pack request."""
    updates, i = [], 0
    while i + 4 <= len(body):
        try:
            n = int(body[i:i + 4], 16)
        except ValueError:
            break
        if n == 0:
            break
        line = body[i + 4:i + n].split(b"\0", 1)[0].decode("utf-8", "replace").strip()
        parts = line.split(" ")
        if len(parts) >= 3:
            updates.append({"old": parts[0], "new": parts[1], "ref": parts[2]})
        i += n
    return updates


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_json(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = b""
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def authorized_git(self):
        if not TOKEN:
            return True
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            try:
                user_pw = base64.b64decode(auth[6:]).decode()
            except ValueError:
                return False
            return user_pw.split(":", 1)[-1] == TOKEN
        return False

    def authorized_api(self):
        return not TOKEN or self.headers.get("Authorization", "") in (f"Bearer {TOKEN}", f"token {TOKEN}")

    def do_GET(self):
        if self.path.startswith("/_stats"):
            with lock:
                return self.send_json(200, {"prs": prs, "attempts": attempts, "pushes": pushes,
                                            "in_flight": dict(in_flight), "labels": len(labels),
                                            "lists": lists})
        if ".git/" in self.path:
            return self.git("GET", b"")
        path, _, query = self.path.partition("?")
        parts = path.split("/")
        if path.startswith("/api/v3/repos/") and len(parts) == 7 and parts[6] == "pulls":
            if not self.authorized_api():
                return self.send_json(401, {"message": "Bad credentials"})
            repo = f"{parts[4]}/{parts[5]}"
            want = dict(kv.partition("=")[::2] for kv in query.split("&") if kv).get("head", "")
            head = urllib.parse.unquote(want).partition(":")[2]
            with lock:
                listed = [{"number": p["number"], "html_url": p["html_url"], "state": "open",
                           "head": {"ref": p["head"]}, "base": {"ref": p["base"]}}
                          for p in prs if p["repo"] == repo and (not head or p["head"] == head)]
                lists.append({"repo": repo, "head": head, "found": len(listed)})
            return self.send_json(200, listed)
        self.send_json(404, {"message": "Not Found"})

    def do_POST(self):
        body = self.read_body()
        if ".git/" in self.path:
            return self.git("POST", body)
        if not self.path.startswith("/api/v3/repos/"):
            return self.send_json(404, {"message": "Not Found"})
        if not self.authorized_api():
            return self.send_json(401, {"message": "Bad credentials"})
        parts = self.path.split("?")[0].split("/")
        # ['', 'api', 'v3', 'repos', owner, name, endpoint, ...]
        owner, name, endpoint = parts[4], parts[5], parts[6] if len(parts) > 6 else ""
        try:
            req = json.loads(body or b"{}")
        except ValueError:
            return self.send_json(400, {"message": "Problems parsing JSON"})
        if endpoint == "pulls" and len(parts) == 7:
            return self.pull(owner, name, req)
        if endpoint == "issues" and len(parts) == 9 and parts[8] == "labels":
            with lock:
                labels.append({"repo": f"{owner}/{name}", "number": parts[7], "labels": req.get("labels")})
            return self.send_json(200, [{"name": l} for l in req.get("labels") or []])
        self.send_json(404, {"message": "Not Found"})

    def branch_exists(self, owner, name, branch):
        repo = os.path.join(GIT_ROOT, owner, f"{name}.git")
        r = subprocess.run(["git", "--git-dir", repo, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}"],
                           capture_output=True)
        return r.returncode == 0

    def pull(self, owner, name, req):
        head, base, title = req.get("head", ""), req.get("base", ""), req.get("title", "")
        now = time.time()
        repo = f"{owner}/{name}"
        attempt = {"t": round(now, 3), "repo": repo, "head": head, "base": base, "title": title}
        if not self.branch_exists(owner, name, head):
            attempt["status"] = 422
            with lock:
                attempts.append(attempt)
            log("pr.attempt", **attempt)
            return self.send_json(422, {"message": "Validation Failed",
                                        "errors": [{"resource": "PullRequest", "field": "head", "code": "invalid"}]})
        with lock:
            dup = next((p for p in prs if p["repo"] == repo and p["head"] == head and p["base"] == base), None)
            if dup is None:
                number = len(prs) + 1
                pr = {"number": number, "repo": repo, "head": head, "base": base, "title": title,
                      "t": round(now, 3), "html_url": f"http://forge.invalid/{repo}/pull/{number}"}
                prs.append(pr)
                in_flight[head] = now
            attempt["status"] = 422 if dup else 201
            attempts.append(attempt)
        log("pr.attempt", **attempt)
        if dup:
            return self.send_json(422, {"message": "Validation Failed",
                                        "errors": [{"resource": "PullRequest", "code": "custom",
                                                    "message": f"A pull request already exists for {owner}:{head}."}]})
        if PR_DELAY:
            time.sleep(PR_DELAY)
        try:
            self.send_json(201, {"number": pr["number"], "html_url": pr["html_url"], "state": "open",
                                 "head": {"ref": head}, "base": {"ref": base}, "title": title})
        finally:
            with lock:
                in_flight.pop(head, None)

    def git(self, method, body):
        if not self.authorized_git():
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="fake-forge"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        path, _, query = self.path.partition("?")
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": GIT_ROOT,
            "GIT_HTTP_EXPORT_ALL": "1",
            "PATH_INFO": path,
            "REQUEST_METHOD": method,
            "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_USER": "morningai",
            "REMOTE_ADDR": "127.0.0.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
        }
        if self.headers.get("Content-Encoding"):
            env["HTTP_CONTENT_ENCODING"] = self.headers["Content-Encoding"]
        if self.headers.get("Git-Protocol"):
            env["GIT_PROTOCOL"] = self.headers["Git-Protocol"]
        updates = []
        if method == "POST" and path.endswith("/git-receive-pack"):
            raw = body
            if self.headers.get("Content-Encoding", "") == "gzip":
                import gzip
                raw = gzip.decompress(body)
            updates = parse_receive_pack(raw)
        p = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True)
        out = p.stdout
        sep = out.find(b"\r\n\r\n")
        seplen = 4
        if sep < 0:
            sep, seplen = out.find(b"\n\n"), 2
        head, payload = (out[:sep], out[sep + seplen:]) if sep >= 0 else (b"", out)
        status, headers = 200, []
        for line in head.decode("latin-1").splitlines():
            if ":" not in line:
                continue
            k, v = line.split(":", 1)
            if k.lower() == "status":
                status = int(v.strip().split(" ")[0])
            else:
                headers.append((k.strip(), v.strip()))
        if updates and status == 200:
            with lock:
                for u in updates:
                    pushes.append({"t": round(time.time(), 3), "path": path, **u})
            log("push", path=path, updates=updates)
        self.send_response(status)
        for k, v in headers:
            if k.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def main():
    global log_fh, GIT_ROOT
    port = int(sys.argv[1])
    GIT_ROOT = os.path.abspath(sys.argv[2])
    log_fh = open(sys.argv[3], "a", encoding="utf-8") if len(sys.argv) > 3 else None
    srv = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    srv.daemon_threads = True
    print(f"fake_forge: listening on 127.0.0.1:{port}, repositories in {GIT_ROOT}", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
