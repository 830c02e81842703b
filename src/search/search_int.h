/*
 * search_int.h - internals shared by the files of src/search/.
 *
 * Docids are dense: 0..n_main-1 are the main segment (the mapped file),
 * n_main.. the delta segment. Document metadata for both lives in heap
 * arrays (struct docs) indexed by docid.
 *
 * Delta postings, per term, are one append-only varint stream:
 *   posting = docid - (prev + 1), field mask (1 byte),
 *             for each field in the mask: tf, then tf position deltas.
 *
 * File layout (all little-endian, see index_file.c): header, doc arrays,
 * category names, term table, hash slots, term strings, postings. A term's
 * postings: nblk block entries (struct blk_disk), then each block:
 *   u8 n-1, u8 wdoc, u8 wtf[4], u16 pad, docid deltas (n x wdoc bits) and
 *   per field with wtf > 0 the tfs (n x wtf bits), each packed in u32 words;
 * its positions (varints as in the delta stream, per posting per field)
 * start at the block's pos_off. After the last block's positions, at the
 * term's imp offset: one impact byte per posting (block b's at imp + b *
 * BLK), the posting's BM25F pseudo-tf x (file params) rounded up to a
 * multiple of 1/IMP_SCALE: pb_impact_q(x) = ceil(x * IMP_SCALE), 255 for
 * larger x (then only the block's maxtf bounds it). Search sums them as
 * per-document score bounds (search.c, run_should_win()).
 */
#ifndef PB_SEARCH_SEARCH_INT_H
#define PB_SEARCH_SEARCH_INT_H

#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "search/index.h"

#define BLK 128
#define DOC_END UINT32_MAX
#define POS_MAX 65535u
#define TF_MAX 65535u
#define DAY_NONE INT32_MIN
#define IDX_MAGIC "PBIDX003"
#define IMP_SCALE 16.0
#define IMP_OPEN 255 /* an impact that bounds nothing below the block max */

struct blk_disk {
    uint32_t last;    /* last docid in the block */
    uint32_t off;     /* block data, from the term's start */
    uint32_t pos_off; /* positions, from the term's start */
    float maxtf;      /* max BM25F pseudo-tf in the block (file params) */
};

struct term_disk {
    uint64_t off; /* term data from the start of the file */
    uint32_t df, nblk;
    float maxtf;
    uint32_t str_off; /* into the strings section */
    uint32_t str_len;
    uint32_t imp; /* impact bytes, from the term's start */
};

/* A field's length norm w / (1 - b + b len / avg), as the index file's
 * bounds (block maxtf, impacts) were made and are checked with. */
static inline double pb_file_norm(double w, double b, double avg,
                                  uint16_t len)
{
    return w / (1 - b + (avg > 0 ? b * len / avg : 0));
}

/* The impact byte of a posting whose pseudo-tf is x (>= 0). */
static inline uint8_t pb_impact_q(double x)
{
    double y = ceil(x * IMP_SCALE);
    return y >= IMP_OPEN ? IMP_OPEN : (uint8_t)y;
}

struct file_hdr {
    char magic[8];
    uint32_t n_docs, n_terms, n_slots, n_cats;
    int64_t seq;
    double k1, b[PB_NFIELDS], w[PB_NFIELDS];
    uint32_t fts5_idf, pad;
    double avg[PB_NFIELDS]; /* average field lengths maxtf was made with */
    uint64_t pid, day, upv, flen, cat_off, cats, id_off, ids;
    uint64_t catnames_off, catnames, terms, slots, strings, postings, size;
};

/* A term of the delta segment. */
struct dterm {
    char *s; /* NUL-terminated, stored right after the struct */
    uint32_t len;
    uint32_t df;
    int64_t last; /* last docid with a posting, -1 */
    uint8_t *buf; /* the varint stream (owned) */
    uint32_t n, cap;
    /* a bulk index (struct pb_index.bulk) appended to: the rest of the
     * stream is buf2[off2..n2), after a first gap of first2 (owned);
     * see pb_index_append() */
    uint8_t *buf2;
    uint32_t off2, n2, first2;
};

/* A delta term's scratch while a document is added, kept apart from the
 * terms (struct pb_index.tscr, by term number): one dense array is one
 * cache miss a token at most, where the term itself was two (the pointer,
 * then the struct). */
struct tscratch {
    uint32_t doc; /* the document its tokens below belong to, or DOC_END */
    uint32_t head, tail; /* its tokens in the document (tok_next) */
};

struct docs {
    size_t n, cap;
    int64_t *pid;
    int32_t *day;
    int32_t *upv;
    uint16_t (*flen)[PB_NFIELDS];
    uint8_t *deleted;
    uint32_t *cat_off; /* n + 1 entries */
    uint16_t *cats;
    size_t n_cats_used, cap_cats;
    uint32_t *id_off; /* n + 1 entries */
    char *ids;
    size_t ids_len, ids_cap;
};

struct pb_index {
    pthread_rwlock_t lock;
    struct pb_bm25 params; /* what maxtf in the file was made with */
    int64_t seq;
    /* main segment */
    void *map;
    size_t map_len;
    const struct file_hdr *hdr;
    const struct term_disk *tterms;
    const uint32_t *tslots;
    const char *tstrings;
    /* per main term: 0 postings not checked yet, 1 good, 2 damaged (the
     * term is then treated as absent); see pb_index_term_ok() */
    _Atomic uint8_t *tcheck;
    /* the file's norms by field length (pb_file_norm()), for checking
     * the bounds in pb_index_term_ok(): fnorm[f][len] */
    double *fnorm[PB_NFIELDS];
    uint32_t n_main;
    /* delta terms: hash of dterm pointers */
    struct dterm **dterms; /* by insertion order */
    size_t n_dterms, cap_dterms;
    struct tscratch *tscr; /* cap_dterms of them */
    uint64_t *dslots; /* hash << 32 | (1 + index into dterms); 0 empty */
    size_t n_dslots;
    /* documents */
    struct docs d;
    uint64_t n_live;
    double flen_sum[PB_NFIELDS];
    /* pid -> docid for the delta and updated docs: open addressing */
    int64_t *pmap_key;
    uint32_t *pmap_val;
    size_t pmap_cap, pmap_n;
    int pmap_lazy; /* not built yet (see pmap_ensure() in index.c) */
    /* a rebuild's partition: every pid is added once and never looked up,
     * so no pid map is kept (a hash probe a paper, ~100 MB at 2.6M); an
     * append takes the other partition's postings without copying them
     * (dterm.buf2), and writing frees each term's postings once written:
     * a bulk index is written once, then freed, never searched */
    int bulk;
    /* tests: a write keeps the live documents in docid order instead of
     * numbering them by topic (pb_doc_order()), for hand-made layouts */
    int keep_order;
    /* categories */
    char **cat_names;
    size_t n_cat_names;
    uint32_t cat_slots[1024];
    uint64_t gen;     /* bumped by every change */
    uint64_t del_gen; /* bumped by every deletion */
    uint64_t n_deleted;
    uint16_t flen_max[PB_NFIELDS]; /* longest field lengths (all docs) */
    /* word -> delta term (the word's stem) while adding: one probe
     * instead of the analyser's stem cache and then the term table */
    uint64_t *rslots; /* hash << 32 | (1 + offset in rpool); 0 empty */
    size_t n_rslots, n_raw;
    uint8_t *rpool; /* entries: u32 term, u8 len, the word */
    size_t rpool_len, rpool_cap;
    /* per-doc token scratch while adding */
    uint32_t *tok_term, *tok_pos, *tok_next;
    uint8_t *tok_field;
    size_t n_tok, cap_tok;
};

/* bitpack.c */
void pb_bitpack(const uint32_t *v, size_t n, unsigned w, uint32_t *out);
void pb_bitunpack(const uint8_t *in, size_t n, unsigned w, uint32_t *out);
/* Unpack n gaps and make them docids: out[i] = out[i-1] + 1 + gap[i],
 * starting from prev (UINT32_MAX before a term's first block). */
void pb_bitunpack_gaps(const uint8_t *in, size_t n, unsigned w, uint32_t prev,
                       uint32_t *out);
/* The same without SIMD (what pb_bitunpack_gaps uses where the CPU has no
 * AVX2, or for widths over 24 bits); tests compare the two. */
void pb_bitunpack_gaps_scalar(const uint8_t *in, size_t n, unsigned w,
                              uint32_t prev, uint32_t *out);
/* 1 if pb_bitunpack_gaps takes its AVX2 path on this CPU. */
int pb_bitunpack_simd(void);
/* 32-bit words that n values of w bits take. */
static inline size_t pb_bitpack_words(size_t n, unsigned w)
{
    return (n * w + 31) / 32;
}
unsigned pb_bitwidth(uint32_t max);

/* varints */
static inline uint8_t *pb_varint_put(uint8_t *p, uint32_t v)
{
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}
static inline const uint8_t *pb_varint_get(const uint8_t *p, uint32_t *v)
{
    uint32_t r = 0;
    unsigned s = 0;
    while (*p & 0x80) {
        r |= (uint32_t)(*p++ & 0x7F) << s;
        s += 7;
    }
    *v = r | ((uint32_t)*p++ << s);
    return p;
}

uint32_t pb_term_hash(const char *p, size_t len);

/* index.c */
/* Look a term up; *out_main is NULL when it is not in the main segment,
 * *out_delta NULL when not in the delta. */
void pb_index_lookup(const struct pb_index *ix, const char *t, size_t len,
                     const struct term_disk **out_main,
                     const struct dterm **out_delta);
int pb_index_docid(const struct pb_index *ix, int64_t pid, uint32_t *out);
const char *pb_index_cat_name(const struct pb_index *ix, uint16_t c);
int pb_index_cat_find(const struct pb_index *ix, const char *name);
const char *pb_index_doc_id(const struct pb_index *ix, uint32_t doc,
                            size_t *len);
static inline size_t pb_index_ndocs(const struct pb_index *ix)
{
    return ix->d.n;
}
double pb_idf(const struct pb_index *ix, uint64_t df, int fts5);
/* The maxtf bound scale for file blocks under current stats (>= 1), or 0
 * when params differ from the file's (no bounds then). */
double pb_index_bound_scale(const struct pb_index *ix,
                            const struct pb_bm25 *q);

/* Per-field length normalisations w_f / (1 - b_f + b_f len / avglen_f),
 * tabulated by field length: document d's norm of field f is
 * t[f][flen[d][f]]. Both pointers borrowed from the searcher / index. */
struct normtab {
    const double *t[PB_NFIELDS];
    const uint16_t (*flen)[PB_NFIELDS];
};

static inline double pb_doc_pseudo_tf(const struct normtab *nt, uint32_t doc,
                                      const uint32_t tf[PB_NFIELDS])
{
    const uint16_t *fl = nt->flen[doc];
    return tf[0] * nt->t[0][fl[0]] + tf[1] * nt->t[1][fl[1]] +
           tf[2] * nt->t[2][fl[2]] + tf[3] * nt->t[3][fl[3]];
}

/* A decoded posting: fields tf and the positions per field. */
struct posting {
    uint32_t doc;
    uint16_t tf[PB_NFIELDS];
};

/* cursor.c: one term's postings over both segments. */
struct cursor {
    const struct pb_index *ix;
    /* main */
    const uint8_t *tbase;
    const struct blk_disk *blks;
    const uint8_t *imp; /* impact bytes of the main postings */
    uint32_t nblk, bi, sbi;
    uint32_t n, i;
    uint32_t docs[BLK];
    /* the block's packed tfs, read on demand (most postings a cursor
     * passes are never scored) */
    const uint8_t *tfp[PB_NFIELDS];
    uint8_t wtf[PB_NFIELDS];
    int tf_ready; /* tf[][] holds this block's tfs */
    uint32_t tf_peeks; /* postings whose tfs were read one by one */
    uint32_t tf_peek_max; /* read at most so many one by one (0: unpack) */
    uint32_t tf[PB_NFIELDS][BLK];
    const uint8_t *pp; /* positions of posting pi */
    uint32_t pi;
    /* delta (decoded at open) */
    uint32_t *ddoc;
    uint16_t (*dtf)[PB_NFIELDS];
    uint32_t *dpoff; /* into dpos, n_d + 1 */
    uint16_t *dpos;
    uint32_t n_d, di;
    int in_delta;
    double delta_maxtf;
    uint32_t doc;
    uint64_t df;
    double main_maxtf;
};

/* nt (may be NULL) gives the delta part's exact bound. */
void pb_cursor_open(struct cursor *c, const struct pb_index *ix,
                    const struct term_disk *tm, const struct dterm *td,
                    const struct normtab *nt);
void pb_cursor_close(struct cursor *c);
void pb_cursor_next(struct cursor *c);
/* Value i of n-bit values packed into 32-bit words at p (4-aligned). */
static inline uint32_t pb_bitget(const uint8_t *p, uint32_t i, unsigned w)
{
    if (!w)
        return 0;
    uint32_t bit = i * w, lo, hi;
    unsigned sh = bit & 31;
    memcpy(&lo, p + (bit >> 5) * 4, 4);
    uint32_t v = lo >> sh;
    if (sh + w > 32) {
        memcpy(&hi, p + (bit >> 5) * 4 + 4, 4);
        v |= hi << (32 - sh);
    }
    return w == 32 ? v : v & ((1u << w) - 1);
}
/* Unpack the current block's tfs (on the first call in a block). */
void pb_cursor_load_tf(struct cursor *c);
/* tf of field f at main-block posting j of c. */
static inline uint32_t pb_cursor_btf(struct cursor *c, int f, uint32_t j)
{
    if (!c->tf_ready)
        pb_cursor_load_tf(c);
    return c->tf[f][j];
}
void pb_cursor_advance(struct cursor *c, uint32_t target);
/* tf of field f at the current posting. */
static inline uint32_t pb_cursor_tf(struct cursor *c, int f)
{
    return c->in_delta ? c->dtf[c->di][f] : pb_cursor_btf(c, f, c->i);
}
/* Positions of field f at the current posting into out (cap); count. */
size_t pb_cursor_positions(struct cursor *c, int f, uint16_t *out,
                           size_t cap);
/* Max pseudo-tf (file params, unscaled for main) of the block holding
 * target, without moving; -1 if no posting >= target. delta: exact. */
double pb_cursor_block_maxtf(struct cursor *c, uint32_t target, double scale);
/* Max pseudo-tf over the blocks that may hold postings in [lo, hi]; -1
 * when none can. */
double pb_cursor_range_maxtf(struct cursor *c, uint32_t lo, uint32_t hi,
                             double scale);
/* Last docid of the block holding target (DOC_END - 1 past the end). */
uint32_t pb_cursor_block_last(struct cursor *c, uint32_t target);
double pb_cursor_term_maxtf(const struct cursor *c, double scale);

void pb_docs_reserve(struct docs *d, size_t n);
/* Move src's documents and postings after dst's (docids n(dst)..): both
 * must be delta-only (built in memory, never mapped). src is left empty
 * but must still be freed. For building partitions on several threads.
 * A bulk dst takes each term's stream as it is (dterm.buf2: no copy, no
 * growth); a bulk dst must have been appended to at most once. */
void pb_index_append(struct pb_index *dst, struct pb_index *src);
void pb_index_pmap_rebuild(struct pb_index *ix);
/* Free what only adding documents needs (the word -> term cache, token
 * scratch): for an index that is written next and not added to again
 * (adding still works, rebuilding the cache). */
void pb_index_drop_add_cache(struct pb_index *ix);

/* search.c: the long-query pass's window, 2^shift docids (4 <= shift <
 * its default; anything else: the default). For tests of window edges on
 * small corpora. */
struct pb_searcher;
void pb_searcher_set_window(struct pb_searcher *s, unsigned shift);

/* docorder.c */
/* The live documents of ix in the order a written index numbers them
 * (categories as names, then pid; docid order with ix->keep_order):
 * order[new docid] = old docid, *out_n of them. The caller frees it. */
uint32_t *pb_doc_order(const struct pb_index *ix, uint32_t *out_n);
/* Sort a[0..n) ascending. Every value is below 2^(lo + bits), and a[] is
 * already in order by the bits below lo (a radix sort then reads only
 * bits [lo, lo + bits)); tmp is scratch for n values. */
void pb_sort_u64(uint64_t *a, uint64_t *tmp, size_t n, unsigned lo,
                 unsigned bits);

/* index_file.c */
/* pb_index_write() with the postings built on nthreads threads (1: on the
 * caller's); the file is the same bytes whatever nthreads. */
int pb_index_write_threads(struct pb_index *ix, const char *path, int nthreads,
                           struct pb_err *err);
int pb_index_map(struct pb_index *ix, const char *path, struct pb_err *err);
/* Main term tm's postings are sound (checked on first use: every block
 * offset, bit width, docid and position varint a cursor will read). A
 * damaged term is reported once on stderr and reads as absent. */
int pb_index_term_ok(const struct pb_index *ix, const struct term_disk *tm);
/* Decode a main-segment block's docids; where its packed tfs start
 * (tfp) and their bit widths (wtf). */
void pb_block_decode(const uint8_t *tbase, const struct blk_disk *b,
                     uint32_t prev_last, uint32_t *n, uint32_t *docs,
                     const uint8_t *tfp[PB_NFIELDS], uint8_t wtf[PB_NFIELDS]);

#endif
