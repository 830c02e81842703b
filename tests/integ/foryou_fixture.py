"""Fixture for the "For you" tests: a hand-made corpus of three topics
(astronomy 2407.1NNNN, biology 2407.2NNNN, cryptography 2407.3NNNN; 40
papers each, titles and abstracts drawn from each topic's words and some
words common to all; one title starts with markup, XSS), imported into a temporary store, word vectors
trained on it and paper vectors embedded with the real commands
(`paperboy train-vectors`, `paperboy embed`), members added with `paperboy
user add`, and a real `paperboy serve` on a free port."""
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import community_fixture as cf  # noqa: E402
import web_fixture as wf  # noqa: E402

BIN = wf.BIN
PW = "correct horse battery"
PER = 40

TOPICS = {
    1: "galaxy stellar supernova telescope redshift cosmic quasar exoplanet "
       "nebula photometric spectroscopy luminosity orbit accretion halo "
       "pulsar cosmology starburst interstellar planetary".split(),
    2: "protein gene enzyme cell mutation genome sequencing transcription "
       "ribosome antibody metabolic tissue receptor pathway neuron "
       "chromosome membrane peptide bacterial folding".split(),
    3: "encryption cipher lattice signature adversary protocol hash "
       "authentication malware attack cryptographic obfuscation ciphertext "
       "plaintext keys secure privacy leakage verifier forgery".split(),
}
GENERAL = ("we propose method results show novel approach data model study "
           "analysis present using new based performance framework evaluate "
           "demonstrate experiments").split()
CATS = {1: "astro-ph.GA", 2: "q-bio.BM", 3: "cs.CR"}
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
HOSTILE = (1, 39)  # this astronomy paper's title starts with XSS


def pid(topic, i):
    return "2407.%d%04d" % (topic, i)


def topic_of(paper_id):
    return int(paper_id[5]) if paper_id.startswith("2407.") else 0


def corpus():
    rnd = random.Random(1)
    out = []
    for i in range(PER):
        for t in (1, 2, 3):
            w = TOPICS[t]
            title = " ".join([rnd.choice(w) for _ in range(3)]
                             + [rnd.choice(GENERAL), rnd.choice(w)])
            ab = [rnd.choice(w) if rnd.random() < 0.6 else rnd.choice(GENERAL)
                  for _ in range(60)]
            title = title.capitalize()
            if (t, i) == HOSTILE:
                title = XSS + " " + title
            out.append({"id": pid(t, i), "title": title,
                        "abstract": " ".join(ab) + ".",
                        "authors": ["Author %d" % t],
                        "categories": CATS[t],
                        "listed_day": "2024-07-0%d" % (1 + i % 5),
                        "published": "2024-07-01T00:00:00Z"})
    return out


class Server(wf.Server):
    """The corpus in a store (with vectors unless vectors=False), members
    alice, bob, carol and mod (a moderator), served on a free port."""

    def __init__(self, vectors=True):
        self.dir = tempfile.mkdtemp(prefix="pbfy-")
        self.db = os.path.join(self.dir, "t.db")
        if os.environ.get("PB_TEST_BACKEND") == "pg":
            # test_foryou_pg.py: the store on PostgreSQL; the vectors that
            # the CLI makes and serve reads in PAPERBOY_LOCAL_DIR
            import pbtest
            self.db = pbtest.pg_db("fy_%s" % os.path.basename(self.dir))
        jl = os.path.join(self.dir, "corpus.jsonl")
        with open(jl, "w") as f:
            for p in corpus():
                f.write(json.dumps(p) + "\n")
        wf.run([BIN, "import", "--db", self.db, jl])
        if vectors:
            wf.run([BIN, "train-vectors", "--db", self.db, "--dim", "32",
                    "--epochs", "20", "--min-count", "2"])
            wf.run([BIN, "embed", "--db", self.db])
        for name in ("alice", "bob", "carol"):
            rc, err = cf.user_add(self.db, name, PW)
            assert rc == 0, err
        rc, err = cf.user_add(self.db, "mod", PW, "moderator")
        assert rc == 0, err
        self.port = wf.free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.err = open(os.path.join(self.dir, "serve.err"), "w+")
        self.proc = subprocess.Popen(
            [BIN, "serve", "--db", self.db, "--port", str(self.port),
             "--bind", "127.0.0.1", "--threads", "2", "--access-log", "off",
             "--no-fetch-unknown"],
            stdout=subprocess.DEVNULL, stderr=self.err)
        for _ in range(300):
            try:
                urllib.request.urlopen(self.base + "/subscribe", timeout=2)
                return
            except Exception:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.1)
        raise RuntimeError("server did not start: " + self.stderr())
