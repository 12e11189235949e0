"""Helpers for scripts/reliability/fuzz.sh (standard library only).

  fuzz.py setup BASE_URL STATE.json [--with-repository]
      Signs up tenant B ("other") and gives it data carrying a unique marker,
      then signs up tenant A, gives it a little data of its own and a `member`
      API key. Writes everything (B's ids and marker, A's key) to STATE.json.
  fuzz.py report STATE.json REPORT_DIR OUT.json OUT.md RUN_SECONDS
      Reads schemathesis' reports, counts cases, server errors, schema
      mismatches and undocumented status codes, scans every recorded response
      for B's marker and ids, writes OUT.json (figures) and OUT.md (every
      failure, grouped, with a curl line), prints a summary and exits 1 when
      a gate fails.
"""

import base64
import glob
import json
import os
import secrets
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict


# --------------------------------------------------------------------------- setup

def call(base, method, path, token=None, body=None, expect=(200, 201, 202)):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            status, raw = res.status, res.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    if status not in expect:
        sys.exit(f"fuzz setup: {method} {path} answered {status}: {raw[:500]!r}")
    return json.loads(raw) if raw else None


def setup(base, state_path, with_repository):
    rnd = secrets.token_hex(8)
    marker = f"OTHER-TENANT-MARKER-{rnd}"
    ids = {}

    # Tenant B, the other tenant: everything it owns carries the marker.
    b_email = f"other-{rnd}@example.com"
    s = call(base, "POST", "/api/auth/signup", body={
        "email": b_email, "password": f"pw-{secrets.token_hex(12)}", "tenant_name": f"Other {marker}"})
    bt = s["token"]
    ids["tenant"], ids["owner_user"] = s["tenant"]["id"], s["user"]["id"]
    k = call(base, "POST", "/api/api-keys", bt, {"name": f"key {marker}", "role": "member"})
    ids["api_key"], ids["api_key_prefix"], ids["api_key_secret"] = k["id"], k["prefix"], k["secret"]
    t = call(base, "POST", "/api/tasks", bt, {"kind": "echo", "input": {"message": marker}})
    ids["task"], ids["task_trace"] = t["task_id"], t["trace_id"]
    # A task that stops at an approval, so B has a pending approval too.
    t = call(base, "POST", "/api/tasks", bt,
             {"kind": "echo", "input": {"message": f"{marker} approval", "require_approval": True}})
    ids["approval_task"], ids["approval_task_trace"] = t["task_id"], t["trace_id"]
    c = call(base, "POST", "/api/faq-categories", bt, {"name": f"Category {marker}"})
    ids["faq_category"] = c["id"]
    f = call(base, "POST", "/api/faqs", bt, {
        "question": f"Where is the zebrafjord {marker}?", "answer": f"The zebrafjord is at {marker}.",
        "status": "published", "category_id": c["id"], "tags": [marker], "external_id": marker})
    ids["faq"] = f["id"]
    call(base, "POST", f"/api/faqs/{f['id']}/feedback", bt, {"helpful": True}, expect=(201, 422))
    cr = call(base, "POST", "/api/credentials", bt, {
        "kind": "git_token", "host": "example.invalid", "label": f"credential {marker}",
        "secret": f"secret-{marker}"})
    ids["credential"] = cr["id"]
    m_email = f"other-member-{rnd}@example.com"
    m = call(base, "POST", "/api/tenant/members", bt, {
        "email": m_email, "role": "member", "password": f"pw-{secrets.token_hex(12)}"})
    ids["member_user"] = m.get("user_id") or (m.get("user") or {}).get("id")
    if with_repository:
        # The index task fails at once: the run is in a network namespace with
        # loopback only, and `.invalid` never resolves.
        r = call(base, "POST", "/api/repositories", bt,
                 {"name": f"repo {marker}", "source": f"https://example.invalid/{marker}.git"})
        ids["repository"], ids["repository_task"] = r["repository"]["id"], r["task_id"]
    # Let B's tasks settle (the echo done, the other waiting for its approval,
    # the index failed) so that the snapshot below stays true unless someone
    # else touches them.
    settle(base, bt, [ids[k] for k in ("task", "approval_task", "repository_task") if ids.get(k)])
    cps = call(base, "GET", f"/api/tasks/{ids['task']}/checkpoints", bt)
    ids["checkpoint"] = cps[0]["id"] if cps else None
    other = {"marker": marker, "emails": [b_email, m_email],
             "ids": {k: v for k, v in ids.items() if v}, "owner_token": bt}
    other["snapshot"] = snapshot(base, other)

    # Tenant A, the one fuzzed: a little data of its own so the fuzzer finds ids.
    a_email = f"fuzz-{rnd}@example.com"
    s = call(base, "POST", "/api/auth/signup", body={
        "email": a_email, "password": f"pw-{secrets.token_hex(12)}", "tenant_name": "Fuzzed tenant A"})
    at = s["token"]
    c = call(base, "POST", "/api/faq-categories", at, {"name": "General"})
    call(base, "POST", "/api/faqs", at, {"question": "How do I reset my password?",
                                         "answer": "Use the sign-in page.", "status": "published",
                                         "category_id": c["id"]})
    call(base, "POST", "/api/tasks", at, {"kind": "echo", "input": {"message": "hello"}})
    call(base, "POST", "/api/tasks", at, {"kind": "echo", "input": {"message": "approve me", "require_approval": True}})
    slug = f"fuzz-a-{rnd}"
    call(base, "PUT", "/api/help-centre", at, {"slug": slug, "enabled": True, "title": "Tenant A's help"})
    k = call(base, "POST", "/api/api-keys", at, {"name": "fuzz", "role": "member"})
    state = {
        "base": base,
        "other": other,
        "a": {"tenant": s["tenant"]["id"], "user": s["user"]["id"], "email": a_email,
              "owner_token": at, "member_key": k["secret"], "member_key_id": k["id"], "slug": slug},
        "minted_path": os.path.join(os.path.dirname(os.path.abspath(state_path)), "fuzz-minted-keys.ndjson"),
    }
    open(state["minted_path"], "w").close()
    state["openapi_path"] = os.path.join(os.path.dirname(os.path.abspath(state_path)), "fuzz-openapi.json")
    with open(state["openapi_path"], "w", encoding="utf-8") as fh:
        json.dump(call(base, "GET", "/api/openapi.json"), fh)
    with open(state_path, "w", encoding="utf-8") as fh:
        json.dump(state, fh, indent=2)
    print(f"tenant B (other): {ids['tenant']}, marker {marker}, {len(other['ids'])} ids recorded")
    print(f"tenant A (fuzzed): {s['tenant']['id']}, member key {k['prefix']}…")


def settle(base, token, task_ids, timeout=90):
    deadline = time.monotonic() + timeout
    while True:
        states = [call(base, "GET", f"/api/tasks/{t}", token)["status"] for t in task_ids]
        if all(st in ("done", "failed", "canceled", "waiting_approval") for st in states):
            return
        if time.monotonic() > deadline:
            sys.exit(f"fuzz setup: tenant B's tasks did not settle in {timeout}s: {states}")
        time.sleep(0.5)


def snapshot(base, other):
    """What tenant B has, as B sees it: compared after the run (A must change none of it)."""
    t, ids = other["owner_token"], other["ids"]
    snap = {}
    f = call(base, "GET", f"/api/faqs/{ids['faq']}", t, expect=(200, 404))
    snap["faq"] = f and {k: f.get(k) for k in ("question", "answer", "status", "version", "category_id",
                                                  "tags", "external_id", "helpful", "not_helpful")}
    snap["faq_categories"] = sorted((c["id"], c["name"], c.get("parent_id"))
                                    for c in call(base, "GET", "/api/faq-categories", t))
    snap["faqs"] = sorted(x["id"] for x in call(base, "GET", "/api/faqs", t)["faqs"])
    snap["api_keys"] = sorted((k["id"], k["role"], k.get("revoked_at")) for k in call(base, "GET", "/api/api-keys", t))
    for name in ("task", "approval_task", "repository_task"):
        if ids.get(name):
            task = call(base, "GET", f"/api/tasks/{ids[name]}", t, expect=(200, 404))
            snap[name] = task and {"status": task["status"], "checkpoints": task["checkpoint_count"],
                                   "cancel_requested": task["cancel_requested"]}
    snap["credentials"] = sorted((c["id"], c["host"], c.get("label")) for c in call(base, "GET", "/api/credentials", t))
    snap["members"] = sorted((m["user_id"], m["role"]) for m in call(base, "GET", "/api/tenant/members", t))
    snap["tenant"] = call(base, "GET", "/api/tenant", t).get("name")
    snap["help_centre"] = call(base, "GET", "/api/help-centre", t)
    if ids.get("repository"):
        r = call(base, "GET", f"/api/repositories/{ids['repository']}", t, expect=(200, 404))
        snap["repository"] = r and {"name": r.get("name"), "source": r.get("source")}
    me = call(base, "GET", "/api/auth/me", ids["api_key_secret"], expect=(200, 401))
    snap["api_key_authenticates"] = bool(me and "user" in me)
    return json.loads(json.dumps(snap))


# --------------------------------------------------------------------------- report

CHECK_OF_CODE = {
    "ST101": "not_a_server_error",
    "ST103": "status_code_conformance",
    "ST108": "response_schema_conformance",
}


def one(pattern):
    found = sorted(glob.glob(pattern))
    if not found:
        sys.exit(f"fuzz report: no file matches {pattern}")
    return found[-1]


def iter_har(path):
    with open(path, encoding="utf-8") as fh:
        har = json.load(fh)
    for e in har["log"]["entries"]:
        yield e


def report(state_path, report_dir, out_json, out_md, run_seconds):
    with open(state_path, encoding="utf-8") as fh:
        state = json.load(fh)
    with open(one(os.path.join(report_dir, "json-*.json")), encoding="utf-8") as fh:
        run = json.load(fh)

    # Every failure schemathesis found, from the event stream.
    failures = []
    with open(one(os.path.join(report_dir, "ndjson-*.ndjson")), encoding="utf-8") as fh:
        for line in fh:
            ev = json.loads(line)
            sf = ev.get("ScenarioFinished")
            if not sf:
                continue
            rec = sf.get("recorder") or {}
            cases = rec.get("cases") or {}
            interactions = rec.get("interactions") or {}
            for case_id, checks in (rec.get("checks") or {}).items():
                for chk in checks:
                    if str(chk.get("status")).lower() != "failure":
                        continue
                    inter = interactions.get(case_id) or {}
                    failures.append({
                        "check": chk.get("name"),
                        "failure": (chk.get("failure_info") or {}).get("failure") or {},
                        "case": (cases.get(case_id) or {}).get("value") or {},
                        "response": inter.get("response") or {},
                        "request": inter.get("request") or {},
                        "phase": sf.get("phase"),
                    })
    # The recorded traffic: every response, for server errors and the leak scan.
    entries = list(iter_har(one(os.path.join(report_dir, "har-*.json"))))
    minted = []
    if os.path.exists(state["minted_path"]):
        with open(state["minted_path"], encoding="utf-8") as fh:
            minted = [json.loads(l) for l in fh if l.strip()]

    other = state["other"]
    needles = {"marker": other["marker"]}
    for i, e in enumerate(other["emails"]):
        needles[f"email{i}"] = e
    for k, v in other["ids"].items():
        needles[k] = v
    leaks = []
    status_5xx = []
    probes = 0
    a_sent = set()
    entries.sort(key=lambda e: e["startedDateTime"])
    for e in entries:
        res = e["response"]
        req = e["request"]
        text = (res.get("content") or {}).get("text") or ""
        heads = "\n".join(f"{h['name']}: {h['value']}" for h in res.get("headers", []))
        blob = (heads + "\n" + text).lower()
        # A value that A itself sent, in this request or an earlier one (the
        # cross-tenant probes send B's ids; A's own tasks then hold such an id
        # in their input), is A's echo, not a leak. B's marker, tenant id,
        # e-mails, key and the ids A never sent still count.
        sent = (urllib.parse.unquote(req["url"]) + "\n" + ((req.get("postData") or {}).get("text") or "")).lower()
        carried = {k for k, v in needles.items() if v and v.lower() in sent}
        if carried:
            probes += 1
        a_sent |= carried
        hit = sorted(k for k, v in needles.items() if v and v.lower() in blob and k not in a_sent)
        if hit:
            leaks.append({"method": req["method"], "url": req["url"], "status": res["status"],
                          "matched": hit, "body": text[:2000]})
        if res["status"] >= 500:
            status_5xx.append({"method": req["method"], "url": req["url"], "status": res["status"],
                               "body": text[:2000]})

    # Tenant B's data as B sees it, against the snapshot taken before the run.
    try:
        after = snapshot(state["base"], other)
        tampered = [{"what": k, "before": other["snapshot"].get(k), "after": after.get(k)}
                    for k in sorted(set(after) | set(other["snapshot"]))
                    if after.get(k) != other["snapshot"].get(k)]
    except (urllib.error.URLError, OSError, SystemExit) as e:
        tampered = [{"what": "snapshot", "before": "taken", "after": f"could not be read again: {e}"}]

    by_check = defaultdict(list)
    for f in failures:
        by_check[f["check"]].append(f)
    sse = check_sse_payloads(state, entries)
    figures = {
        "schemathesis_version": run.get("schemathesis_version"),
        "seed": run.get("seed"),
        "command": run.get("command"),
        "stop_reason": run.get("stop_reason"),
        "duration_seconds": round(float(run_seconds), 1),
        "schemathesis_seconds": round(run.get("running_time") or 0, 1),
        "operations": run.get("operations"),
        "phases": {k: v.get("status") for k, v in (run.get("phases") or {}).items()},
        "cases": run["test_cases"]["generated"],
        "requests_recorded": len(entries),
        "server_errors": len(status_5xx),
        "server_error_failures": len(by_check.get("not_a_server_error", [])),
        "schema_mismatches": len(by_check.get("response_schema_conformance", [])),
        "sse_event_payloads": sse,
        "undocumented_status_codes": len(by_check.get("status_code_conformance", [])),
        "other_failures": sum(len(v) for k, v in by_check.items()
                              if k not in ("not_a_server_error", "response_schema_conformance",
                                           "status_code_conformance")),
        "unique_failures_by_type": {f["code"] + " " + f["title"]: f["count"] for f in run.get("failures", [])},
        "errors": [e.get("title") or e for e in run.get("errors", [])],
        "server_alive_after_run": os.environ.get("FUZZ_SERVER_UP", "1") == "1",
        "network_namespace": os.environ.get("FUZZ_NETNS") == "1",
        "excluded_operations": [x for x in os.environ.get("FUZZ_EXCLUDED", "").split(",") if x],
        "leaks": len(leaks),
        "leak_needles": sorted(needles),
        "cross_tenant_requests": probes,
        "other_tenant_changed": tampered,
        "member_key_reminted": len(minted),
        "tenant_a": state["a"]["tenant"],
        "tenant_b": other["ids"]["tenant"],
    }
    gates = {
        "cases >= 2000": figures["cases"] >= 2000,
        "server errors == 0": figures["server_errors"] == 0 and figures["server_error_failures"] == 0
        and figures["server_alive_after_run"],
        "leaks == 0": figures["leaks"] == 0,
        "tenant B unchanged": not tampered,
        "schema mismatches == 0": figures["schema_mismatches"] == 0,
        "undocumented status codes == 0": figures["undocumented_status_codes"] == 0,
        "task event payloads are TaskEvents": figures["sse_event_payloads"].get("invalid", 1) == 0,
    }
    figures["gates"] = gates
    figures["passed"] = all(gates.values())
    with open(out_json, "w", encoding="utf-8") as fh:
        json.dump(figures, fh, indent=2)
        fh.write("\n")
    write_markdown(out_md, figures, by_check, leaks, status_5xx, tampered)

    print("\n== API fuzzing (schemathesis) ==")
    for k in ("schemathesis_version", "seed", "cases", "requests_recorded", "server_errors",
              "schema_mismatches", "undocumented_status_codes", "other_failures", "leaks",
              "cross_tenant_requests", "member_key_reminted", "excluded_operations", "duration_seconds"):
        print(f"{k:28} {figures[k]}")
    print(f"{'task event payloads':28} {sse['checked'] - sse['invalid']}/{sse['checked']} valid "
          f"TaskEvent JSON in {sse['streams']} recorded streams")
    for name, ok in gates.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    print(f"figures: {out_json}\nfailures: {out_md}")
    return 0 if figures["passed"] else 1


def check_sse_payloads(state, entries):
    """Every recorded task event stream (200, text/event-stream): each event's
    `data` must be JSON matching `#/components/schemas/TaskEvent`. (The
    fuzzer's own check covers the events' fields, `id`, `event` and `data`,
    as the document describes them; this covers what `data` carries.)"""
    try:
        import jsonschema_rs  # from schemathesis' venv
    except ImportError:
        return {"streams": 0, "checked": 0, "invalid": 0, "note": "jsonschema_rs not importable"}
    with open(state["openapi_path"], encoding="utf-8") as fh:
        doc = json.load(fh)
    validator = jsonschema_rs.validator_for(
        {"$ref": "#/components/schemas/TaskEvent", "components": doc["components"]})
    streams, checked, invalid, examples = 0, 0, 0, []
    for e in entries:
        content = e["response"].get("content") or {}
        if e["response"].get("status") != 200 or "event-stream" not in (content.get("mimeType") or ""):
            continue
        streams += 1
        text = content.get("text") or ""
        if content.get("encoding") == "base64":
            text = base64.b64decode(text).decode("utf-8", "replace")
        for block in text.split("\n\n"):
            data = [l[5:].lstrip() for l in block.split("\n") if l.startswith("data:")]
            if not data:
                continue
            checked += 1
            try:
                validator.validate(json.loads("\n".join(data)))
            except Exception as ex:  # noqa: BLE001 - JSON or schema error alike
                invalid += 1
                examples.append(str(ex)[:300])
    return {"streams": streams, "checked": checked, "invalid": invalid, "examples": examples[:5]}


def curl_of(f):
    req = f["request"]
    parts = ["curl -sS -X", req.get("method", "GET")]
    for k, v in (req.get("headers") or {}).items():
        v = v[0] if isinstance(v, list) else v
        if k.lower() in ("user-agent", "accept-encoding", "accept", "connection", "content-length",
                         "x-schemathesis-testcaseid"):
            continue
        if k.lower() == "authorization":
            if v.startswith("Bearer mai_"):
                parts += ["-H", '"Authorization: Bearer $KEY"']
                continue
        parts += ["-H", shq(f"{k}: {v}")]
    body = decoded(req.get("body"))
    pipe = ""
    if body is not None and "\x00" in body:
        # A NUL cannot be in an argument: printf writes the body to curl's stdin.
        escaped = "".join(f"\\x{ord(ch):02x}" if ord(ch) < 32 or ord(ch) == 127
                          else "\\\\" if ch == "\\" else ch for ch in body)
        pipe = f"printf '%b' {shq(escaped)} | "
        parts += ["--data-binary", "@-"]
    elif body is not None:
        parts += ["--data-binary", shq(body)]
    url = urllib.parse.urlsplit(req.get("uri") or req.get("url") or "")
    parts.append('"$BASE"' + shq(urllib.parse.urlunsplit(("", "", url.path, url.query, ""))))
    return pipe + " ".join(parts)


def decoded(body):
    """A recorded body: `{"$base64": …}` or a string."""
    if isinstance(body, dict) and "$base64" in body:
        return base64.b64decode(body["$base64"]).decode("utf-8", "replace")
    return body


def shq(s):
    """Quoted for bash: '…', or $'…' when it holds control characters."""
    s = str(s)
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in s):
        out = []
        for ch in s:
            if ch in "\\'":
                out.append("\\" + ch)
            elif ord(ch) < 32 or ord(ch) == 127:
                out.append(f"\\x{ord(ch):02x}")
            else:
                out.append(ch)
        return "$'" + "".join(out) + "'"
    return "'" + s.replace("'", "'\\''") + "'"


def printable(s):
    """Control characters shown as escapes, so the Markdown stays text."""
    return "".join(ch if ch in "\n\t" or (ord(ch) >= 32 and ord(ch) != 127) else f"\\x{ord(ch):02x}"
                   for ch in str(s))


def write_markdown(path, figures, by_check, leaks, status_5xx, tampered):
    out = ["# API fuzzing failures", ""]
    out.append("Figures: " + ", ".join(f"{k} {figures[k]}" for k in
                                          ("cases", "server_errors", "schema_mismatches",
                                           "undocumented_status_codes", "leaks")))
    out.append("")
    out.append("To reproduce: start `morningai serve`, sign up, create a `member` API key, "
               "`BASE=http://127.0.0.1:8080 KEY=mai_…`; ids in the paths are this run's (A's own FAQ, "
               "task, …): put one of your tenant's in their place. Generated Authorization values "
               "(negative cases) are shown as sent.")
    out.append("")
    if leaks:
        out.append(f"## Leaks of tenant B's data ({len(leaks)})")
        groups = defaultdict(list)
        for l in leaks:
            groups[(l["method"], urllib.parse.urlsplit(l["url"]).path, l["status"])].append(l)
        for (method, upath, status), items in sorted(groups.items()):
            out.append(f"### {method} {upath} -> {status} ({len(items)}x)")
            for l in items[:3]:
                out += [f"- {l['method']} {l['url']} matched {', '.join(l['matched'])}",
                        "", "```", l["body"][:1500], "```", ""]
    if tampered:
        out.append("## Tenant B's data changed during the run")
        for t in tampered:
            out.append(f"- {t['what']}: before `{json.dumps(t['before'])}`, after `{json.dumps(t['after'])}`")
        out.append("")
    if status_5xx:
        out.append("## Responses with status >= 500")
        for s in status_5xx:
            out += [f"- {s['method']} {s['url']} -> {s['status']}: `{s['body'][:500]}`"]
        out.append("")
    sse = figures.get("sse_event_payloads") or {}
    if sse.get("invalid"):
        out += [f"## Task event payloads not matching TaskEvent ({sse['invalid']} of {sse['checked']})", ""]
        out += [f"- `{x}`" for x in sse.get("examples", [])] + [""]
    for check in sorted(by_check):
        fs = by_check[check]
        out.append(f"## {check} ({len(fs)})")
        groups = defaultdict(list)
        for f in fs:
            info = f["failure"]
            groups[(f["request"].get("method"), f["case"].get("path") or "", info.get("title", ""),
                    (f["response"] or {}).get("status_code"))].append(f)
        for (method, tmpl, title, status), items in sorted(groups.items(), key=lambda x: str(x[0])):
            out.append(f"### {method} {tmpl or items[0]['request'].get('uri')} — {title} (HTTP {status}, {len(items)}x)")
            for f in items[:3]:
                info = f["failure"]
                res = f["response"] or {}
                body = decoded(res.get("content")) or ""
                out += ["", "```sh", curl_of(f), "```",
                        f"- response: {res.get('status_code')} `{str(body)[:600]}`",
                        f"- message: {str(info.get('message', ''))[:800]}", ""]
        out.append("")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(printable("\n".join(out)) + "\n")


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "setup":
        setup(sys.argv[2], sys.argv[3], "--with-repository" in sys.argv[4:])
    elif len(sys.argv) == 7 and sys.argv[1] == "report":
        sys.exit(report(*sys.argv[2:]))
    else:
        sys.exit(__doc__)
