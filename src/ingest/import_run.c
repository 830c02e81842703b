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
 * Files go in pairs (the first and second, the third and fourth, ...).
 * When both files of a pair are line files, the writer takes them in
 * turns of INTERLEAVE_LINES lines, so that both decompress at once: an xz
 * file of one block decodes on one core only, and in plain file order the
 * decoder of the file being written would be the critical path. The turns
 * depend on the files only (their lines), so the order stays independent
 * of threads and timing; the serial reader reads a pair in the same turns.
 *
 * Memory stays flat: a reader waits before it starts a piece when its
 * file, one of the pair being written, has HEAD_PIECES pieces in flight,
 * or when the files after the pair have AHEAD_PIECES together. The pair
 * being written can always go on (its pieces are consumed as they come),
 * so nothing waits forever; the files after it use the cores that writing
 * the pair leaves idle.
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
#define HEAD_PIECES 4 /* per file of the pair being written */
#define AHEAD_PIECES 4
#define INTERLEAVE_LINES 4096 /* a file's turn in a pair of line files */
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
    int turn_end; /* the last piece of the file's turn (interleaved pair) */
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
    int known;           /* the reader has opened it: lines is set */
    int lines;           /* a line file: its pair may interleave */
    int written;         /* the writer has taken its last piece */
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
    int head;          /* the first file of the pair being written */
    int turn;          /* interleaved pair: 0 its first file, 1 second */
    uint64_t interleave; /* lines of a turn */
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
    int a = r->head, b = a + 1;
    if (file == a || file == b)
        return r->files[file].inflight < HEAD_PIECES;
    int ahead = r->inflight - (a < r->n_files ? r->files[a].inflight : 0) -
                (b < r->n_files ? r->files[b].inflight : 0);
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

/* One file being read: by a reader thread alone, or by the serial reader
 * in turns with the other file of its pair. */
struct src {
    int file;
    struct sink_ctx w;
    struct pb_sink sink;
    struct pb_err err;
    struct pb_reader *rd;
    pb_line_parser parse; /* a line file (opened, format known) */
    enum pb_format fmt;
    uint64_t lines; /* lines cut into chunks so far */
    int rc;
};

/* Open file i and detect its format; tell the writer whether it is a line
 * file (an interleaved pair needs both). s must stay where it is. */
static void src_open(struct run *r, int i, struct src *s)
{
    struct file_state *f = &r->files[i];
    memset(s, 0, sizeof *s);
    s->file = i;
    s->w = (struct sink_ctx){r, i, NULL, 1, 0, NULL};
    s->sink = (struct pb_sink){on_paper, on_reject, &s->w};
    pb_err_clear(&s->err);
    s->rc = pb_reader_open(f->path, &s->rd, &s->err);
    if (s->rc == PB_OK) {
        s->w.reader = s->rd;
        s->fmt = r->opts->format;
        const char *p;
        size_t n;
        if (s->fmt == PB_FMT_UNKNOWN &&
            (s->rc = pb_reader_peek(s->rd, &p, 64 << 10, &n, &s->err)) ==
                PB_OK) {
            if (n)
                s->fmt = pb_format_detect(p, n);
        }
        f->format = pb_format_name(s->fmt);
        if (s->rc == PB_OK)
            s->parse = pb_ingest_line_parser(s->fmt);
    }
    pthread_mutex_lock(&r->mu);
    f->lines = s->parse != NULL;
    f->known = 1;
    pthread_cond_broadcast(&r->ready_cv);
    pthread_mutex_unlock(&r->mu);
}

/* Cut a turn of a line file into chunks for the parsers: up to the next
 * multiple of r->interleave lines (the writer switches files there), or
 * the file's end. 1 when the file goes on, 0 at its end (s->rc says how;
 * s->w.cur may then hold an empty piece, the file's last). */
static int src_turn(struct run *r, struct src *s)
{
    for (;;) {
        uint64_t room = r->interleave - s->lines % r->interleave;
        struct piece *p = piece_new(r, s->file);
        if (!p) {
            s->rc = PB_EINTR;
            return 0;
        }
        int rc = pb_chunk_fill(&p->chunk, s->rd,
                               room < r->batch_size ? (size_t)room
                                                    : r->batch_size,
                               CHUNK_BYTES);
        atomic_store(&r->files[s->file].raw_done, pb_reader_raw_offset(s->rd));
        if (rc == PB_EEOF) {
            s->w.cur = p;
            s->rc = PB_OK;
            return 0;
        }
        s->lines += p->chunk.n;
        p->parse = s->parse;
        int end = p->turn_end = s->lines % r->interleave == 0;
        int brc = p->chunk.rc;
        if (brc) {
            s->w.reported = 1; /* the parser rejects the BROKEN line */
            pb_err_set(&s->err, brc, "%s", p->chunk.msg);
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
        if (brc) {
            s->rc = brc;
            return 0;
        }
        if (stopped(r)) {
            s->rc = PB_EINTR;
            return 0;
        }
        if (end)
            return 1;
    }
}

/* Read the rest of an opened file. */
static void src_run(struct run *r, struct src *s)
{
    if (s->rc)
        return;
    if (s->parse)
        while (src_turn(r, s))
            ;
    else
        s->rc = pb_ingest_run(s->fmt, s->rd, r->files[s->file].path,
                              &s->sink, &s->err);
}

/* The end of a file: report why it could not be read, hand over its last
 * piece. */
static void src_finish(struct run *r, struct src *s)
{
    struct file_state *f = &r->files[s->file];
    int rc = s->rc;
    if (s->rd) {
        /* importers report their own stream errors as rejections */
        if (rc && rc != PB_EINTR && s->err.rc == 0)
            pb_err_set(&s->err, rc, "%s", pb_strerror(rc));
        if (rc == PB_EUNSUP || rc == PB_EPARSE) {
            /* detection failures are not yet reported by an importer */
            if (s->err.rc == PB_EUNSUP || (rc == PB_EPARSE && !s->w.reported)) {
                struct pb_srcpos pos = {f->path, 0, 0, 0};
                on_reject(&s->w, &pos, s->err.msg);
            }
        }
        atomic_store(&f->raw_done, pb_reader_raw_size(s->rd));
    } else {
        struct pb_srcpos pos = {f->path, 0, 0, 0};
        on_reject(&s->w, &pos, s->err.msg);
    }
    pb_reader_free(s->rd);
    s->rd = NULL;
    struct piece *last = cur_piece(&s->w);
    if (!last)
        return; /* stopped: the writer takes nothing more */
    last->last = 1;
    last->rc = rc;
    piece_ready(r, last);
}

static void read_file(struct run *r, int i)
{
    struct src s;
    src_open(r, i, &s);
    src_run(r, &s);
    src_finish(r, &s);
}

/* The serial reader: files a and a + 1 in the order the writer takes
 * them, two line files in turns. */
static void read_pair(struct run *r, int a)
{
    if (a + 1 >= r->n_files) {
        read_file(r, a);
        return;
    }
    struct src x, y;
    src_open(r, a, &x);
    src_open(r, a + 1, &y);
    if (x.parse && y.parse) {
        int mx = !x.rc, my = !y.rc;
        while (mx || my) {
            if (mx && !(mx = src_turn(r, &x)))
                src_finish(r, &x);
            if (my && !(my = src_turn(r, &y)))
                src_finish(r, &y);
        }
    } else {
        src_run(r, &x);
        src_finish(r, &x);
        src_run(r, &y);
        src_finish(r, &y);
    }
}

static void *reader(void *arg)
{
    struct run *r = arg;
    int i;
    int step = r->serial ? 2 : 1;
    while (!stopped(r) &&
           (i = atomic_fetch_add(&r->next_file, step)) < r->n_files) {
        if (r->serial)
            read_pair(r, i);
        else
            read_file(r, i);
    }
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

/* The piece the writer takes next, if it is ready (under r->mu). Files
 * go in pairs (0 and 1, 2 and 3, ...): two line files in turns of
 * r->interleave lines, first file first (so that both decompress at
 * once), any other pair one file after the other. The order depends on
 * the files only, never on the threads. */
static struct piece *next_ready(struct run *r)
{
    int a = r->head, b = a + 1 < r->n_files ? a + 1 : -1, f = a;
    if (b >= 0) {
        struct file_state *fa = &r->files[a], *fb = &r->files[b];
        if (!fa->known || !fb->known)
            return NULL;
        if (fa->written)
            f = b;
        else if (fa->lines && fb->lines && !fb->written && r->turn)
            f = b;
    }
    struct file_state *x = &r->files[f];
    struct piece *p = x->ready;
    if (!p || p->idx != x->next_idx)
        return NULL;
    x->ready = p->next;
    x->next_idx++;
    return p;
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
    int a = r->head, b = a + 1 < r->n_files ? a + 1 : -1;
    if (p->last)
        f->written = 1;
    if (p->last || p->turn_end)
        r->turn = p->file == a;
    if (r->files[a].written && (b < 0 || r->files[b].written)) {
        r->head = b < 0 ? a + 1 : a + 2;
        r->turn = 0;
    }
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
    r.interleave = INTERLEAVE_LINES;
    const char *il = getenv("PB_TEST_INTERLEAVE_LINES"); /* tests only */
    if (il && strtoull(il, NULL, 10) > 0)
        r.interleave = strtoull(il, NULL, 10);
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
            if ((p = next_ready(&r)))
                break;
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
