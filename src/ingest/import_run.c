/* import_run.c - the import pipeline: parser threads -> batches -> writer. */
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

#define DEFAULT_BATCH 4096
#define QUEUE_MAX 4

struct item {
    struct pb_paper p; /* a deletion record when pb_import_is_delete() */
};

struct batch {
    struct item *v;
    size_t n;
    int file;
    struct batch *next;
};

struct file_state {
    char *path;
    uint64_t size;
    _Atomic uint64_t raw_done;
    struct pb_import_counts n;
    int64_t rejected;
    int64_t yielded; /* records the importer handed over (kept or not) */
    const char *format;
    int failed;
};

struct run {
    struct pb_store *st;
    const struct pb_import_opts *opts;
    FILE *report;
    struct file_state *files;
    int n_files;
    _Atomic int next_file;
    size_t batch_size;
    pthread_mutex_t mu;
    pthread_cond_t not_empty, not_full;
    struct batch *head, *tail;
    int queued, producers_left;
    _Atomic int abort; /* writer failed or stop requested */
    pthread_mutex_t report_mu;
    int bar_drawn;
};

struct worker_ctx {
    struct run *run;
    int file;
    struct batch *cur;
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

static void push_batch(struct run *r, struct batch *b)
{
    pthread_mutex_lock(&r->mu);
    while (r->queued >= QUEUE_MAX && !atomic_load(&r->abort))
        pthread_cond_wait(&r->not_full, &r->mu);
    b->next = NULL;
    if (r->tail)
        r->tail->next = b;
    else
        r->head = b;
    r->tail = b;
    r->queued++;
    pthread_cond_signal(&r->not_empty);
    pthread_mutex_unlock(&r->mu);
}

static struct batch *new_batch(struct run *r, int file)
{
    struct batch *b = pb_calloc(1, sizeof *b);
    b->v = pb_calloc(r->batch_size, sizeof *b->v);
    b->file = file;
    return b;
}

static void free_batch(struct batch *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n; i++)
        pb_paper_clear(&b->v[i].p);
    free(b->v);
    free(b);
}

static void report_line(struct run *r, const struct pb_srcpos *pos,
                        const char *reason)
{
    pthread_mutex_lock(&r->report_mu);
    if (r->bar_drawn) {
        fputs("\r\033[K", r->report);
        r->bar_drawn = 0;
    }
    if (pos->line)
        fprintf(r->report, "%s:%llu: %s\n", pos->file,
                (unsigned long long)pos->line, reason);
    else if (pos->entry)
        fprintf(r->report, "%s: entry %llu (byte %llu): %s\n", pos->file,
                (unsigned long long)pos->entry,
                (unsigned long long)pos->offset, reason);
    else
        fprintf(r->report, "%s: byte %llu: %s\n", pos->file,
                (unsigned long long)pos->offset, reason);
    pthread_mutex_unlock(&r->report_mu);
}

static void on_reject(void *ctx, const struct pb_srcpos *pos,
                      const char *reason)
{
    struct worker_ctx *w = ctx;
    w->run->files[w->file].rejected++;
    report_line(w->run, pos, reason);
}

static int on_paper(void *ctx, struct pb_paper *p, const struct pb_srcpos *pos)
{
    struct worker_ctx *w = ctx;
    struct run *r = w->run;
    if (stopped(r))
        return PB_EINTR;
    r->files[w->file].yielded++;
    if (w->reader)
        atomic_store(&r->files[w->file].raw_done, pb_reader_raw_offset(w->reader));
    int is_delete = pb_import_is_delete(p);
    char why[256];
    if (!is_delete && pb_paper_validate(p, why, sizeof why) != PB_OK) {
        on_reject(ctx, pos, why);
        pb_paper_clear(p);
        return PB_OK;
    }
    if (!w->cur)
        w->cur = new_batch(r, w->file);
    struct item *it = &w->cur->v[w->cur->n++];
    pb_paper_init(&it->p);
    pb_paper_move(&it->p, p);
    if (w->cur->n == r->batch_size) {
        push_batch(r, w->cur);
        w->cur = NULL;
    }
    return PB_OK;
}

static void import_file(struct run *r, int i)
{
    struct file_state *f = &r->files[i];
    struct worker_ctx w = {r, i, NULL, NULL};
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
            rc = pb_ingest_run(fmt, rd, f->path, &sink, &err);
            /* importers report their own stream errors as rejections */
            if (rc && rc != PB_EINTR && err.rc == 0)
                pb_err_set(&err, rc, "%s", pb_strerror(rc));
        }
        if (rc == PB_OK && r->opts->format != PB_FMT_UNKNOWN &&
            f->yielded == 0 && f->rejected == 0) {
            /* --format named a format the file has nothing in: say so
             * rather than import nothing without a word */
            enum pb_format seen = PB_FMT_UNKNOWN;
            struct pb_reader *again = NULL; /* rd is spent: read the head again */
            struct pb_err e2;
            if (pb_reader_open(f->path, &again, &e2) == PB_OK &&
                pb_reader_peek(again, &p, 64 << 10, &n, &e2) == PB_OK)
                seen = pb_format_detect(p, n);
            pb_reader_free(again);
            if (seen != PB_FMT_UNKNOWN && seen != r->opts->format)
                rc = pb_err_set(&err, PB_EUNSUP,
                                "no %s records in this file; it looks like "
                                "%s (leave --format out, or give --format "
                                "%s)",
                                pb_format_name(r->opts->format),
                                pb_format_name(seen), pb_format_name(seen));
            else
                rc = pb_err_set(&err, PB_EUNSUP,
                                "no %s records in this file",
                                pb_format_name(r->opts->format));
        }
        if (rc == PB_EUNSUP || rc == PB_EPARSE) {
            /* detection failures are not yet reported by an importer */
            if (err.rc == PB_EUNSUP || (rc == PB_EPARSE && f->rejected == 0)) {
                struct pb_srcpos pos = {f->path, 0, 0, 0};
                on_reject(&w, &pos, err.msg);
            }
        }
        atomic_store(&f->raw_done, pb_reader_raw_size(rd));
    } else {
        struct pb_srcpos pos = {f->path, 0, 0, 0};
        on_reject(&w, &pos, err.msg);
    }
    if (rc && rc != PB_EINTR)
        f->failed = 1;
    if (w.cur && w.cur->n)
        push_batch(r, w.cur);
    else
        free_batch(w.cur);
    pb_reader_free(rd);
}

static void *worker(void *arg)
{
    struct run *r = arg;
    int i;
    while (!stopped(r) && (i = atomic_fetch_add(&r->next_file, 1)) < r->n_files)
        import_file(r, i);
    pthread_mutex_lock(&r->mu);
    r->producers_left--;
    pthread_cond_signal(&r->not_empty);
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

static int write_batch(struct run *r, struct batch *b, int64_t *papers)
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
    pthread_cond_init(&r.not_empty, NULL);
    pthread_cond_init(&r.not_full, NULL);
    if ((rc = pb_store_set_bulk(st, 1))) {
        pb_err_set(err, rc, "%s", pb_store_errmsg(st));
        goto out;
    }
    int nthreads = opts->threads > 0 ? opts->threads : 2;
    if (nthreads > r.n_files)
        nthreads = r.n_files;
    r.producers_left = nthreads;
    pthread_t th[8];
    if (nthreads > 8)
        nthreads = 8;
    double t0 = now_s(), last_bar = 0;
    for (int i = 0; i < nthreads; i++)
        pthread_create(&th[i], NULL, worker, &r);
    int64_t papers = 0;
    int wrc = PB_OK;
    for (;;) {
        pthread_mutex_lock(&r.mu);
        while (!r.head && r.producers_left > 0) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 250000000;
            if (ts.tv_nsec >= 1000000000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000;
            }
            pthread_cond_timedwait(&r.not_empty, &r.mu, &ts);
            if (!r.head)
                break;
        }
        struct batch *b = r.head;
        if (b) {
            r.head = b->next;
            if (!r.head)
                r.tail = NULL;
            r.queued--;
            pthread_cond_signal(&r.not_full);
        }
        int done = !b && r.producers_left == 0;
        pthread_mutex_unlock(&r.mu);
        if (b) {
            if (!wrc && !(opts->stop && *opts->stop)) {
                wrc = write_batch(&r, b, &papers);
                if (wrc) {
                    pb_err_set(err, wrc, "writing to the store: %s",
                               pb_store_errmsg(st));
                    atomic_store(&r.abort, 1);
                    pthread_mutex_lock(&r.mu);
                    pthread_cond_broadcast(&r.not_full);
                    pthread_mutex_unlock(&r.mu);
                }
            }
            free_batch(b);
        }
        if (now_s() - last_bar > 0.25) {
            draw_bar(&r, t0, papers, 0);
            last_bar = now_s();
        }
        if (done)
            break;
    }
    for (int i = 0; i < nthreads; i++)
        pthread_join(th[i], NULL);
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
    pthread_cond_destroy(&r.not_empty);
    pthread_cond_destroy(&r.not_full);
out:
    for (int i = 0; i < r.n_files; i++)
        free(r.files[i].path);
    free(r.files);
    return rc;
}
