/*
 * harvest_fetch_curl.c - the real fetcher on libcurl (one easy handle, so
 * one connection, reused between requests).
 */
#include "harvest/harvest_fetch.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

struct pb_fetcher_curl {
    CURL *h;
    char *user_agent;
    char errbuf[CURL_ERROR_SIZE];
    volatile sig_atomic_t *stop;
    struct pb_http_response *cur; /* the response being filled */
    int too_big;
};

static size_t on_body(char *p, size_t size, size_t n, void *u)
{
    struct pb_fetcher_curl *f = u;
    size_t len = size * n;
    if (pb_buf_append(&f->cur->body, p, len) != PB_OK) {
        f->too_big = 1;
        return 0; /* libcurl answers CURLE_WRITE_ERROR */
    }
    return len;
}

static int on_progress(void *u, curl_off_t dt, curl_off_t dn, curl_off_t ut,
                       curl_off_t un)
{
    struct pb_fetcher_curl *f = u;
    (void)dt, (void)dn, (void)ut, (void)un;
    return f->stop && *f->stop; /* non-zero aborts the transfer */
}

static int curl_get(void *ctx, const char *url, struct pb_http_response *out,
                    struct pb_err *err)
{
    struct pb_fetcher_curl *f = ctx;
    pb_http_response_reset(out);
    f->cur = out;
    f->too_big = 0;
    f->errbuf[0] = '\0';
    curl_easy_setopt(f->h, CURLOPT_URL, url);
    /* refuses a declared Content-Length over the cap before any byte */
    curl_easy_setopt(f->h, CURLOPT_MAXFILESIZE_LARGE,
                     (curl_off_t)out->body.max);
    CURLcode c = curl_easy_perform(f->h);
    f->cur = NULL;
    long status = 0;
    curl_easy_getinfo(f->h, CURLINFO_RESPONSE_CODE, &status);
    out->status = c == CURLE_OK ? status : 0;
    if (c == CURLE_OK) {
        curl_off_t ra = -1;
        if (curl_easy_getinfo(f->h, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK &&
            ra > 0)
            out->retry_after_s = (int64_t)ra;
        char *ct = NULL;
        if (curl_easy_getinfo(f->h, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK &&
            ct)
            snprintf(out->content_type, sizeof out->content_type, "%s", ct);
        return PB_OK;
    }
    const char *why = f->errbuf[0] ? f->errbuf : curl_easy_strerror(c);
    switch (c) {
    case CURLE_WRITE_ERROR:
        if (f->too_big)
            return pb_err_set(err, PB_ETOOBIG,
                              "response is over the %zu-byte limit",
                              out->body.max);
        break;
    case CURLE_FILESIZE_EXCEEDED:
        return pb_err_set(err, PB_ETOOBIG,
                          "response is over the %zu-byte limit",
                          out->body.max);
    case CURLE_ABORTED_BY_CALLBACK:
        return pb_err_set(err, PB_EINTR, "interrupted");
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
        return pb_err_set(err, PB_EINVAL, "%s", why);
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
        out->unreachable = 1;
        break;
    case CURLE_OPERATION_TIMEDOUT: {
        /* no connection at all before the timeout (a resolver or a
         * firewall that never answers): as good as no network */
        curl_off_t ct = 0;
        if (curl_easy_getinfo(f->h, CURLINFO_CONNECT_TIME_T, &ct) ==
                CURLE_OK &&
            ct == 0)
            out->unreachable = 1;
        break;
    }
    default:
        break;
    }
    return pb_err_set(err, PB_EIO, "%s", why);
}

int pb_fetcher_curl_new(const struct pb_fetch_opts *o,
                        struct pb_fetcher_curl **out_h, struct pb_fetcher *out,
                        struct pb_err *err)
{
    static int global_done;
    *out_h = NULL;
    if (!o->user_agent || !o->user_agent[0])
        return pb_err_set(err, PB_EINVAL, "no User-Agent");
    if (!global_done) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
            return pb_err_set(err, PB_EIO, "cannot initialise libcurl");
        global_done = 1;
    }
    struct pb_fetcher_curl *f = pb_calloc(1, sizeof *f);
    f->h = curl_easy_init();
    if (!f->h) {
        free(f);
        return pb_err_set(err, PB_ENOMEM, "cannot create a libcurl handle");
    }
    f->user_agent = pb_strdup(o->user_agent);
    f->stop = o->stop;
    CURL *h = f->h;
    curl_easy_setopt(h, CURLOPT_USERAGENT, f->user_agent);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, f->errbuf);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS,
                     o->max_redirects > 0 ? o->max_redirects : 5L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     o->connect_timeout_ms > 0 ? o->connect_timeout_ms
                                               : 15000L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
                     o->total_timeout_ms > 0 ? o->total_timeout_ms : 300000L);
    /* "" = every encoding this libcurl decodes (gzip, deflate, br, ...) */
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(h, CURLOPT_MAXCONNECTS, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, f);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, f);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_FAILONERROR, 0L);
    *out_h = f;
    out->get = curl_get;
    out->ctx = f;
    return PB_OK;
}

void pb_fetcher_curl_free(struct pb_fetcher_curl *f)
{
    if (!f)
        return;
    curl_easy_cleanup(f->h);
    free(f->user_agent);
    free(f);
}
