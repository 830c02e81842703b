/* w2v.c - deterministic multi-threaded skip-gram (w2v.h). */
#include "vector/w2v.h"

#include <immintrin.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "vector/sif.h"

struct pb_w2v_corpus {
    int stems;
    /* vocabulary while collecting: words, counts, hash */
    char **words;
    uint64_t *counts;
    uint32_t n_words, cap_words, *slots, n_slots;
    uint32_t *tok;  /* word ids */
    size_t n_tok, cap_tok;
    size_t *doc;    /* doc i is tok[doc[i] .. doc[i + 1]) */
    size_t n_doc, cap_doc;
};

void pb_w2v_defaults(struct pb_w2v_opts *o)
{
    *o = (struct pb_w2v_opts){.dim = 100, .epochs = 5, .threads = 2,
                              .shards = 2, .window = 8, .negative = 5,
                              .min_count = 5, .lr = 0.025, .sample = 1e-4,
                              .round_tokens = 200000, .seed = 1};
}

uint32_t pb_w2v_auto_epochs(size_t tokens)
{
    if (!tokens)
        return 1;
    double e = PB_W2V_AUTO_TOKENS / (double)tokens;
    return e >= PB_W2V_AUTO_MAX ? PB_W2V_AUTO_MAX : e < 1 ? 1 : (uint32_t)e;
}

static uint32_t hash(const char *p, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)p[i]) * 16777619u;
    return h;
}

struct pb_w2v_corpus *pb_w2v_corpus_new(int stems)
{
    struct pb_w2v_corpus *c = pb_calloc(1, sizeof *c);
    c->stems = stems;
    c->n_slots = 1 << 16;
    c->slots = pb_calloc(c->n_slots, sizeof *c->slots);
    c->cap_doc = 1024;
    c->doc = pb_calloc(c->cap_doc, sizeof *c->doc);
    c->n_doc = 0; /* doc[0] = 0 always */
    return c;
}

void pb_w2v_corpus_free(struct pb_w2v_corpus *c)
{
    if (!c)
        return;
    for (uint32_t i = 0; i < c->n_words; i++)
        free(c->words[i]);
    free(c->words);
    free(c->counts);
    free(c->slots);
    free(c->tok);
    free(c->doc);
    free(c);
}

size_t pb_w2v_corpus_tokens(const struct pb_w2v_corpus *c) { return c->n_tok; }

static void rehash(struct pb_w2v_corpus *c)
{
    free(c->slots);
    c->n_slots *= 2;
    c->slots = pb_calloc(c->n_slots, sizeof *c->slots);
    for (uint32_t i = 0; i < c->n_words; i++) {
        uint32_t s = hash(c->words[i], strlen(c->words[i])) & (c->n_slots - 1);
        while (c->slots[s])
            s = (s + 1) & (c->n_slots - 1);
        c->slots[s] = i + 1;
    }
}

static int intern(void *ctx, const char *p, size_t len)
{
    struct pb_w2v_corpus *c = ctx;
    if (len > PB_WV_MAX_WORD)
        return PB_OK;
    uint32_t mask = c->n_slots - 1, s = hash(p, len) & mask, id;
    for (;; s = (s + 1) & mask) {
        if (!c->slots[s]) {
            if (c->n_words == c->cap_words) {
                c->cap_words = c->cap_words ? c->cap_words * 2 : 4096;
                c->words = pb_reallocarray(c->words, c->cap_words, sizeof(char *));
                c->counts = pb_reallocarray(c->counts, c->cap_words, 8);
            }
            id = c->n_words++;
            c->words[id] = pb_strndup(p, len);
            c->counts[id] = 0;
            c->slots[s] = id + 1;
            if ((uint64_t)c->n_words * 2 > c->n_slots)
                rehash(c);
            break;
        }
        const char *w = c->words[c->slots[s] - 1];
        if (!strncmp(w, p, len) && !w[len]) {
            id = c->slots[s] - 1;
            break;
        }
    }
    c->counts[id]++;
    if (c->n_tok == c->cap_tok) {
        c->cap_tok = c->cap_tok ? c->cap_tok * 2 : 1 << 16;
        c->tok = pb_reallocarray(c->tok, c->cap_tok, sizeof *c->tok);
    }
    c->tok[c->n_tok++] = id;
    return PB_OK;
}

int pb_w2v_corpus_add(struct pb_w2v_corpus *c, struct pb_analyzer *az,
                      const char *title, const char *abstract)
{
    int rc = PB_OK;
    if (title)
        rc = pb_vec_words(az, title, strlen(title), c->stems, intern, c);
    if (!rc && abstract)
        rc = pb_vec_words(az, abstract, strlen(abstract), c->stems, intern, c);
    if (c->n_doc + 2 > c->cap_doc) {
        c->cap_doc *= 2;
        c->doc = pb_reallocarray(c->doc, c->cap_doc, sizeof *c->doc);
    }
    c->doc[++c->n_doc] = c->n_tok;
    return rc;
}

/* ---- training ---------------------------------------------------------- */

struct model {
    const struct pb_w2v_opts *o;
    uint32_t V, dim;
    float *syn0, *syn1; /* V x dim */
    uint32_t *table;    /* unigram^0.75 */
    size_t n_table;
    float *keep;        /* subsampling keep probability per word */
    uint32_t *tok;      /* remapped; UINT32_MAX = dropped word */
    const size_t *doc;
    size_t n_tok_all;   /* tokens per epoch, for the learning rate */
};

struct shard {
    struct model *m;
    float *l0, *l1;         /* local rows */
    uint32_t *st0, *st1;    /* stamp: row copied in this round */
    uint32_t *t0, *t1;      /* rows touched, in order of first touch */
    size_t n_t0, n_t1;
    uint32_t stamp;
    size_t d0, d1;          /* docs of this shard in this round */
    uint64_t rng;
    double done0;           /* epoch progress (tokens) at shard start */
    uint32_t epoch;
};

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static inline float *row0(struct shard *s, uint32_t w)
{
    size_t d = s->m->dim;
    if (s->st0[w] != s->stamp) {
        s->st0[w] = s->stamp;
        memcpy(s->l0 + w * d, s->m->syn0 + w * d, d * sizeof(float));
        s->t0[s->n_t0++] = w;
    }
    return s->l0 + w * d;
}

static inline float *row1(struct shard *s, uint32_t w)
{
    size_t d = s->m->dim;
    if (s->st1[w] != s->stamp) {
        s->st1[w] = s->stamp;
        memcpy(s->l1 + w * d, s->m->syn1 + w * d, d * sizeof(float));
        s->t1[s->n_t1++] = w;
    }
    return s->l1 + w * d;
}

/* The inner loops, with AVX2 and FMA when the CPU has them (chosen once;
 * the same machine always takes the same path, so results repeat). */
__attribute__((target("avx2,fma"))) static float dot_avx(const float *a,
                                                         const float *b,
                                                         uint32_t n)
{
    __m256 acc = _mm256_setzero_ps();
    uint32_t i = 0;
    for (; i + 8 <= n; i += 8)
        acc = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i),
                              acc);
    float t[8], s = 0;
    _mm256_storeu_ps(t, acc);
    for (int k = 0; k < 8; k++)
        s += t[k];
    for (; i < n; i++)
        s += a[i] * b[i];
    return s;
}

/* y += g * x */
__attribute__((target("avx2,fma"))) static void axpy_avx(float *y, float g,
                                                         const float *x,
                                                         uint32_t n)
{
    __m256 gv = _mm256_set1_ps(g);
    uint32_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_fmadd_ps(gv, _mm256_loadu_ps(x + i),
                                                _mm256_loadu_ps(y + i)));
    for (; i < n; i++)
        y[i] += g * x[i];
}

static float dot_plain(const float *a, const float *b, uint32_t n)
{
    float s = 0;
    for (uint32_t i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

static void axpy_plain(float *y, float g, const float *x, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        y[i] += g * x[i];
}

static int have_avx(void)
{
    static int have = -1;
    if (have < 0)
        have = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return have;
}

static void *run_shard(void *arg)
{
    struct shard *s = arg;
    struct model *m = s->m;
    const struct pb_w2v_opts *o = m->o;
    uint32_t dim = m->dim;
    float neu1e[PB_WV_MAX_DIM];
    uint32_t sent[4096];
    int avx = have_avx();
    float (*dot)(const float *, const float *, uint32_t) =
        avx ? dot_avx : dot_plain;
    void (*axpy)(float *, float, const float *, uint32_t) =
        avx ? axpy_avx : axpy_plain;
    double done = s->done0, total = (double)m->n_tok_all * o->epochs;
    for (size_t d = s->d0; d < s->d1; d++) {
        size_t a = m->doc[d], b = m->doc[d + 1], n = 0;
        done += (double)(b - a);
        for (size_t i = a; i < b && n < 4096; i++) {
            uint32_t w = m->tok[i];
            if (w == UINT32_MAX)
                continue;
            double u = (splitmix(&s->rng) >> 11) * (1.0 / 9007199254740992.0);
            if (u < m->keep[w])
                sent[n++] = w;
        }
        float lr = (float)(o->lr * fmax(1e-4, 1.0 - done / total));
        for (size_t i = 0; i < n; i++) {
            uint32_t w = sent[i];
            uint32_t bw = (uint32_t)(splitmix(&s->rng) % o->window);
            size_t lo = i + bw >= o->window ? i + bw - o->window : 0;
            size_t hi = i + o->window - bw;
            for (size_t j = lo; j <= hi && j < n; j++) {
                if (j == i)
                    continue;
                float *l1 = row0(s, sent[j]);
                memset(neu1e, 0, dim * sizeof(float));
                for (uint32_t k = 0; k <= o->negative; k++) {
                    uint32_t t = w;
                    float label = 1;
                    if (k) {
                        t = m->table[splitmix(&s->rng) % m->n_table];
                        if (t == w)
                            continue;
                        label = 0;
                    }
                    float *r = row1(s, t), f = dot(l1, r, dim);
                    float sg = f > 6 ? 1 : f < -6 ? 0 : 1 / (1 + expf(-f));
                    float g = (label - sg) * lr;
                    axpy(neu1e, g, r, dim);
                    axpy(r, g, l1, dim);
                }
                axpy(l1, 1.0f, neu1e, dim);
            }
        }
    }
    return NULL;
}

static int by_count(const void *x, const void *y, void *ctx)
{
    const struct pb_w2v_corpus *c = ctx;
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    if (c->counts[a] != c->counts[b])
        return c->counts[a] > c->counts[b] ? -1 : 1;
    return strcmp(c->words[a], c->words[b]);
}

static void merge_rows(float *global, float *local, const uint32_t *rows,
                       size_t n, uint32_t dim)
{
    /* local becomes the shard's change */
    for (size_t i = 0; i < n; i++) {
        float *l = local + (size_t)rows[i] * dim;
        const float *g = global + (size_t)rows[i] * dim;
        for (uint32_t x = 0; x < dim; x++)
            l[x] -= g[x];
    }
}

static void add_rows(float *global, const float *local, const uint32_t *rows,
                     size_t n, uint32_t dim)
{
    for (size_t i = 0; i < n; i++) {
        float *g = global + (size_t)rows[i] * dim;
        const float *l = local + (size_t)rows[i] * dim;
        for (uint32_t x = 0; x < dim; x++)
            g[x] += l[x];
    }
}

int pb_w2v_train(struct pb_w2v_corpus *c, const struct pb_w2v_opts *o,
                 struct pb_wordvec **out)
{
    *out = NULL;
    if (!o->dim || o->dim > PB_WV_MAX_DIM || !o->epochs || !o->window ||
        !o->shards || o->shards > 64 || !o->round_tokens)
        return PB_EINVAL;
    /* vocabulary: frequent words, most frequent first (ties by word) */
    uint32_t *order = pb_calloc(c->n_words + 1, sizeof *order), V = 0;
    for (uint32_t i = 0; i < c->n_words; i++)
        if (c->counts[i] >= o->min_count)
            order[V++] = i;
    if (!V) {
        free(order);
        return PB_EINVAL;
    }
    qsort_r(order, V, sizeof *order, by_count, c);
    uint32_t *remap = pb_calloc(c->n_words + 1, sizeof *remap);
    for (uint32_t i = 0; i < c->n_words; i++)
        remap[i] = UINT32_MAX;
    uint64_t total = 0;
    for (uint32_t i = 0; i < V; i++) {
        remap[order[i]] = i;
        total += c->counts[order[i]];
    }
    struct model m = {.o = o, .V = V, .dim = o->dim, .doc = c->doc,
                      .n_tok_all = c->n_tok};
    m.tok = pb_reallocarray(NULL, c->n_tok + 1, sizeof *m.tok);
    for (size_t i = 0; i < c->n_tok; i++)
        m.tok[i] = remap[c->tok[i]];
    m.keep = pb_calloc(V, sizeof *m.keep);
    for (uint32_t i = 0; i < V; i++) {
        double f = (double)c->counts[order[i]], t = o->sample * (double)total;
        m.keep[i] = o->sample > 0 ? (float)((sqrt(f / t) + 1) * t / f) : 1.0f;
    }
    m.n_table = V * 100u < 10000000u ? V * 100u : 10000000u;
    m.table = pb_calloc(m.n_table, sizeof *m.table);
    double norm = 0, acc;
    for (uint32_t i = 0; i < V; i++)
        norm += pow((double)c->counts[order[i]], 0.75);
    uint32_t w = 0;
    acc = pow((double)c->counts[order[0]], 0.75) / norm;
    for (size_t i = 0; i < m.n_table; i++) {
        m.table[i] = w;
        if ((double)(i + 1) / (double)m.n_table > acc && w + 1 < V)
            acc += pow((double)c->counts[order[++w]], 0.75) / norm;
    }
    size_t cells = (size_t)V * o->dim;
    m.syn0 = pb_calloc(cells, sizeof(float));
    m.syn1 = pb_calloc(cells, sizeof(float));
    uint64_t rs = o->seed;
    for (size_t i = 0; i < cells; i++)
        m.syn0[i] = (float)(((splitmix(&rs) >> 40) / 16777216.0 - 0.5) / o->dim);
    struct shard *sh = pb_calloc(o->shards, sizeof *sh);
    for (uint32_t s = 0; s < o->shards; s++) {
        sh[s].m = &m;
        sh[s].l0 = pb_calloc(cells, sizeof(float));
        sh[s].l1 = pb_calloc(cells, sizeof(float));
        sh[s].st0 = pb_calloc(V, sizeof(uint32_t));
        sh[s].st1 = pb_calloc(V, sizeof(uint32_t));
        sh[s].t0 = pb_calloc(V, sizeof(uint32_t));
        sh[s].t1 = pb_calloc(V, sizeof(uint32_t));
    }
    uint32_t stamp = 0, T = o->threads ? o->threads : 1;
    pthread_t *th = pb_calloc(o->shards, sizeof *th);
    for (uint32_t ep = 0; ep < o->epochs; ep++) {
        size_t d = 0;
        while (d < c->n_doc) {
            /* the round: docs [d, e) of about round_tokens tokens */
            size_t e = d;
            while (e < c->n_doc && c->doc[e] - c->doc[d] < o->round_tokens)
                e++;
            if (e == d)
                e++;
            size_t per = (c->doc[e] - c->doc[d]) / o->shards + 1, at = d;
            stamp++;
            for (uint32_t s = 0; s < o->shards; s++) {
                size_t b = at;
                while (b < e && (s + 1 == o->shards ||
                                 c->doc[b] - c->doc[at] < per))
                    b++;
                sh[s].d0 = at;
                sh[s].d1 = b;
                at = b;
                sh[s].stamp = stamp;
                sh[s].n_t0 = sh[s].n_t1 = 0;
                sh[s].done0 = (double)ep * c->n_tok + (double)c->doc[sh[s].d0];
                uint64_t k = o->seed ^ ((uint64_t)ep << 48) ^
                             ((uint64_t)d << 8) ^ s;
                sh[s].rng = splitmix(&k);
            }
            /* shards on T threads; each reads only the snapshot */
            for (uint32_t s0 = 0; s0 < o->shards; s0 += T) {
                uint32_t s1 = s0 + T < o->shards ? s0 + T : o->shards;
                for (uint32_t s = s0 + 1; s < s1; s++)
                    if (pthread_create(&th[s], NULL, run_shard, &sh[s]))
                        abort();
                run_shard(&sh[s0]);
                for (uint32_t s = s0 + 1; s < s1; s++)
                    pthread_join(th[s], NULL);
            }
            for (uint32_t s = 0; s < o->shards; s++) {
                merge_rows(m.syn0, sh[s].l0, sh[s].t0, sh[s].n_t0, o->dim);
                merge_rows(m.syn1, sh[s].l1, sh[s].t1, sh[s].n_t1, o->dim);
            }
            for (uint32_t s = 0; s < o->shards; s++) {
                add_rows(m.syn0, sh[s].l0, sh[s].t0, sh[s].n_t0, o->dim);
                add_rows(m.syn1, sh[s].l1, sh[s].t1, sh[s].n_t1, o->dim);
            }
            d = e;
        }
        if (o->log)
            fprintf(o->log, "train-vectors: epoch %u of %u done\n", ep + 1,
                    o->epochs);
    }
    struct pb_wordvec *wv = pb_wordvec_new(o->dim, c->stems ? PB_WV_STEMS : 0);
    struct pb_wordvec *ctx = o->out_context
                                 ? pb_wordvec_new(o->dim, c->stems ? PB_WV_STEMS : 0)
                                 : NULL;
    int rc = PB_OK;
    for (uint32_t i = 0; i < V && !rc; i++) {
        const char *word = c->words[order[i]];
        uint64_t cnt = c->counts[order[i]];
        uint32_t c32 = cnt > UINT32_MAX ? UINT32_MAX : (uint32_t)cnt;
        rc = pb_wordvec_add(wv, word, strlen(word), m.syn0 + (size_t)i * o->dim,
                            c32);
        if (!rc && ctx)
            rc = pb_wordvec_add(ctx, word, strlen(word),
                                m.syn1 + (size_t)i * o->dim, c32);
    }
    if (o->out_context) {
        if (rc)
            pb_wordvec_free(ctx);
        else
            *o->out_context = ctx;
    }
    for (uint32_t s = 0; s < o->shards; s++) {
        free(sh[s].l0), free(sh[s].l1), free(sh[s].st0), free(sh[s].st1);
        free(sh[s].t0), free(sh[s].t1);
    }
    free(sh), free(th), free(order), free(remap), free(m.tok), free(m.keep);
    free(m.table), free(m.syn0), free(m.syn1);
    if (rc)
        pb_wordvec_free(wv);
    else
        *out = wv;
    return rc;
}
