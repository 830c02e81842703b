"""The drop-in API: /api/daily_papers and /api/papers/ID answer Hugging
Face's keys and types. The schema (keys and JSON types per object path; a key
is required when every Hugging Face object at that path has it) is inferred
from all the real files in ../shared/data/hf-daily/ (Python repr entries
included); the whole archive is imported and paperboy's answer for every day
is checked against it: every key paperboy gives exists in the schema with a
compatible type, every always-present key is present. Also: every paper of
every day's file is on that day, the source's values are passed through,
made-up values for a local paper fit the schema too, and client code written
for huggingface.co runs unchanged."""
import ast
import collections
import glob
import json
import os
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pbtest as t  # noqa: E402
import web_fixture as wf  # noqa: E402

HF = os.path.join(t.DATA, "hf-daily")

# Paths not checked against Hugging Face's schema: none.
EXEMPT = set()


def jtype(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


class Schema:
    def __init__(self):
        self.types = collections.defaultdict(set)
        self.objects = collections.Counter()   # objects seen at a path
        self.present = collections.Counter()   # times a key path was there

    def learn(self, v, path="$"):
        self.types[path].add(jtype(v))
        if isinstance(v, dict):
            self.objects[path] += 1
            for k, x in v.items():
                self.present[path + "." + k] += 1
                self.learn(x, path + "." + k)
        elif isinstance(v, list):
            for x in v:
                self.learn(x, path + "[]")

    def required(self, path):
        """Keys every Hugging Face object at path has."""
        pre = path + "."
        return sorted(p[len(pre):] for p in self.present
                      if p.startswith(pre) and "." not in p[len(pre):]
                      and "[" not in p[len(pre):]
                      and self.present[p] == self.objects[path])

    def check(self, v, path, errs, hf_path=None):
        """Errors of v against the schema at hf_path (default path)."""
        hp = hf_path or path
        if hp in EXEMPT:
            return
        if hp not in self.types:
            errs.add("%s: key not in Hugging Face's answers" % hp)
            return
        if jtype(v) not in self.types[hp]:
            errs.add("%s: %s where Hugging Face has %s"
                     % (hp, jtype(v), sorted(self.types[hp])))
            return
        if isinstance(v, dict):
            for k in self.required(hp):
                if hp + "." + k not in EXEMPT and k not in v:
                    errs.add("%s: lacks %s, which Hugging Face always has"
                             % (hp, k))
            for k, x in v.items():
                self.check(x, path + "." + k, errs, hp + "." + k)
        elif isinstance(v, list):
            for x in v:
                self.check(x, path + "[]", errs, hp + "[]")


def entries(f):
    d = json.load(open(f))
    if isinstance(d, dict):
        d = d.get("data", [])
    return [ast.literal_eval(e) if isinstance(e, str) else e for e in d]


def api(base, path):
    with urllib.request.urlopen(base + path, timeout=30) as r:
        return json.load(r)


LOCAL = {"id": "2608.99001", "title": "A local paper on the feed",
         "abstract": "Submitted here.", "authors": ["Ada Local", "Bo Cal"],
         "listed_day": "2026-08-20", "submitter": "localann",
         "published": "2026-08-19T00:00:00Z", "upvotes": 3,
         "github_repo": "https://github.com/o/r"}


@t.test
def api_matches_hugging_face_schema():
    files = sorted(glob.glob(os.path.join(HF, "*.json")))
    schema = Schema()
    by_day = {}
    for f in files:
        es = entries(f)
        by_day[os.path.basename(f)[:10]] = es
        for e in es:
            schema.learn(e)
    t.eq(len(files), 580)
    d = t.Tmp.path("schema")
    os.mkdir(d)
    db = os.path.join(d, "s.db")
    rc, out, err = t.run("import", "--db", db, HF)
    t.check(rc == 0, "import of the archive rejected something: " + err[-500:])
    jl = os.path.join(d, "local.jsonl")
    with open(jl, "w") as fh:
        fh.write(json.dumps(LOCAL) + "\n")
    rc, out, err = t.run("import", "--db", db, jl)
    t.eq(rc, 0, err)
    port = wf.free_port()
    base = "http://127.0.0.1:%d" % port
    import subprocess
    import time
    proc = subprocess.Popen([t.BIN, "serve", "--db", db, "--port", str(port),
                             "--bind", "127.0.0.1", "--threads", "2"],
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/api/daily_papers", timeout=2)
                break
            except Exception:
                time.sleep(0.1)
        errs = set()
        missing_days = []
        wrong_pub = []
        wrong_pass = []
        n_items = 0
        answers = {}
        for day, es in sorted(by_day.items()):
            got = api(base, "/api/daily_papers?date=%s&limit=100" % day)
            answers[day] = got
            n_items += len(got)
            want = {e["paper"]["id"] for e in es}
            have = {x["paper"]["id"] for x in got} - {LOCAL["id"]}
            if want != have:
                missing_days.append((day, sorted(want - have),
                                     sorted(have - want)))
            src = {e["paper"]["id"]: e for e in es}
            for x in got:
                schema.check(x, "$", errs)
                e = src.get(x["paper"]["id"])
                if not e:
                    continue
                if x["publishedAt"] != e["publishedAt"]:
                    wrong_pub.append((day, x["paper"]["id"]))
                sb = e.get("submittedBy")
                if sb and x.get("submittedBy") != sb:
                    wrong_pass.append((day, x["paper"]["id"], "submittedBy"))
                ea = [a["_id"] for a in e["paper"]["authors"]]
                xa = [a["_id"] for a in x["paper"]["authors"]]
                if ea != xa:
                    wrong_pass.append((day, x["paper"]["id"], "authors"))
                if x["paper"].get("discussionId") != e["paper"].get(
                        "discussionId", x["paper"].get("discussionId")):
                    wrong_pass.append((day, x["paper"]["id"], "discussionId"))
                if e.get("organization") and x.get("organization") != \
                        e["organization"]:
                    wrong_pass.append((day, x["paper"]["id"],
                                       "organization"))
        t.check(not missing_days, "days without all their papers: %r"
                % missing_days[:5])
        t.check(n_items >= 9881, n_items)
        # 2024-12-11 to 2025-01-10: the Python repr entries are there
        for day in ("2024-12-11", "2024-12-20", "2025-01-10"):
            t.check(len(answers[day]) == len(by_day[day]) > 0, day)
        # /api/papers/ID: the "paper" object (a sample of a few hundred)
        ids = sorted({e["paper"]["id"] for es in by_day.values()
                      for e in es})[::25] + [LOCAL["id"]]
        for pid in ids:
            schema.check(api(base, "/api/papers/" + pid), "$.paper", errs)
        t.check(not errs, "\n".join(sorted(errs)[:30]))
        t.check(not wrong_pub, "top-level publishedAt is not Hugging "
                "Face's: %r" % wrong_pub[:5])
        t.check(not wrong_pass, "source values not passed through: %r"
                % wrong_pass[:5])
        # the local paper: made-up values, stable and well formed
        loc = [x for x in answers["2026-08-20"]
               if x["paper"]["id"] == LOCAL["id"]]
        t.eq(len(loc), 1)
        lp = loc[0]
        t.eq(lp["submittedBy"]["name"], "localann")
        t.check(len(lp["submittedBy"]["_id"]) == 24 and
                all(c in "0123456789abcdef" for c in lp["submittedBy"]["_id"]),
                lp["submittedBy"])
        t.check(lp["submittedBy"]["avatarUrl"].startswith("/"), lp)
        t.eq(lp["paper"]["submittedOnDailyBy"]["user"], "localann")
        t.eq(len({a["_id"] for a in lp["paper"]["authors"]}), 2)
        again = api(base, "/api/papers/" + LOCAL["id"])
        t.eq(again["discussionId"], lp["paper"]["discussionId"])
        t.eq([a["_id"] for a in again["authors"]],
             [a["_id"] for a in lp["paper"]["authors"]])
        t.check("githubStars" not in lp["paper"], lp["paper"])
        t.check("projectPage" not in lp["paper"], lp["paper"])
        # 2608.13558 is on 2026-08-20 although first listed earlier
        t.check("2608.13558" in {x["paper"]["id"]
                                 for x in answers["2026-08-20"]})
        t.eq(len(api(base, "/api/daily_papers?date=2026-08-20")), 16)
        # client code written for huggingface.co
        for day in ("2026-08-20", "2024-12-11", "2025-06-02"):
            for p in api(base, "/api/daily_papers?date=" + day):
                stars = p["paper"].get("githubStars", 0) + 1
                t.check(isinstance(stars, int), p["paper"])
                t.check(isinstance(p["paper"].get("projectPage", ""), str))
                t.check(isinstance(p["paper"].get("githubRepo", ""), str))
                t.check(isinstance(p["numComments"] + 1, int))
                _ = [a["name"] for a in p["paper"]["authors"]]
                _ = p["paper"]["publishedAt"][:10]
                _ = (p.get("organization") or {}).get("name", "")
                t.check(isinstance(p["isAuthorParticipating"], bool), p)
    finally:
        proc.terminate()
        proc.wait(timeout=15)


if __name__ == "__main__":
    if not os.path.isdir(HF):
        print("skipped: needs ../shared/data")
        print("0 passed, 0 failed")
        sys.exit(0)
    t.main()
