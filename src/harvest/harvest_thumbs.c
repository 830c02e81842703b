/* harvest_thumbs.c - images of papers, fetched once (harvest_thumbs.h). */
#include "harvest/harvest_thumbs.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "media/image_info.h"
#include "store/store_files.h"
#include "store/store_media.h"

#define RENDER_WIDTH 640 /* pixels of a rendered first page */
#define RENDER_MAX (8u << 20)

int pb_harvest_media_dir(const char *db_path, char *out, size_t cap)
{
    char base[4096];
    if (pb_local_base(db_path, base, sizeof base))
        return PB_ETOOBIG;
    int n = snprintf(out, cap, "%s.media", base);
    return n < 0 || (size_t)n >= cap ? PB_ETOOBIG : PB_OK;
}

int pb_harvest_host_allowed(const char *url, const char *hosts)
{
    const char *p;
    if (!strncasecmp(url, "https://", 8))
        p = url + 8;
    else if (!strncasecmp(url, "http://", 7))
        p = url + 7;
    else
        return 0;
    size_t n = strcspn(p, "/?#");
    if (memchr(p, '@', n))
        return 0;
    const char *colon = memchr(p, ':', n);
    if (colon)
        n = (size_t)(colon - p);
    if (!n)
        return 0;
    while (hosts && *hosts) {
        size_t m = strcspn(hosts, ",");
        const char *e = hosts;
        while (m && *e == ' ')
            e++, m--;
        while (m && e[m - 1] == ' ')
            m--;
        if (m && n >= m && !strncasecmp(p + n - m, e, m) &&
            (n == m || p[n - m - 1] == '.'))
            return 1;
        hosts += strcspn(hosts, ",");
        if (*hosts == ',')
            hosts++;
    }
    return 0;
}

/* Write p[0..len) as dir/<hash>.<ext> (through a temporary name); the
 * name into m->file. */
static int store_file(const char *dir, const unsigned char *p, size_t len,
                      const char *ext, struct pb_media *m, struct pb_err *err)
{
    unsigned char h[16];
    char hex[33], path[4096], tmp[4200];
    crypto_generichash(h, sizeof h, p, len, NULL, 0);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    snprintf(m->file, sizeof m->file, "%s.%s", hex, ext);
    if (snprintf(path, sizeof path, "%s/%s", dir, m->file) >=
        (int)sizeof path)
        return pb_err_set(err, PB_ETOOBIG, "media path too long");
    snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid());
    struct stat sb;
    if (stat(path, &sb) == 0 && (size_t)sb.st_size == len)
        return PB_OK; /* the same bytes, already there */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return pb_err_set(err, PB_EIO, "%s: %s", tmp, strerror(errno));
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, p + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = errno;
            close(fd);
            unlink(tmp);
            return pb_err_set(err, PB_EIO, "%s: %s", tmp, strerror(e));
        }
        off += (size_t)w;
    }
    if (fsync(fd) || close(fd) || rename(tmp, path)) {
        int e = errno;
        unlink(tmp);
        return pb_err_set(err, PB_EIO, "%s: %s", path, strerror(e));
    }
    return PB_OK;
}

struct item {
    const struct pb_harvest_env *h;
    const struct pb_harvest_thumbs_opts *o;
    struct pb_media *m;
    int refused;        /* set by consume: refuse for good */
    int disk;           /* set by consume: the media directory failed */
    char why[200];
};

/* Check an image response and store it. */
static int check_image(struct item *it, const unsigned char *p, size_t len,
                       const char *content_type, struct pb_err *err)
{
    enum pb_image_type said = pb_image_type_from_mime(content_type);
    struct pb_image_info info;
    if (said == PB_IMG_NONE) {
        snprintf(it->why, sizeof it->why, "Content-Type \"%.60s\" is not "
                 "PNG, JPEG or WebP", content_type ? content_type : "");
        return PB_EUNSUP;
    }
    int rc = pb_image_info(p, len, &info);
    if (rc == PB_ETOOBIG) {
        snprintf(it->why, sizeof it->why, "image dimensions out of bounds");
        return PB_EUNSUP;
    }
    if (rc || info.type != said) {
        snprintf(it->why, sizeof it->why, "the bytes are not the %s the "
                 "Content-Type says", pb_image_mime(said));
        return PB_EUNSUP;
    }
    struct pb_media *m = it->m;
    snprintf(m->type, sizeof m->type, "%s", pb_image_mime(info.type));
    m->width = (int)info.width;
    m->height = (int)info.height;
    m->bytes = (int64_t)len;
    return store_file(it->o->media_dir, p, len, pb_image_ext(info.type), m,
                      err);
}

static int consume_image(void *ctx, const struct pb_http_response *r,
                         struct pb_err *err)
{
    struct item *it = ctx;
    int rc = check_image(it, (const unsigned char *)r->body.p, r->body.len,
                         r->content_type, err);
    if (rc == PB_EUNSUP) {
        it->refused = 1;
        return pb_err_set(err, PB_EUNSUP, "%s", it->why);
    }
    if (rc)
        it->disk = 1; /* PB_EINVAL: the polite client stops, no retry */
    return rc ? PB_EINVAL : PB_OK;
}

/* Run argv with a time limit; 0 when it exited with status 0. */
static int run_limited(char *const argv[], int timeout_s, char *why,
                       size_t cap)
{
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, cap, "fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDWR);
        if (devnull >= 0) {
            dup2(devnull, 0);
            dup2(devnull, 1);
            dup2(devnull, 2);
        }
        /* a hostile PDF gets the CPU time and memory of a thumbnail */
        struct rlimit cpu = {(rlim_t)timeout_s, (rlim_t)timeout_s + 1};
        struct rlimit as = {1ul << 30, 1ul << 30};
        setrlimit(RLIMIT_CPU, &cpu);
        setrlimit(RLIMIT_AS, &as);
        execvp(argv[0], argv);
        _exit(127);
    }
    struct timespec t0, now, nap = {0, 20 * 1000 * 1000};
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        int st;
        pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid) {
            if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
                return 0;
            if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
                snprintf(why, cap, "%s could not be run (install "
                         "poppler-utils)", argv[0]);
            else if (WIFEXITED(st))
                snprintf(why, cap, "%s failed (exit %d)", argv[0],
                         WEXITSTATUS(st));
            else
                snprintf(why, cap, "%s was killed (signal %d)", argv[0],
                         WTERMSIG(st));
            return -1;
        }
        if (w < 0 && errno != EINTR) {
            snprintf(why, cap, "waitpid: %s", strerror(errno));
            return -1;
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - t0.tv_sec >= timeout_s) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            snprintf(why, cap, "%s took over %d s", argv[0], timeout_s);
            return -1;
        }
        nanosleep(&nap, NULL);
    }
}

static int read_file(const char *path, size_t max, struct pb_buf *out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return PB_EIO;
    char chunk[65536];
    size_t n;
    int rc = PB_OK;
    while (!rc && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        rc = out->len + n > max ? PB_ETOOBIG : pb_buf_append(out, chunk, n);
    if (ferror(f))
        rc = PB_EIO;
    fclose(f);
    return rc;
}

static int consume_pdf(void *ctx, const struct pb_http_response *r,
                       struct pb_err *err)
{
    struct item *it = ctx;
    const char *ct = r->content_type;
    size_t n = strcspn(ct, "; ");
    if (n != 15 || strncasecmp(ct, "application/pdf", 15) ||
        r->body.len < 5 || memcmp(r->body.p, "%PDF-", 5)) {
        it->refused = 1;
        return pb_err_set(err, PB_EUNSUP, "not a PDF (Content-Type "
                          "\"%.60s\")", ct);
    }
    char pdf[4200], prefix[4200], png[4300];
    snprintf(pdf, sizeof pdf, "%s/.render%ld.pdf", it->o->media_dir,
             (long)getpid());
    snprintf(prefix, sizeof prefix, "%s/.render%ld", it->o->media_dir,
             (long)getpid());
    snprintf(png, sizeof png, "%s.png", prefix);
    FILE *f = fopen(pdf, "wb");
    if (!f) {
        it->disk = 1;
        return pb_err_set(err, PB_EINVAL, "%s: %s", pdf, strerror(errno));
    }
    size_t w = fwrite(r->body.p, 1, r->body.len, f);
    if (fclose(f) || w != r->body.len) {
        unlink(pdf);
        it->disk = 1;
        return pb_err_set(err, PB_EINVAL, "%s: cannot write", pdf);
    }
    /* the top of the first page, landscape like Daily Papers' own
     * thumbnails: title, authors and usually the teaser figure */
    char width[16], height[16];
    snprintf(width, sizeof width, "%d", RENDER_WIDTH);
    snprintf(height, sizeof height, "%d", RENDER_WIDTH * 3 / 4);
    const char *prog = it->o->pdftoppm ? it->o->pdftoppm : "pdftoppm";
    char *argv[] = {(char *)prog, "-q", "-f", "1", "-l", "1", "-singlefile",
                    "-png", "-scale-to-x", width, "-scale-to-y", "-1",
                    "-x", "0", "-y", "0", "-W", width, "-H", height,
                    pdf, prefix, NULL};
    int timeout = it->o->render_timeout_s > 0 ? it->o->render_timeout_s : 30;
    int bad = run_limited(argv, timeout, it->why, sizeof it->why);
    unlink(pdf);
    if (bad) {
        unlink(png);
        it->refused = 1;
        return pb_err_set(err, PB_EUNSUP, "%s", it->why);
    }
    struct pb_buf img;
    pb_buf_init(&img, RENDER_MAX);
    int rc = read_file(png, RENDER_MAX, &img);
    unlink(png);
    if (rc) {
        pb_buf_clear(&img);
        it->refused = 1;
        return pb_err_set(err, PB_EUNSUP, "the rendered page could not be "
                          "read (%s)", pb_strerror(rc));
    }
    rc = check_image(it, (const unsigned char *)img.p, img.len, "image/png",
                     err);
    pb_buf_clear(&img);
    if (rc == PB_EUNSUP) {
        it->refused = 1;
        return pb_err_set(err, PB_EUNSUP, "%s", it->why);
    }
    if (rc)
        it->disk = 1;
    return rc ? PB_EINVAL : PB_OK;
}

/* A media URL's path names a video or another non-image: skip it without
 * a request. */
static int surely_not_image(const char *url)
{
    size_t n = strcspn(url, "?#");
    static const char *const exts[] = {".mp4", ".webm", ".mov", ".m4v",
                                       ".gif", ".avi", ".mkv", ".pdf"};
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
        size_t m = strlen(exts[i]);
        if (n > m && !strncasecmp(url + n - m, exts[i], m))
            return 1;
    }
    return 0;
}

static int record(const struct pb_harvest_env *h, struct pb_media *m,
                  int state, const char *why, struct pb_err *err)
{
    int64_t now = h->clock->unix_s(h->clock->ctx);
    if (pb_store_media_done(h->st, m, state, why, now))
        return pb_err_set(err, PB_EDB, "store: %s", pb_store_errmsg(h->st));
    return PB_OK;
}

/* One row: fetch, check, store, record. PB_OK whatever the image's fate;
 * PB_EINTR, PB_EDB or PB_EIO (the disk) stop the run. */
static int one(const struct pb_harvest_env *h,
               const struct pb_harvest_thumbs_opts *o, struct pb_media *m,
               struct pb_harvest_thumbs_counts *c, struct pb_err *err)
{
    const char *hosts = o->hosts ? o->hosts : PB_HARVEST_MEDIA_HOSTS;
    struct item it = {h, o, m, 0, 0, ""};
    int pdf = m->kind == PB_MEDIA_PDF;
    const char *what = pdf ? "pdf" : m->kind == PB_MEDIA_THUMB ? "thumbnail"
                                                               : "media";
    if (!pdf && !pb_harvest_host_allowed(m->url, hosts))
        snprintf(it.why, sizeof it.why, "host not allowed (--media-hosts)");
    else if (!pdf && surely_not_image(m->url))
        snprintf(it.why, sizeof it.why, "not an image (by its name)");
    if (it.why[0]) {
        c->refused++;
        if (h->log)
            fprintf(h->log, "thumbnails: %s %s: refused: %s\n", m->paper_id,
                    what, it.why);
        return record(h, m, PB_MEDIA_REFUSED, it.why, err);
    }
    struct pb_polite *pl = pdf && o->pdf_pl ? o->pdf_pl : h->pl;
    struct pb_err e;
    pb_err_clear(&e);
    int rc = pb_polite_fetch(pl, m->url, pdf ? consume_pdf : consume_image,
                             &it, &e);
    if (rc == PB_EINTR)
        return pb_err_set(err, PB_EINTR, "interrupted");
    if (rc == PB_OK) {
        c->stored++;
        c->rendered += pdf;
        if (h->log)
            fprintf(h->log, "thumbnails: %s %s: stored %s (%dx%d, %" PRId64
                    " bytes)\n", m->paper_id, what, m->file, m->width,
                    m->height, m->bytes);
        return record(h, m, PB_MEDIA_STORED, NULL, err);
    }
    /* refused for good: our checks, a body over the cap, a 4xx other
     * than the passing ones; anything else is tried on a later run */
    long s = pl->resp.status;
    int fatal = it.refused || rc == PB_ETOOBIG || rc == PB_ENOTFOUND ||
                (s >= 400 && s < 500 && s != 408 && s != 425 && s != 429);
    if (it.disk)
        return pb_err_set(err, PB_EIO, "%s", e.msg);
    if (fatal)
        c->refused++;
    else
        c->failed++;
    if (h->log)
        fprintf(h->log, "thumbnails: %s %s: %s: %s\n", m->paper_id, what,
                fatal ? "refused" : "failed", e.msg[0] ? e.msg : it.why);
    return record(h, m, fatal ? PB_MEDIA_REFUSED : PB_MEDIA_FAILED,
                  e.msg[0] ? e.msg : it.why, err);
}

int pb_harvest_thumbs(const struct pb_harvest_env *h,
                      const struct pb_harvest_thumbs_opts *o,
                      struct pb_harvest_thumbs_counts *out,
                      struct pb_err *err)
{
    memset(out, 0, sizeof *out);
    if (!o->media_dir)
        return pb_err_set(err, PB_EINVAL, "no media directory");
    if (mkdir(o->media_dir, 0755) && errno != EEXIST)
        return pb_err_set(err, PB_EIO, "%s: %s", o->media_dir,
                          strerror(errno));
    if (sodium_init() < 0)
        return pb_err_set(err, PB_EIO, "libsodium cannot start");
    int64_t left = o->limit > 0 ? o->limit : 200;
    int max_tries = o->max_tries > 0 ? o->max_tries : 3;
    int rc = PB_OK;
    for (int step = 0; step < 2 && left > 0 && !rc; step++) {
        struct pb_media *v = NULL;
        size_t n = 0;
        if (step == 0) {
            rc = pb_store_media_todo(h->st, max_tries, (size_t)left, &v, &n);
        } else if (o->pdf) {
            rc = pb_store_media_pdf_todo(h->st, (size_t)left, &v, &n);
            const char *base = o->pdf_base ? o->pdf_base : PB_HARVEST_PDF_BASE;
            for (size_t i = 0; !rc && i < n; i++) {
                snprintf(v[i].url, sizeof v[i].url, "%s/pdf/%s", base,
                         v[i].paper_id);
                rc = pb_store_media_add(h->st, v[i].pid, PB_MEDIA_PDF, 0,
                                        v[i].url);
            }
        }
        if (rc) {
            free(v);
            return pb_err_set(err, PB_EDB, "store: %s",
                              pb_store_errmsg(h->st));
        }
        for (size_t i = 0; i < n && left > 0 && !rc; i++, left--) {
            if (h->stop && *h->stop)
                rc = pb_err_set(err, PB_EINTR, "interrupted");
            else
                rc = one(h, o, &v[i], out, err);
        }
        free(v);
    }
    return rc;
}
