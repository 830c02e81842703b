/* import_run.c - the import pipeline: readers -> parsers -> one writer,
 * in input order.
 *
 * A reader thread takes the files in order, one at a time, and decompresses
 * it. A line-based file (arXiv snapshot, paperboy JSON lines) is cut into
 * chunks of whole lines that the parser threads parse, in any order and on
 * any core; a file in another format is parsed by its reader. Either way
 * what comes out is a sequence of pieces per file, each numbered: its
 * papers (one transaction) and its rejections. The writer takes the pieces
 * strictly in order, file by file, piece by piece, whatever thread finished
 * first, so the store's pids and seqs, the merge of papers that repeat, the
 * counts and the order of the messages do not depend on timing or on the
 * number of threads (--threads 1 gives the same store).
 *
 * Memory stays flat: a reader waits before it starts a piece when the
 * file being written has HEAD_PIECES pieces in flight, or when the files
 * after it have AHEAD_PIECES together. The file being written can always
 * go on (its pieces are consumed as they come), so nothing waits forever;
 * the files after it use the cores that writing the head leaves idle.
 */
#include "ingest/import_run.h"

#include <dirent.h>
#include <malloc.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/mem.h"
#include "ingest/chunk.h"

#define DEFAULT_BATCH 4096
#define CHUNK_BYTES (8u << 20) /* a chunk takes no more lines past this */
#define HEAD_PIECES 4
#define AHEAD_PIECES 8
#define MAX_THREADS 8

struct item {
    struct pb_paper p; /* a deletion record when pb_import_is_delete() */
};

/* A rejection, reported when the writer reaches its piece. */
struct reject {
    struct reject *next;
    uint64_t line, offset, entry;
    char reason[];
};

/* What one stretch of a file gave: papers (written as one transaction) and
 * rejections. The last piece of a file says how reading it ended. */
struct piece {
    int file;
    uint64_t idx; /* 0, 1, ... within the file */
    struct item *v;
    size_t n, cap;
    int64_t yielded; /* records the importer handed over (kept or not) */
    struct reject *rej, *rej_tail;
    int64_t n_rej;
    struct pb_chunk chunk; /* lines still to parse (line-based files) */
    pb_line_parser parse;
    int last; /* the file's end */
    int rc;   /* last piece: how reading the file ended */
    struct piece *next;
};

struct file_state {
    char *path;
    uint64_t size;
    _Atomic uint64_t raw_done;
    struct pb_import_counts n; /* the writer's */
    int64_t rejected;          /* the writer's */
    int64_t yielded;           /* the writer's */
    const char *format;        /* set by the reader */
    int failed;
    /* under run.mu */
    uint64_t made;       /* pieces started by the reader */
    uint64_t next_idx;   /* the piece the writer takes next */
    int inflight;        /* pieces started and not yet written */
    struct piece *ready; /* done, sorted by idx, waiting for the writer */
};

struct run {
    struct pb_store *st;
    const struct pb_import_opts *opts;
    FILE *report;
    struct file_state *files;
    int n_files;
    _Atomic int next_file;
    size_t batch_size;
    int serial; /* one thread reads and parses */
    pthread_mutex_t mu;
    pthread_cond_t ready_cv; /* a piece is ready: the writer */
    pthread_cond_t slot_cv;  /* a piece was written: the readers */
    pthread_cond_t work_cv;  /* a chunk to parse: the parsers */
    struct piece *work, *work_tail; /* chunks to parse, in order */
    int head;          /* the file being written */
    int inflight;      /* pieces in flight, all files */
    int readers_left;
    _Atomic int abort; /* writer failed or stop requested */
    pthread_mutex_t report_mu;
    int bar_drawn;
};

/* The sink's context: where a reader (or a parser) puts what it gets. */
struct sink_ctx {
    struct run *run;
    int file;
    struct piece *cur;
    int stream;   /* a reader's: hand cur over when full, start another */
    int reported; /* rejections made, or a stream error that will be */
    struct pb_reader *reader;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int stopped(struct run *r)
{
    return atomic_load(&r->abort) || (r->opts->stop && *r->opts->stop);
}

static void free_piece(struct piece *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        pb_paper_clear(&p->v[i].p);
    free(p->v);
    while (p->rej) {
        struct reject *x = p->rej;
        p->rej = x->next;
        free(x);
    }
    pb_chunk_clear(&p->chunk);
    free(p);
}

static int may_start(struct run *r, int file)
{
    if (file == r->head)
        return r->files[file].inflight < HEAD_PIECES;
    int ahead = r->inflight - (r->head < r->n_files ? r->files[r->head].inflight : 0);
    return ahead < AHEAD_PIECES;
}

/* A new piece of file, once the bounds allow; NULL when the import stops. */
static struct piece *piece_new(struct run *r, int file)
{
    pthread_mutex_lock(&r->mu);
    while (!may_start(r, file) && !stopped(r))
        pthread_cond_wait(&r->slot_cv, &r->mu);
    if (stopped(r)) {
        pthread_mutex_unlock(&r->mu);
        return NULL;
    }
    struct file_state *f = &r->files[file];
    struct piece *p = pb_calloc(1, sizeof *p);
    p->file = file;
    p->idx = f->made++;
    f->inflight++;
    r->inflight++;
    pthread_mutex_unlock(&r->mu);
    pb_chunk_init(&p->chunk);
    return p;
}

/* Hand p to the writer. */
static void piece_ready(struct run *r, struct piece *p)
{
    pthread_mutex_lock(&r->mu);
    struct piece **at = &r->files[p->file].ready;
    while (*at && (*at)->idx < p->idx)
        at = &(*at)->next;
    p->next = *at;
    *at = p;
    pthread_cond_signal(&r->ready_cv);
    pthread_mutex_unlock(&r->mu);
}

static void add_reject(struct piece *p, const struct pb_srcpos *pos,
                       const char *reason)
{
    size_t len = strlen(reason);
    struct reject *x = pb_malloc(sizeof *x + len + 1);
    x->next = NULL;
    x->line = pos->line;
    x->offset = pos->offset;
    x->entry = pos->entry;
    memcpy(x->reason, reason, len + 1);
    if (p->rej_tail)
        p->rej_tail->next = x;
    else
        p->rej = x;
    p->rej_tail = x;
    p->n_rej++;
}

static void report_line(struct run *r, const char *file,
                        const struct reject *x)
{
    pthread_mutex_lock(&r->report_mu);
    if (r->bar_drawn) {
        fputs("\r\033[K", r->report);
        r->bar_drawn = 0;
    }
    if (x->line)
        fprintf(r->report, "%s:%llu: %s\n", file,
                (unsigned long long)x->line, x->reason);
    else if (x->entry)
        fprintf(r->report, "%s: entry %llu (byte %llu): %s\n", file,
                (unsigned long long)x->entry,
                (unsigned long long)x->offset, x->reason);
    else
        fprintf(r->report, "%s: byte %llu: %s\n", file,
                (unsigned long long)x->offset, x->reason);
    pthread_mutex_unlock(&r->report_mu);
}

/* The sink's piece, started when needed; NULL when the import stops. */
static struct piece *cur_piece(struct sink_ctx *w)
{
    if (!w->cur)
        w->cur = piece_new(w->run, w->file);
    return w->cur;
}

static void on_reject(void *ctx, const struct pb_srcpos *pos,
                      const char *reason)
{
    struct sink_ctx *w = ctx;
    w->reported = 1;
    struct piece *p = cur_piece(w);
    if (p)
        add_reject(p, pos, reason);
}

static int on_paper(void *ctx, struct pb_paper *p, const struct pb_srcpos *pos)
{
    struct sink_ctx *w = ctx;
    struct run *r = w->run;
    if (stopped(r))
        return PB_EINTR;
    struct piece *b = cur_piece(w);
    if (!b)
        return PB_EINTR;
    b->yielded++;
    if (w->reader)
        atomic_store(&r->files[w->file].raw_done,
                     pb_reader_raw_offset(w->reader));
    int is_delete = pb_import_is_delete(p);
    char why[256];
    if (!is_delete && pb_paper_validate(p, why, sizeof why) != PB_OK) {
        on_reject(ctx, pos, why);
        pb_paper_clear(p);
        return PB_OK;
    }
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 256;
        if (b->cap > r->batch_size && b->n < r->batch_size)
            b->cap = r->batch_size;
        b->v = pb_reallocarray(b->v, b->cap, sizeof *b->v);
    }
    struct item *it = &b->v[b->n++];
    pb_paper_init(&it->p);
    pb_paper_move(&it->p, p);
    if (w->stream && b->n >= r->batch_size) {
        piece_ready(r, b);
        w->cur = NULL;
    }
    return PB_OK;
}

/* Parse the chunk of p into p (a parser thread, or the reader when serial). */
static void parse_piece(struct run *r, struct piece *p)
{
    struct sink_ctx w = {r, p->file, p, 0, 0, NULL};
    struct pb_sink sink = {on_paper, on_reject, &w};
    (void)pb_ingest_chunk(&p->chunk, r->files[p->file].path, &sink, p->parse);
    pb_chunk_clear(&p->chunk);
}

static void *parser(void *arg)
{
    struct run *r = arg;
    pthread_mutex_lock(&r->mu);
    for (;;) {
        while (!r->work && r->readers_left > 0 && !stopped(r))
            pthread_cond_wait(&r->work_cv, &r->mu);
        if (!r->work || stopped(r))
            break;
        struct piece *p = r->work;
        r->work = p->next;
        if (!r->work)
            r->work_tail = NULL;
        pthread_mutex_unlock(&r->mu);
        parse_piece(r, p);
        piece_ready(r, p);
        pthread_mutex_lock(&r->mu);
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

/* Cut a line-based file into chunks for the parsers. w->cur is NULL on
 * entry; at the end it may hold an empty piece (the file's last). */
static int read_chunks(struct run *r, struct sink_ctx *w, struct pb_reader *rd,
                       pb_line_parser parse, struct pb_err *err)
{
    for (;;) {
        struct piece *p = piece_new(r, w->file);
        if (!p)
            return PB_EINTR;
        int rc = pb_chunk_fill(&p->chunk, rd, r->batch_size, CHUNK_BYTES);
        atomic_store(&r->files[w->file].raw_done, pb_reader_raw_offset(rd));
        if (rc == PB_EEOF) {
            w->cur = p;
            return PB_OK;
        }
        p->parse = parse;
        int brc = p->chunk.rc;
        if (brc) {
            w->reported = 1; /* the parser rejects the BROKEN line */
            pb_err_set(err, brc, "%s", p->chunk.msg);
        }
        if (r->serial) {
            parse_piece(r, p);
            piece_ready(r, p);
        } else {
            pthread_mutex_lock(&r->mu);
            p->next = NULL;
            if (r->work_tail)
                r->work_tail->next = p;
            else
                r->work = p;
            r->work_tail = p;
            pthread_cond_signal(&r->work_cv);
            pthread_mutex_unlock(&r->mu);
        }
        if (brc)
            return brc;
        if (stopped(r))
            return PB_EINTR;
    }
}

static void read_file(struct run *r, int i)
{
    struct file_state *f = &r->files[i];
    struct sink_ctx w = {r, i, NULL, 1, 0, NULL};
    struct pb_sink sink = {on_paper, on_reject, &w};
    struct pb_err err;
    pb_err_clear(&err);
    struct pb_reader *rd = NULL;
    int rc = pb_reader_open(f->path, &rd, &err);
    if (rc == PB_OK) {
        w.reader = rd;
        enum pb_format fmt = r->opts->format;
        const char *p;
        size_t n;
        if (fmt == PB_FMT_UNKNOWN &&
            (rc = pb_reader_peek(rd, &p, 64 << 10, &n, &err)) == PB_OK) {
            if (n)
                fmt = pb_format_detect(p, n);
        }
        f->format = pb_format_name(fmt);
        if (rc == PB_OK) {
            pb_line_parser parse = pb_ingest_line_parser(fmt);
            if (parse)
                rc = read_chunks(r, &w, rd, parse, &err);
            else
                rc = pb_ingest_run(fmt, rd, f->path, &sink, &err);
            /* importers report their own stream errors as rejections */
            if (rc && rc != PB_EINTR && err.rc == 0)
                pb_err_set(&err, rc, "%s", pb_strerror(rc));
        }
        if (rc == PB_EUNSUP || rc == PB_EPARSE) {
            /* detection failures are not yet reported by an importer */
            if (err.rc == PB_EUNSUP || (rc == PB_EPARSE && !w.reported)) {
                struct pb_srcpos pos = {f->path, 0, 0, 0};
                on_reject(&w, &pos, err.msg);
            }
        }
        atomic_store(&f->raw_done, pb_reader_raw_size(rd));
    } else {
        struct pb_srcpos pos = {f->path, 0, 0, 0};
        on_reject(&w, &pos, err.msg);
    }
    pb_reader_free(rd);
    struct piece *last = cur_piece(&w);
    if (!last)
        return; /* stopped: the writer takes nothing more */
    last->last = 1;
    last->rc = rc;
    piece_ready(r, last);
}

static void *reader(void *arg)
{
    struct run *r = arg;
    int i;
    while (!stopped(r) && (i = atomic_fetch_add(&r->next_file, 1)) < r->n_files)
        read_file(r, i);
    pthread_mutex_lock(&r->mu);
    r->readers_left--;
    pthread_cond_broadcast(&r->work_cv);
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

static void draw_bar(struct run *r, double t0, int64_t papers, int final)
{
    if (!r->opts->progress)
        return;
    uint64_t done = 0, total = 0;
    for (int i = 0; i < r->n_files; i++) {
        done += atomic_load(&r->files[i].raw_done);
        total += r->files[i].size;
    }
    double el = now_s() - t0, frac = total ? (double)done / (double)total : 0;
    if (frac > 1)
        frac = 1;
    char bar[31];
    int fill = (int)(frac * 30);
    for (int i = 0; i < 30; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[30] = '\0';
    double rate = el > 0 ? (double)papers / el : 0;
    double eta = frac > 0.001 ? el / frac - el : 0;
    pthread_mutex_lock(&r->report_mu);
    fprintf(r->report, "\r\033[K[%s] %3d%%  %lld papers  %.0f papers/s  ETA %d:%02d",
            bar, (int)(frac * 100), (long long)papers, rate, (int)eta / 60,
            (int)eta % 60);
    if (final)
        fputc('\n', r->report);
    r->bar_drawn = !final;
    fflush(r->report);
    pthread_mutex_unlock(&r->report_mu);
}

int pb_import_apply(struct pb_store *st, const struct pb_paper *p,
                    struct pb_import_counts *c)
{
    if (pb_import_is_delete(p)) {
        int rc = pb_store_paper_delete(st, p->id);
        if (rc == PB_OK)
            c->deleted++;
        return rc == PB_ENOTFOUND ? PB_OK : rc;
    }
    enum pb_upsert u;
    int rc = pb_store_paper_upsert(st, p, &u, NULL);
    if (rc)
        return rc;
    if (u == PB_UPSERT_ADDED)
        c->added++;
    else if (u == PB_UPSERT_UPDATED)
        c->updated++;
    else
        c->unchanged++;
    return PB_OK;
}

int pb_import_apply_batch(struct pb_store *st, const struct pb_paper *const *v,
                          size_t n, struct pb_import_counts *c)
{
    enum pb_upsert *u = pb_reallocarray(NULL, n ? n : 1, sizeof *u);
    int rc = PB_OK;
    /* runs of upserts in one batch upsert each; a deletion between them
     * keeps its place */
    for (size_t i = 0; i < n && !rc;) {
        if (pb_import_is_delete(v[i])) {
            rc = pb_import_apply(st, v[i++], c);
            continue;
        }
        size_t k = 0;
        while (i + k < n && !pb_import_is_delete(v[i + k]))
            k++;
        if (!(rc = pb_store_paper_upsert_batch(st, v + i, k, u)))
            for (size_t j = 0; j < k; j++) {
                if (u[j] == PB_UPSERT_ADDED)
                    c->added++;
                else if (u[j] == PB_UPSERT_UPDATED)
                    c->updated++;
                else
                    c->unchanged++;
            }
        i += k;
    }
    free(u);
    return rc;
}

static int write_piece(struct run *r, struct piece *b, int64_t *papers)
{
    struct file_state *f = &r->files[b->file];
    int rc = pb_store_begin(r->st);
    if (rc)
        return rc;
    const struct pb_paper **v =
        pb_reallocarray(NULL, b->n ? b->n : 1, sizeof *v);
    for (size_t i = 0; i < b->n; i++)
        v[i] = &b->v[i].p;
    rc = pb_import_apply_batch(r->st, v, b->n, &f->n);
    free(v);
    if (rc) {
        pb_store_rollback(r->st);
        return rc;
    }
    rc = pb_store_commit(r->st);
    *papers += (int64_t)b->n;
    return rc;
}

/* The end of a file, in the writer: --format named a format the file has
 * nothing in? Say so rather than import nothing without a word. */
static void file_done(struct run *r, struct file_state *f, int rc)
{
    if (rc == PB_OK && r->opts->format != PB_FMT_UNKNOWN && f->yielded == 0 &&
        f->rejected == 0) {
        enum pb_format seen = PB_FMT_UNKNOWN;
        struct pb_reader *again = NULL;
        struct pb_err e2;
        const char *p;
        size_t n;
        if (pb_reader_open(f->path, &again, &e2) == PB_OK &&
            pb_reader_peek(again, &p, 64 << 10, &n, &e2) == PB_OK)
            seen = pb_format_detect(p, n);
        pb_reader_free(again);
        char msg[300];
        const char *want = pb_format_name(r->opts->format);
        if (seen != PB_FMT_UNKNOWN && seen != r->opts->format)
            snprintf(msg, sizeof msg,
                     "no %s records in this file; it looks like %s (leave "
                     "--format out, or give --format %s)",
                     want, pb_format_name(seen), pb_format_name(seen));
        else
            snprintf(msg, sizeof msg, "no %s records in this file", want);
        size_t len = strlen(msg);
        struct reject *y = pb_malloc(sizeof *y + len + 1);
        memset(y, 0, sizeof *y);
        memcpy(y->reason, msg, len + 1);
        report_line(r, f->path, y);
        free(y);
        f->rejected++;
        rc = PB_EUNSUP;
    }
    if (rc && rc != PB_EINTR)
        f->failed = 1;
}

/* The writer takes p: reports its rejections, writes its papers. */
static int consume(struct run *r, struct piece *p, int wrc, int64_t *papers,
                   struct pb_err *err)
{
    struct file_state *f = &r->files[p->file];
    for (struct reject *x = p->rej; x; x = x->next)
        report_line(r, f->path, x);
    f->rejected += p->n_rej;
    f->yielded += p->yielded;
    if (!wrc && p->n && !(r->opts->stop && *r->opts->stop)) {
        wrc = write_piece(r, p, papers);
        if (wrc) {
            pb_err_set(err, wrc, "writing to the store: %s",
                       pb_store_errmsg(r->st));
            atomic_store(&r->abort, 1);
        }
    }
    if (p->last)
        file_done(r, f, p->rc);
    pthread_mutex_lock(&r->mu);
    f->inflight--;
    r->inflight--;
    if (p->last)
        r->head++;
    if (atomic_load(&r->abort)) {
        pthread_cond_broadcast(&r->work_cv);
        pthread_cond_broadcast(&r->ready_cv);
    }
    pthread_cond_broadcast(&r->slot_cv);
    pthread_mutex_unlock(&r->mu);
    free_piece(p);
    return wrc;
}

/* Whether a file found in a directory looks like a dump (by its name:
 * .json .jsonl .ndjson .xml .atom, optionally .gz or .xz); files named on
 * the command line are always taken. */
static int looks_like_data(const char *name)
{
    static const char *const ext[] = {".json", ".jsonl", ".ndjson", ".xml",
                                      ".atom"};
    size_t n = strlen(name);
    if (n > 3 && (!strcmp(name + n - 3, ".gz") || !strcmp(name + n - 3, ".xz")))
        n -= 3;
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
        size_t k = strlen(ext[i]);
        if (n > k && !strncmp(name + n - k, ext[i], k))
            return 1;
    }
    return 0;
}

/* Expand directories into their data files, sorted by name. */
static int collect(char *const *paths, int n, struct file_state **out,
                   int *out_n, struct pb_err *err)
{
    struct file_state *v = NULL;
    int cnt = 0, cap = 0, rc = PB_OK;
    for (int i = 0; i < n && !rc; i++) {
        struct stat st;
        if (stat(paths[i], &st) != 0) {
            rc = pb_err_set(err, PB_EIO, "%s: %s", paths[i], strerror(errno));
            break;
        }
        char **names = NULL;
        int nn = 0;
        if (S_ISDIR(st.st_mode)) {
            struct dirent **list = NULL;
            int k = scandir(paths[i], &list, NULL, alphasort);
            if (k < 0) {
                rc = pb_err_set(err, PB_EIO, "%s: %s", paths[i], strerror(errno));
                break;
            }
            names = pb_calloc((size_t)k + 1, sizeof *names);
            for (int j = 0; j < k; j++) {
                if (list[j]->d_name[0] != '.' && looks_like_data(list[j]->d_name)) {
                    size_t plen = strlen(paths[i]);
                    while (plen > 1 && paths[i][plen - 1] == '/')
                        plen--;
                    size_t len = plen + strlen(list[j]->d_name) + 2;
                    char *full = pb_malloc(len);
                    snprintf(full, len, "%.*s/%s", (int)plen, paths[i], list[j]->d_name);
                    struct stat fs;
                    if (stat(full, &fs) == 0 && S_ISREG(fs.st_mode))
                        names[nn++] = full;
                    else
                        free(full);
                }
                free(list[j]);
            }
            free(list);
        } else {
            names = pb_calloc(1, sizeof *names);
            names[nn++] = pb_strdup(paths[i]);
        }
        for (int j = 0; j < nn; j++) {
            if (cnt == cap) {
                cap = cap ? cap * 2 : 16;
                v = pb_reallocarray(v, (size_t)cap, sizeof *v);
            }
            memset(&v[cnt], 0, sizeof v[cnt]);
            v[cnt].path = names[j];
            struct stat fs;
            v[cnt].size = stat(names[j], &fs) == 0 ? (uint64_t)fs.st_size : 0;
            v[cnt].format = "unknown";
            cnt++;
        }
        free(names);
    }
    *out = v;
    *out_n = cnt;
    return rc;
}

int pb_import_paths(struct pb_store *st, char *const *paths, int n_paths,
                    const struct pb_import_opts *opts,
                    struct pb_import_summary *out, struct pb_err *err)
{
    memset(out, 0, sizeof *out);
    struct run r;
    memset(&r, 0, sizeof r);
    r.st = st;
    r.opts = opts;
    r.report = opts->report ? opts->report : stderr;
    r.batch_size = opts->batch ? opts->batch : DEFAULT_BATCH;
    /* batches are allocated and freed at a high rate: keep them out of
     * mmap so that each one does not cost fresh page faults */
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
    mallopt(M_TOP_PAD, 16 << 20); /* grow heaps in big steps: fewer faults */
    int rc = collect(paths, n_paths, &r.files, &r.n_files, err);
    if (rc)
        goto out;
    pthread_mutex_init(&r.mu, NULL);
    pthread_mutex_init(&r.report_mu, NULL);
    pthread_cond_init(&r.ready_cv, NULL);
    pthread_cond_init(&r.slot_cv, NULL);
    pthread_cond_init(&r.work_cv, NULL);
    if ((rc = pb_store_set_bulk(st, 1))) {
        pb_err_set(err, rc, "%s", pb_store_errmsg(st));
        goto out;
    }
    int nthreads = opts->threads > 0 ? opts->threads : 2;
    if (nthreads > MAX_THREADS)
        nthreads = MAX_THREADS;
    r.serial = nthreads == 1;
    /* readers: one a file, as many as threads; parsers: as many as
     * threads unless one thread does it all */
    int n_readers = nthreads < r.n_files ? nthreads : r.n_files;
    int n_parsers = r.serial || !r.n_files ? 0 : nthreads;
    r.readers_left = n_readers;
    pthread_t rth[MAX_THREADS], pth[MAX_THREADS];
    pb_reader_keep_dicts(1);
    double t0 = now_s(), last_bar = 0;
    for (int i = 0; i < n_readers; i++)
        pthread_create(&rth[i], NULL, reader, &r);
    for (int i = 0; i < n_parsers; i++)
        pthread_create(&pth[i], NULL, parser, &r);
    int64_t papers = 0;
    int wrc = PB_OK;
    for (;;) {
        struct piece *p = NULL;
        pthread_mutex_lock(&r.mu);
        while (r.head < r.n_files && !stopped(&r)) {
            struct file_state *f = &r.files[r.head];
            if (f->ready && f->ready->idx == f->next_idx) {
                p = f->ready;
                f->ready = p->next;
                f->next_idx++;
                break;
            }
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 250000000;
            if (ts.tv_nsec >= 1000000000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000;
            }
            if (pthread_cond_timedwait(&r.ready_cv, &r.mu, &ts))
                break; /* time to draw the bar */
        }
        int done = r.head >= r.n_files || stopped(&r);
        pthread_mutex_unlock(&r.mu);
        if (p) {
            wrc = consume(&r, p, wrc, &papers, err);
            done = 0; /* look again: the head may have moved */
        }
        if (now_s() - last_bar > 0.25) {
            draw_bar(&r, t0, papers, 0);
            last_bar = now_s();
        }
        if (done)
            break;
    }
    /* stopped or done: wake whoever waits, and wait for them */
    pthread_mutex_lock(&r.mu);
    if (r.head < r.n_files)
        atomic_store(&r.abort, 1);
    pthread_cond_broadcast(&r.slot_cv);
    pthread_cond_broadcast(&r.work_cv);
    pthread_mutex_unlock(&r.mu);
    for (int i = 0; i < n_readers; i++)
        pthread_join(rth[i], NULL);
    for (int i = 0; i < n_parsers; i++)
        pthread_join(pth[i], NULL);
    while (r.work) {
        struct piece *p = r.work;
        r.work = p->next;
        free_piece(p);
    }
    pb_reader_keep_dicts(0);
    for (int i = 0; i < r.n_files; i++)
        while (r.files[i].ready) {
            struct piece *p = r.files[i].ready;
            r.files[i].ready = p->next;
            free_piece(p);
        }
    draw_bar(&r, t0, papers, 1);
    out->seconds = now_s() - t0;
    out->files = r.n_files;
    for (int i = 0; i < r.n_files; i++) {
        struct file_state *f = &r.files[i];
        out->added += f->n.added;
        out->updated += f->n.updated;
        out->unchanged += f->n.unchanged;
        out->rejected += f->rejected;
        out->deleted += f->n.deleted;
        out->files_failed += f->failed;
        if (!wrc && pb_store_import_log(st, f->path, f->format, f->n.added,
                                        f->n.updated, f->n.unchanged,
                                        f->rejected) != PB_OK)
            wrc = pb_err_set(err, PB_EDB, "writing the import log: %s",
                             pb_store_errmsg(st));
    }
    if (pb_store_set_bulk(st, 0) != PB_OK && !wrc)
        wrc = pb_err_set(err, PB_EDB, "checkpoint: %s", pb_store_errmsg(st));
    out->interrupted = opts->stop && *opts->stop;
    rc = wrc ? wrc : out->interrupted ? PB_EINTR : PB_OK;
    pthread_mutex_destroy(&r.mu);
    pthread_mutex_destroy(&r.report_mu);
    pthread_cond_destroy(&r.ready_cv);
    pthread_cond_destroy(&r.slot_cv);
    pthread_cond_destroy(&r.work_cv);
out:
    for (int i = 0; i < r.n_files; i++)
        free(r.files[i].path);
    free(r.files);
    return rc;
}
