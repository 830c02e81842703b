/*
 * smtp.h - the SMTP transport seam: one function that hands one message
 * to a mail server for one recipient, as a table, so tests can script
 * failures (a 451, a refused address, a server that is down) and the real
 * one runs libcurl's SMTP client.
 */
#ifndef PB_MAIL_SMTP_H
#define PB_MAIL_SMTP_H

#include <stddef.h>

#include "core/error.h"

/* What the server said about one message. */
struct pb_smtp_result {
    int code;      /* the last SMTP reply code, 0 when none came */
    char msg[256]; /* for people: curl's error text or the reply */
    int uncertain; /* with PB_EIO: the whole message went out and no reply
                      to its end came (the connection dropped, a timeout):
                      the server may have accepted it; never resend it
                      automatically */
};

struct pb_smtp {
    /* Send data[0..len) (a whole message, CRLF lines) from the envelope
     * sender from to one recipient to. PB_OK when the server accepted it;
     * PB_EPERM when it refused the recipient or the message for good (a
     * 5xx: a bad or unknown address, a rejected message); PB_EIO for
     * anything that may work later or is not the address's fault (no
     * connection, a 4xx, a timeout, authentication, our sender refused).
     * All borrowed for the call.
     * res is filled in every case. */
    int (*send)(void *ctx, const char *from, const char *to,
                const char *data, size_t len, struct pb_smtp_result *res);
    void *ctx;
};

struct pb_smtp_curl_opts {
    const char *url;       /* smtp://host:port or smtps://host; user:pass@
                              in the URL authenticates */
    const char *user;      /* else these (NULL: none) */
    const char *password;
    int starttls;          /* 1: require STARTTLS on smtp:// (fail without) */
    int insecure;          /* 1: do not verify the server's certificate */
    const char *ca_file;   /* PEM CA bundle to verify it with; NULL: the
                              system's */
    long timeout_ms;       /* per message; 0 = 60 s */
};

/* The real transport, libcurl's SMTP client with one connection kept
 * between messages. opts' strings are copied. smtp:// tries STARTTLS when
 * the server offers it (requires it with starttls); smtps:// is TLS from
 * the start. PB_EINVAL for another scheme. Free with pb_smtp_curl_free()
 * (NULL is a no-op). One thread at a time. */
struct pb_smtp_curl;
int pb_smtp_curl_new(const struct pb_smtp_curl_opts *opts,
                     struct pb_smtp_curl **out, struct pb_smtp *out_tr,
                     struct pb_err *err) PB_WUR;
void pb_smtp_curl_free(struct pb_smtp_curl *c);

#endif
