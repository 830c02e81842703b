/* smtp_curl.c - the SMTP transport on libcurl (smtp.h). */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "mail/smtp.h"

struct pb_smtp_curl {
    CURL *h;
    char *url, *user, *password, *ca_file;
    int starttls, insecure;
    long timeout_ms;
};

struct reader {
    const char *p;
    size_t len, off;
    int eof; /* curl has every byte: the end-of-data dot goes next (or
                went); from here a missing answer is no proof of refusal */
};

static size_t read_cb(char *buf, size_t size, size_t n, void *ctx)
{
    struct reader *r = ctx;
    size_t want = size * n, left = r->len - r->off;
    if (want >= left) {
        want = left;
        r->eof = 1;
    }
    memcpy(buf, r->p + r->off, want);
    r->off += want;
    return want;
}

static int send_one(void *ctx, const char *from, const char *to,
                    const char *data, size_t len, struct pb_smtp_result *res)
{
    struct pb_smtp_curl *c = ctx;
    struct reader r = {data, len, 0, 0};
    char envfrom[300], rcpt[300];
    memset(res, 0, sizeof *res);
    snprintf(envfrom, sizeof envfrom, "<%s>", from);
    snprintf(rcpt, sizeof rcpt, "<%s>", to);
    struct curl_slist *rl = curl_slist_append(NULL, rcpt);
    if (!rl)
        abort();
    CURL *h = c->h;
    curl_easy_setopt(h, CURLOPT_URL, c->url);
    if (c->user)
        curl_easy_setopt(h, CURLOPT_USERNAME, c->user);
    if (c->password)
        curl_easy_setopt(h, CURLOPT_PASSWORD, c->password);
    curl_easy_setopt(h, CURLOPT_USE_SSL,
                     c->starttls ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_TRY);
    if (c->ca_file)
        curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
    if (c->insecure) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, envfrom);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rl);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(h, CURLOPT_READDATA, &r);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 15000L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    char ebuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
    CURLcode cc = curl_easy_perform(h);
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, NULL);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
    curl_slist_free_all(rl);
    res->code = (int)code;
    if (cc == CURLE_OK && (code == 0 || (code >= 200 && code < 300))) {
        snprintf(res->msg, sizeof res->msg, "accepted (%ld)", code);
        return PB_OK;
    }
    snprintf(res->msg, sizeof res->msg, "%.200s (%ld)",
             ebuf[0] ? ebuf : curl_easy_strerror(cc), code);
    /* a 5xx to the recipient or the message is the server's final word
     * on this address; a 5xx to our sender or to authentication is our
     * configuration (never the subscriber's fault); no reply at all
     * (connection, TLS, timeout) or a 4xx may pass later */
    /* the whole message went out and the server's answer to its end
     * never came (a dropped connection, a timeout): it may have been
     * accepted. A 4xx or 5xx answer is a definite no. */
    if (r.eof && !(code >= 400 && code < 600)) {
        res->uncertain = 1;
        return PB_EIO;
    }
    int ours = cc == CURLE_LOGIN_DENIED || code == 530 || code == 534 ||
               code == 535 || code == 538 ||
               !strncmp(ebuf, "MAIL failed", 11);
    if (code >= 500 && code < 600 && !ours)
        return PB_EPERM;
    return PB_EIO;
}

int pb_smtp_curl_new(const struct pb_smtp_curl_opts *o,
                     struct pb_smtp_curl **out, struct pb_smtp *out_tr,
                     struct pb_err *err)
{
    *out = NULL;
    if (!o->url || (strncmp(o->url, "smtp://", 7) &&
                    strncmp(o->url, "smtps://", 8)))
        return pb_err_set(err, PB_EINVAL,
                          "the SMTP URL must be smtp://HOST[:PORT] or "
                          "smtps://HOST[:PORT]");
    if (curl_global_init(CURL_GLOBAL_DEFAULT))
        return pb_err_set(err, PB_EIO, "cannot initialise libcurl");
    struct pb_smtp_curl *c = pb_calloc(1, sizeof *c);
    c->h = curl_easy_init();
    if (!c->h) {
        free(c);
        return pb_err_set(err, PB_EIO, "cannot initialise libcurl");
    }
    c->url = pb_strdup(o->url);
    c->user = pb_strdup(o->user);
    c->password = pb_strdup(o->password);
    c->ca_file = pb_strdup(o->ca_file);
    c->starttls = o->starttls;
    c->insecure = o->insecure;
    c->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 60000;
    out_tr->send = send_one;
    out_tr->ctx = c;
    *out = c;
    return PB_OK;
}

void pb_smtp_curl_free(struct pb_smtp_curl *c)
{
    if (!c)
        return;
    curl_easy_cleanup(c->h);
    free(c->url);
    free(c->user);
    free(c->ca_file);
    if (c->password)
        memset(c->password, 0, strlen(c->password));
    free(c->password);
    free(c);
}
