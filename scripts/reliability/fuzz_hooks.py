"""Schemathesis hooks for scripts/reliability/fuzz.sh (loaded via SCHEMATHESIS_HOOKS).

Every request is authenticated as tenant A's `member` API key. A member may
revoke its own key (`DELETE /api/api-keys/{id}`, the id being listed by
`GET /api/api-keys`), and the fuzzer finds that: from then on every request
would be a 401 and the rest of the run would test nothing. So the key is
checked whenever the server answers 401 (schemathesis then asks for the
credential again) and, when it was revoked, a new `member` key is minted with
A's owner session (which an API key cannot end: `POST /api/auth/logout` with a
key revokes no session). Each re-mint is appended to the state's `minted` file
so fuzz.py can report it and count the new keys as A's.
"""

import json
import os
import threading
import urllib.error
import urllib.request

import schemathesis

_STATE_PATH = os.environ["MORNINGAI_FUZZ_STATE"]
with open(_STATE_PATH, encoding="utf-8") as f:
    _STATE = json.load(f)
_LOCK = threading.Lock()
_current = {"key": _STATE["a"]["member_key"]}


def _request(method, path, token, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(_STATE["base"] + path, data=data, method=method)
    req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            return res.status, json.loads(res.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, None


@schemathesis.auth()
class MemberKey:
    def get(self, case, ctx):
        with _LOCK:
            key = _current["key"]
            status, _ = _request("GET", "/api/auth/me", key)
            if status != 401:
                return key
            status, body = _request(
                "POST", "/api/api-keys", _STATE["a"]["owner_token"], {"name": "fuzz", "role": "member"}
            )
            if status != 201:
                raise RuntimeError(f"could not mint a new member key for tenant A: HTTP {status}")
            _current["key"] = body["secret"]
            with open(_STATE["minted_path"], "a", encoding="utf-8") as f:
                f.write(json.dumps({"id": body["id"], "prefix": body["prefix"]}) + "\n")
            return body["secret"]

    def set(self, case, data, ctx):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"


# Cross-tenant probes: explicit examples (examples phase) that name tenant B's
# objects, so that reading, changing or deleting another tenant's data by id is
# tried on every operation that takes such an id. fuzz.py counts a B value in
# an answer as a leak unless the request carried it (an echo), and compares
# B's data with its snapshot after the run.
def _probes():
    b = _STATE["other"]["ids"]
    slug = _STATE["a"]["slug"]
    faq, cat, task, wait = b["faq"], b["faq_category"], b["task"], b["approval_task"]
    repo = b.get("repository")
    p = []

    def add(method, path, path_parameters=None, query=None, body=None):
        p.append((method, path, path_parameters or {}, query, body))

    for t in (task, wait):
        add("GET", "/api/tasks/{id}", {"id": t})
        add("GET", "/api/tasks/{id}/checkpoints", {"id": t})
        add("GET", "/api/tasks/{id}/events", {"id": t})
        add("POST", "/api/tasks/{id}/cancel", {"id": t})
        add("GET", "/api/queue/jobs/{id}", {"id": t})
        add("POST", "/api/queue/jobs/{id}/cancel", {"id": t})
        add("POST", "/api/queue/jobs/{id}/retry", {"id": t})
    add("POST", "/api/tasks/{id}/resume", {"id": wait}, body={"decision": "approve"})
    if b.get("checkpoint"):
        add("POST", "/api/tasks/{id}/replay", {"id": task}, body={"checkpoint_id": b["checkpoint"]})
    add("GET", "/api/faqs/{id}", {"id": faq})
    add("GET", "/api/faqs/{id}/versions", {"id": faq})
    add("GET", "/api/faqs/{id}/diff", {"id": faq}, {"from": 1, "to": 1})
    add("PATCH", "/api/faqs/{id}", {"id": faq}, body={"answer": "TAMPERED"})
    add("DELETE", "/api/faqs/{id}", {"id": faq})
    add("POST", "/api/faqs/{id}/feedback", {"id": faq}, body={"helpful": False})
    add("GET", "/api/faqs", query={"category_id": cat})
    add("GET", "/api/faqs/export", query={"format": "jsonl", "category_id": cat})
    # B's FAQ is about a "zebrafjord". Searching for the marker itself would
    # put it into A's own search analytics (A's data, not a leak).
    add("GET", "/api/faqs/search", query={"q": "zebrafjord"})
    add("GET", "/api/faqs/search", query={"q": "Where is the zebrafjord?", "category_id": cat})
    add("PATCH", "/api/faq-categories/{id}", {"id": cat}, body={"name": "TAMPERED"})
    add("DELETE", "/api/faq-categories/{id}", {"id": cat})
    add("POST", "/api/faq-categories", body={"name": "child", "parent_id": cat})
    add("DELETE", "/api/api-keys/{id}", {"id": b["api_key"]})
    add("DELETE", "/api/credentials/{id}", {"id": b["credential"]})
    for user in (b["owner_user"], b.get("member_user")):
        if user:
            add("PATCH", "/api/tenant/members/{user_id}", {"user_id": user}, body={"role": "viewer"})
            add("DELETE", "/api/tenant/members/{user_id}", {"user_id": user})
    add("GET", "/public/{slug}/faqs/{id}", {"slug": slug, "id": faq})
    add("POST", "/public/{slug}/faqs/{id}/feedback", {"slug": slug, "id": faq}, body={"helpful": True})
    add("GET", "/public/{slug}/faqs", {"slug": slug}, {"category_id": cat})
    add("GET", "/public/{slug}/faqs/search", {"slug": slug}, {"q": "zebrafjord"})
    if repo:
        add("GET", "/api/repositories/{id}", {"id": repo})
        add("GET", "/api/repositories/{id}/file", {"id": repo}, {"path": "README.md"})
        add("POST", "/api/repositories/{id}/index", {"id": repo})
        add("DELETE", "/api/repositories/{id}", {"id": repo})
        add("GET", "/api/documents", query={"repository_id": repo})
        for kind, extra in (("index", {}), ("doc", {"question": "What is this?"}), ("faq", {"question": "What is this?"})):
            add("POST", "/api/tasks", body={"kind": kind, "input": {"repository_id": repo, **extra}})
    return p


_PROBES = _probes()


@schemathesis.hook
def before_add_examples(context, examples):
    op = context.operation
    for method, path, path_parameters, query, body in _PROBES:
        if op.method.upper() != method or op.path != path:
            continue
        kwargs = {"path_parameters": path_parameters}
        if query is not None:
            kwargs["query"] = query
        if body is not None:
            kwargs["body"] = body
            kwargs["media_type"] = "application/json"
        examples.append(op.Case(**kwargs))


@schemathesis.hook
def before_call(context, case, kwargs):
    # The explicit examples above are not passed through the auth provider:
    # give them the member key too.
    headers = case.headers or {}
    if not any(k.lower() == "authorization" for k in headers):
        case.headers = {**headers, "Authorization": f"Bearer {MemberKey().get(case, None)}"}
