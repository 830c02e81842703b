#!/usr/bin/env bash
# paperboy's skip-gram (train-vectors) beside Debian's fastText on the same
# words, the same hyperparameters and the same machine; each set of word
# vectors then measured on SciFact (semantic and hybrid nDCG@10, train and
# test splits) by `paperboy eval`. docs/BENCHMARKS.md, Semantic.
#
#   bench/vector/fasttext_compare.sh [OUTDIR]
#
# fastText gets the words `train-vectors --dump-words` writes (the
# analyser's stems, stop words gone), so only the trainer differs. Its
# subword n-grams (3 to 6 characters) are on, which paperboy's trainer does
# not have; --maxn 0 would make it plain skip-gram.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT="${1:-/tmp/pb-fasttext-bench}"
DATA="${PAPERBOY_DATA:-../shared/data}"
SF="$DATA/scifact"
command -v fasttext >/dev/null || { echo "bench/vector: no fasttext (make deps installs it)"; exit 1; }
mkdir -p "$OUT"
# the same options on both sides: 100 dims, window 8, 5 negatives, 40 epochs,
# sub-sampling 1e-4, min count 3, 2 threads
./paperboy train-vectors --corpus "$SF/corpus.jsonl" --stems \
  --dump-words "$OUT/words.txt"
t0=$(date +%s.%N)
./paperboy train-vectors --corpus "$SF/corpus.jsonl" --stems --min-count 3 \
  --epochs 40 --window 8 --negative 5 --dim 100 --threads 2 \
  --out "$OUT/paperboy.wv" >/dev/null 2>"$OUT/paperboy.log"
t1=$(date +%s.%N)
fasttext skipgram -input "$OUT/words.txt" -output "$OUT/fasttext" -dim 100 \
  -ws 8 -epoch 40 -neg 5 -minCount 3 -minn 3 -maxn 6 -t 1e-4 -thread 2 \
  -verbose 0
t2=$(date +%s.%N)
# fastText's text vectors into paperboy's .wv (stems flag set; corpus
# counts unknown, SIF counts the corpus itself)
/usr/bin/python3 - "$OUT/fasttext.vec" "$OUT/fasttext.wv" <<'PY'
import struct, sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
n, dim = map(int, lines[0].split())
words, vecs = [], []
for line in lines[1:]:
    p = line.rstrip().split(" ")
    if len(p) != dim + 1 or p[0] == "</s>" or not 0 < len(p[0].encode()) <= 64:
        continue
    words.append(p[0])
    vecs.append([float(x) for x in p[1:]])
with open(sys.argv[2], "wb") as f:
    f.write(b"PBWV0001" + struct.pack("<IIII", dim, len(words), 1, 0))
    for w in words:
        b = w.encode()
        f.write(bytes([len(b)]) + b)
    f.write(b"\0\0\0\0" * len(words))
    h = struct.Struct("<%de" % dim)
    for v in vecs:
        f.write(h.pack(*v))
PY
awk -v a="$t0" -v b="$t1" -v c="$t2" \
  'BEGIN { printf "train wall s: paperboy %.1f  fasttext %.1f\n", b - a, c - b }'
for w in paperboy fasttext; do
  for split in train test; do
    ./paperboy eval "$SF" --mode all --words "$OUT/$w.wv" --split "$split" |
      grep -E "mode=(semantic|hybrid-linear)" | sed "s/^/$w: /"
  done
done
