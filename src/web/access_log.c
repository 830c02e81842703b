/* access_log.c - combined-format access log (see access_log.h). */
#include "web/access_log.h"

#include <pthread.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *out;
static time_t last_flush;

void pb_web_log_open(FILE *f)
{
    pthread_mutex_lock(&lock);
    out = f;
    last_flush = time(NULL);
    pthread_mutex_unlock(&lock);
}

FILE *pb_web_log_reopen(FILE *f)
{
    pthread_mutex_lock(&lock);
    FILE *old = out;
    if (old)
        fflush(old);
    out = f;
    pthread_mutex_unlock(&lock);
    return old;
}

void pb_web_log_flush(void)
{
    pthread_mutex_lock(&lock);
    if (out)
        fflush(out);
    pthread_mutex_unlock(&lock);
}

void pb_web_log_close(void)
{
    pb_web_log_flush();
    pthread_mutex_lock(&lock);
    out = NULL;
    pthread_mutex_unlock(&lock);
}

/* s into b, quoted for the log: bytes a log reader would trip on as \xNN;
 * with target (the request path and query, which libmicrohttpd hands over
 * decoded) a space as %20, so the request line stays three fields. */
static int put_as(struct pb_buf *b, const char *s, size_t cap, int target)
{
    static const char hex[] = "0123456789abcdef";
    int rc = PB_OK;
    if (!s || !*s)
        return pb_buf_putc(b, '-');
    for (size_t i = 0; s[i] && i < cap && !rc; i++) {
        unsigned char c = (unsigned char)s[i];
        if (target && c == ' ') {
            rc = pb_buf_append(b, "%20", 3);
        } else if (c < 0x20 || c == 0x7F || c == '"' || c == '\\' || c >= 0x80) {
            char e[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
            rc = pb_buf_append(b, e, 4);
        } else {
            rc = pb_buf_putc(b, (char)c);
        }
    }
    return rc;
}

static int put(struct pb_buf *b, const char *s, size_t cap)
{
    return put_as(b, s, cap, 0);
}

void pb_web_log(const char *client, const char *method, const char *path,
                const char *query, const char *version, int status,
                size_t bytes, const char *referer, const char *agent)
{
    if (!out)
        return;
    char when[40];
    struct pb_buf b;
    struct tm tm;
    time_t now = time(NULL);
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%d/%b/%Y:%H:%M:%S +0000", &tm);
    pb_buf_init(&b, 16384);
    int rc = put(&b, client, 64);
    if (!rc)
        rc = pb_buf_printf(&b, " - - [%s] \"", when);
    if (!rc)
        rc = put(&b, method, 16);
    if (!rc)
        rc = pb_buf_putc(&b, ' ');
    if (!rc)
        rc = put_as(&b, path, 4096, 1);
    if (!rc && query && *query) {
        rc = pb_buf_putc(&b, '?');
        if (!rc)
            rc = put_as(&b, query, 4096, 1);
    }
    if (!rc)
        rc = pb_buf_putc(&b, ' ');
    if (!rc)
        rc = put(&b, version, 16);
    if (!rc)
        rc = pb_buf_printf(&b, "\" %d %zu \"", status, bytes);
    if (!rc)
        rc = put(&b, referer, 1024);
    if (!rc)
        rc = pb_buf_puts(&b, "\" \"");
    if (!rc)
        rc = put(&b, agent, 1024);
    if (!rc)
        rc = pb_buf_puts(&b, "\"\n");
    if (!rc) {
        pthread_mutex_lock(&lock);
        if (out) {
            fwrite(b.p, 1, b.len, out);
            if (now != last_flush) {
                fflush(out);
                last_flush = now;
            }
        }
        pthread_mutex_unlock(&lock);
    }
    pb_buf_clear(&b);
}
