"""How much a "not interested" mark should weigh (docs/SEMANTIC.md,
Recommendations): on a store with paper vectors, like the first 20 papers
of a category (by pid), take the 5 best recommendations as dismissed, and
for each dislike weight count how many of the top 30 stay in the category
and how many of the dismissed papers' 10 nearest neighbours stay in the
top 30. Uses the release ./paperboy (recommend --dislike-weight, similar).

    python3 bench/rank/dislike_sweep.py STORE.db cs.CR q-bio.NC quant-ph math.CO
"""
import os
import re
import sqlite3
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, "paperboy")
DB = sys.argv[1]
ITEM = re.compile(r"^\s*\d+\. (\S+)", re.M)
c = sqlite3.connect("file:%s?mode=ro" % DB, uri=True)


def cats(i):
    return c.execute("SELECT categories FROM papers WHERE id = ?",
                     (i,)).fetchone()[0].split()


def run(*args):
    return ITEM.findall(subprocess.run([BIN] + list(args) + ["--db", DB],
                                       capture_output=True, text=True).stdout)


for cat in sys.argv[2:]:
    likes = [r[0] for r in c.execute(
        "SELECT id FROM papers WHERE (categories = ?1 OR categories LIKE"
        " ?1 || ' %') AND deleted = 0 ORDER BY pid LIMIT 20", (cat,))]
    base = run("recommend", "--like", ",".join(likes), "--limit", "30")
    dis = base[:5]
    nn = set()
    for d in dis:
        nn |= set(run("similar", d, "--limit", "10"))
    nn -= set(dis)
    print("%s: no dislikes: %d of top 30 in %s, %d neighbours of the 5"
          " dismissed in top 30" % (cat, sum(cat in cats(i) for i in base),
                                    cat, len(nn & set(base))))
    for w in (0.05, 0.1, 0.2, 0.3, 0.5, 1):
        r = run("recommend", "--like", ",".join(likes), "--dislike",
                ",".join(dis), "--dislike-weight", str(w), "--limit", "30")
        print("  weight %.2f: %2d in %s, %2d neighbours, %d dismissed" %
              (w, sum(cat in cats(i) for i in r), cat, len(nn & set(r)),
               len(set(dis) & set(r))))
