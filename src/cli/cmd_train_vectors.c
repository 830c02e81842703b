/* cmd_train_vectors.c - paperboy train-vectors: skip-gram word vectors on
 * the store's titles and abstracts (or a BEIR corpus.jsonl), src/vector/w2v.h */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "store/store.h"
#include "vector/sif.h"
#include "vector/vindex.h"
#include "vector/w2v.h"

struct feed {
    struct pb_w2v_corpus *c;
    struct pb_analyzer *az;
    size_t n, limit;
    FILE *dump; /* --dump-words: the words go here instead of into c */
    int stems;
};

static int put_word(void *ctx, const char *p, size_t len)
{
    FILE *out = ctx;
    if (fwrite(p, 1, len, out) != len || putc(' ', out) == EOF)
        return PB_EIO;
    return PB_OK;
}

/* One document: into the training corpus, or (--dump-words) as one line
 * of the words training would read, for other trainers (fastText). */
static int feed_doc(struct feed *f, const char *title, const char *abstract)
{
    if (!f->dump)
        return pb_w2v_corpus_add(f->c, f->az, title, abstract);
    int rc = PB_OK;
    if (title)
        rc = pb_vec_words(f->az, title, strlen(title), f->stems, put_word,
                          f->dump);
    if (!rc && abstract)
        rc = pb_vec_words(f->az, abstract, strlen(abstract), f->stems,
                          put_word, f->dump);
    if (!rc && putc('\n', f->dump) == EOF)
        rc = PB_EIO;
    return rc;
}

static int on_paper(void *ctx, int64_t pid, int64_t seq, int deleted,
                    const struct pb_paper *p)
{
    (void)pid, (void)seq, (void)deleted;
    struct feed *f = ctx;
    if (f->limit && f->n >= f->limit)
        return PB_EEOF;
    f->n++;
    return feed_doc(f, p->title, p->abstract);
}

static int read_beir(const char *path, struct feed *f)
{
    FILE *in = fopen(path, "r");
    if (!in) {
        perror(path);
        return 1;
    }
    char *line = NULL;
    size_t cap = 0;
    int rc = 0;
    while (!rc && getline(&line, &cap, in) > 0 &&
           !(f->limit && f->n >= f->limit)) {
        json_error_t e;
        json_t *o = json_loads(line, 0, &e);
        if (!o)
            continue;
        rc = feed_doc(f, json_string_value(json_object_get(o, "title")),
                      json_string_value(json_object_get(o, "text")));
        f->n++;
        json_decref(o);
    }
    free(line);
    fclose(in);
    return rc;
}

static int num(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (*end || v > max)
        return 1;
    *out = v;
    return 0;
}

int pb_cli_train_vectors(int argc, char **argv)
{
    const char *db = NULL, *corpus = NULL, *outp = NULL, *ctxp = NULL;
    const char *dumpp = NULL;
    struct pb_w2v_opts o;
    pb_w2v_defaults(&o);
    o.epochs = 0; /* by the corpus' size unless given */
    unsigned long v = 0, limit = 0;
    int stems = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (pb_cli_is_help(a)) {
            printf("usage: paperboy train-vectors [--db PATH] [--corpus "
                   "BEIR.jsonl] [--out FILE.wv]\n       [--dim 100] "
                   "[--epochs auto] [--threads 2] [--seed 1] [--window 8]\n"
                   "       [--negative 5] [--min-count 5] [--stems] "
                   "[--limit DOCS]\n       [--context-out FILE.wv] "
                   "[--dump-words FILE.txt]\n\n"
                   "Skip-gram with negative sampling on "
                   "the store's titles and abstracts\n(or a BEIR corpus), "
                   "written to PATH.wv (or --out). The same seed and\n"
                   "options give the same file for any --threads "
                   "(docs/SEMANTIC.md).\n--context-out also writes the "
                   "output (context) vectors.\nEpochs, unless given: about 40 M "
                   "training tokens (40 / million tokens\nof corpus), at "
                   "least 1, at most 40.\n--dump-words writes the words "
                   "training would read (one document\na line) to FILE.txt "
                   "and trains nothing: the input of other trainers\n"
                   "(bench/vector/fasttext_compare.sh).\n");
            return 0;
        }
        if (!val && a[0] == '-' && strcmp(a, "--stems")) {
            fprintf(stderr, "train-vectors: %s wants a value\n", a);
            return 2;
        }
        int bad = 0;
        if (!strcmp(a, "--db"))
            db = argv[++i];
        else if (!strcmp(a, "--corpus"))
            corpus = argv[++i];
        else if (!strcmp(a, "--out"))
            outp = argv[++i];
        else if (!strcmp(a, "--context-out"))
            ctxp = argv[++i];
        else if (!strcmp(a, "--dump-words"))
            dumpp = argv[++i];
        else if (!strcmp(a, "--stems"))
            stems = 1;
        else if (!strcmp(a, "--dim"))
            bad = num(argv[++i], PB_WV_MAX_DIM, &v) || !v, o.dim = (uint32_t)v;
        else if (!strcmp(a, "--epochs"))
            bad = num(argv[++i], 1000, &v) || !v, o.epochs = (uint32_t)v;
        else if (!strcmp(a, "--threads"))
            bad = num(argv[++i], 64, &v) || !v, o.threads = (uint32_t)v;
        else if (!strcmp(a, "--window"))
            bad = num(argv[++i], 50, &v) || !v, o.window = (uint32_t)v;
        else if (!strcmp(a, "--negative"))
            bad = num(argv[++i], 50, &v), o.negative = (uint32_t)v;
        else if (!strcmp(a, "--min-count"))
            bad = num(argv[++i], 1000000, &v), o.min_count = (uint32_t)v;
        else if (!strcmp(a, "--seed"))
            bad = num(argv[++i], ~0ul, &v), o.seed = v;
        else if (!strcmp(a, "--sample"))
            o.sample = strtod(argv[++i], NULL), bad = !(o.sample >= 0);
        else if (!strcmp(a, "--limit"))
            bad = num(argv[++i], ~0ul, &limit);
        else
            bad = 1;
        if (bad) {
            fprintf(stderr, "train-vectors: bad argument %s\n", a);
            return 2;
        }
    }
    o.log = stderr;
    char path[4200];
    db = pb_cli_db_path(db);
    if (!outp) {
        if (pb_vindex_path(db, "wv", path, sizeof path))
            return 2;
        outp = path;
    }
    struct feed f = {pb_w2v_corpus_new(stems), pb_analyzer_new(), 0, limit,
                     NULL, stems};
    if (dumpp && !(f.dump = fopen(dumpp, "w"))) {
        perror(dumpp);
        pb_w2v_corpus_free(f.c);
        pb_analyzer_free(f.az);
        return 1;
    }
    struct pb_wordvec *wv = NULL, *ctxv = NULL;
    struct pb_err err = {0};
    if (ctxp)
        o.out_context = &ctxv;
    int ret = 1, rc;
    struct timespec t0, t1, t2;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (corpus) {
        rc = read_beir(corpus, &f);
    } else {
        struct pb_store *st = NULL;
        /* one pass over the papers: no mapping of the whole store */
        if (pb_store_open(db, PB_STORE_READONLY | PB_STORE_NOMMAP, &st,
                          &err)) {
            fprintf(stderr, "train-vectors: %s\n", err.msg);
            goto out;
        }
        rc = pb_store_paper_each(st, 0, on_paper, &f);
        if (rc == PB_EEOF)
            rc = PB_OK;
        pb_store_close(st);
    }
    if (rc) {
        fprintf(stderr, "train-vectors: reading: %s\n", pb_strerror(rc));
        goto out;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (f.dump) {
        FILE *d = f.dump;
        f.dump = NULL;
        if (fclose(d)) {
            perror(dumpp);
            goto out;
        }
        printf("train-vectors: %zu documents' words to %s\n", f.n, dumpp);
        ret = 0;
        goto out;
    }
    if (!o.epochs)
        o.epochs = pb_w2v_auto_epochs(pb_w2v_corpus_tokens(f.c));
    fprintf(stderr, "train-vectors: %zu documents, %zu tokens, %u epoch%s\n",
            f.n, pb_w2v_corpus_tokens(f.c), o.epochs, o.epochs == 1 ? "" : "s");
    if ((rc = pb_w2v_train(f.c, &o, &wv))) {
        fprintf(stderr, "train-vectors: %s\n", pb_strerror(rc));
        goto out;
    }
    clock_gettime(CLOCK_MONOTONIC, &t2);
    if (pb_wordvec_save(wv, outp, &err)) {
        fprintf(stderr, "train-vectors: %s\n", err.msg);
        goto out;
    }
    if (ctxv && pb_wordvec_save(ctxv, ctxp, &err)) {
        fprintf(stderr, "train-vectors: %s\n", err.msg);
        goto out;
    }
    double rs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    double ts = (t2.tv_sec - t1.tv_sec) + (t2.tv_nsec - t1.tv_nsec) / 1e9;
    printf("train-vectors: %u words x %u dims to %s; read %.1f s, train "
           "%.1f s (%.0f tokens/s, %u threads, seed %llu)\n",
           pb_wordvec_count(wv), o.dim, outp, rs, ts,
           (double)pb_w2v_corpus_tokens(f.c) * o.epochs / (ts > 0 ? ts : 1),
           o.threads, (unsigned long long)o.seed);
    ret = 0;
out:
    if (f.dump)
        fclose(f.dump);
    pb_wordvec_free(wv);
    pb_wordvec_free(ctxv);
    pb_w2v_corpus_free(f.c);
    pb_analyzer_free(f.az);
    return ret;
}
