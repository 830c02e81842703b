/*
 * cmd_digest.c - paperboy digest send|subscribers: e-mail digests of
 * trending papers (src/mail/, docs/MAIL.md).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "community/community.h"
#include "mail/mail.h"
#include "mail/mail_text.h"
#include "store/store_mail.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static void usage(FILE *f)
{
    fprintf(f,
        "usage: paperboy digest send [--dry-run] [--date DAY] [options]\n"
        "       paperboy digest subscribers [--db PATH]\n\n"
        "send: confirmation mails still owed, digests due from earlier "
        "runs, then the\ndigest of DAY (default: the latest listed day) "
        "for every confirmed subscriber:\ndaily ones get that day's "
        "papers, weekly ones the 7 days ending with it (once\nper week). "
        "A digest or paper already sent is never sent again.\n\n"
        "options:\n"
        "  --db PATH          the store (else $PAPERBOY_DB, else "
        "./paperboy.db)\n"
        "  --smtp URL         smtp://[user:pass@]host[:port] or smtps://... "
        "(else $PAPERBOY_SMTP_URL)\n"
        "  --smtp-user U      and $PAPERBOY_SMTP_PASSWORD: authentication "
        "outside the URL\n"
        "  --starttls         refuse to send without STARTTLS on smtp://\n"
        "  --smtp-ca FILE     PEM certificates to verify the server with\n"
        "  --from ADDR        the sender (else $PAPERBOY_MAIL_FROM)\n"
        "  --from-name NAME   its display name (paperboy)\n"
        "  --base-url URL     the site's address for links (else "
        "$PAPERBOY_BASE_URL)\n"
        "  --tries N          attempts per mail in this run (3)\n"
        "  --backoff-ms MS    wait before the second attempt, doubled "
        "after (2000)\n"
        "  --dry-run          say what would be sent; send and record "
        "nothing\n\n"
        "Exit status: 0 done, 1 some mails deferred (the server was "
        "unreachable or said\n4xx: run again later, nothing is sent "
        "twice), 2 usage.\n");
}

static const char *env_or(const char *v, const char *name)
{
    if (v)
        return v;
    const char *e = getenv(name);
    return e && *e ? e : NULL;
}

static int print_sub(void *ctx, const struct pb_sub *s)
{
    (void)ctx;
    static const char *const states[] = {"pending", "active", "unsubscribed",
                                         "paused"};
    printf("%lld\t%s\t%s\t%s\ttop %d, max %d\t%d refusals%s%s\n",
           (long long)s->id, s->email,
           s->state >= 0 && s->state <= 3 ? states[s->state] : "?",
           s->freq == PB_SUB_WEEKLY ? "weekly" : "daily", s->top_n,
           s->max_papers, s->refusals, s->last_error[0] ? ": " : "",
           s->last_error);
    return PB_OK;
}

/* One line per subscriber: id, address, state, frequency, sizes, refusals
 * (paused addresses show why). */
static int subscribers(const char *db)
{
    struct pb_err err;
    struct pb_store *st = NULL;
    if (pb_store_open(pb_cli_db_path(db), 0, &st, &err)) {
        fprintf(stderr, "paperboy digest: %s\n", err.msg);
        return 1;
    }
    int rc = PB_OK;
    for (int s = PB_SUB_PENDING; s <= PB_SUB_PAUSED && !rc; s++)
        rc = pb_store_sub_each(st, s, print_sub, NULL);
    pb_store_close(st);
    return rc ? 1 : 0;
}

int pb_cli_digest(int argc, char **argv)
{
    const char *db = NULL, *smtp = NULL, *user = NULL, *from = NULL,
               *ca = NULL,
               *from_name = NULL, *base = NULL, *date = NULL;
    long tries = 0, backoff = 0;
    int dry = 0, starttls = 0;
    if (argc < 2 || pb_cli_is_help(argv[1])) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *cmd = argv[1];
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (pb_cli_is_help(a)) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--dry-run")) {
            dry = 1;
        } else if (!strcmp(a, "--starttls")) {
            starttls = 1;
        } else if (!v) {
            fprintf(stderr, "paperboy digest: '%s' needs a value\n", a);
            return 2;
        } else if (!strcmp(a, "--db")) {
            db = v, i++;
        } else if (!strcmp(a, "--smtp")) {
            smtp = v, i++;
        } else if (!strcmp(a, "--smtp-user")) {
            user = v, i++;
        } else if (!strcmp(a, "--smtp-ca")) {
            ca = v, i++;
        } else if (!strcmp(a, "--from")) {
            from = v, i++;
        } else if (!strcmp(a, "--from-name")) {
            from_name = v, i++;
        } else if (!strcmp(a, "--base-url")) {
            base = v, i++;
        } else if (!strcmp(a, "--date")) {
            date = v, i++;
        } else if (!strcmp(a, "--tries") || !strcmp(a, "--backoff-ms")) {
            char *end;
            long n = strtol(v, &end, 10);
            if (!*v || *end || n < 1 || n > 600000) {
                fprintf(stderr, "paperboy digest: %s %s: out of range\n", a,
                        v);
                return 2;
            }
            *(a[2] == 't' ? &tries : &backoff) = n;
            i++;
        } else {
            fprintf(stderr, "paperboy digest: unknown argument '%s'\n", a);
            return 2;
        }
    }
    if (!strcmp(cmd, "subscribers"))
        return subscribers(db);
    if (strcmp(cmd, "send")) {
        fprintf(stderr, "paperboy digest: unknown command '%s' (send, "
                        "subscribers)\n", cmd);
        return 2;
    }
    smtp = env_or(smtp, "PAPERBOY_SMTP_URL");
    from = env_or(from, "PAPERBOY_MAIL_FROM");
    base = env_or(base, "PAPERBOY_BASE_URL");
    if (!dry && (!smtp || !from)) {
        fprintf(stderr, "paperboy digest send: give --smtp URL and --from "
                        "ADDR (or --dry-run)\n");
        return 2;
    }
    if (from && !pb_mail_addr_ok(from)) {
        fprintf(stderr, "paperboy digest send: --from %s: not an address we "
                        "send from\n", from);
        return 2;
    }
    if (!base || (strncmp(base, "http://", 7) && strncmp(base, "https://", 8))) {
        fprintf(stderr, "paperboy digest send: give --base-url "
                        "http(s)://... for the links\n");
        return 2;
    }
    char basebuf[512];
    snprintf(basebuf, sizeof basebuf, "%s", base);
    for (size_t n = strlen(basebuf); n && basebuf[n - 1] == '/';)
        basebuf[--n] = '\0';
    if (pb_cm_init()) {
        fprintf(stderr, "paperboy digest: cannot initialise libsodium\n");
        return 1;
    }
    struct pb_err err;
    pb_err_clear(&err);
    struct pb_store *st = NULL;
    if (pb_store_open(pb_cli_db_path(db), 0, &st, &err)) {
        fprintf(stderr, "paperboy digest: %s\n", err.msg);
        return 1;
    }
    struct pb_smtp tr = {0};
    struct pb_smtp_curl *sc = NULL;
    if (!dry) {
        struct pb_smtp_curl_opts so = {
            .url = smtp, .user = user,
            .password = user ? getenv("PAPERBOY_SMTP_PASSWORD") : NULL,
            .starttls = starttls, .ca_file = ca};
        if (pb_smtp_curl_new(&so, &sc, &tr, &err)) {
            fprintf(stderr, "paperboy digest: %s\n", err.msg);
            pb_store_close(st);
            return 2;
        }
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    struct pb_mail_config c = {
        .base_url = basebuf, .from = from, .from_name = from_name,
        .smtp = dry ? NULL : &tr, .clock = pb_clock_system(),
        .tries = (int)tries, .backoff_ms = backoff, .dry_run = dry,
        .out = stdout, .stop = &stop_flag,
    };
    struct pb_mail_counts n;
    memset(&n, 0, sizeof n);
    int rc = pb_mail_send_confirmations(st, &c, &n, &err);
    if (!rc)
        rc = pb_mail_send_digests(st, &c, date, &n, &err);
    printf("%s%d digests sent, %d confirmations, %d already sent, %d with "
           "nothing new, %d deferred, %d refused, %d paused\n",
           dry ? "dry run: " : "", n.sent, n.confirmations, n.already,
           n.empty, n.deferred, n.refused, n.paused);
    pb_smtp_curl_free(sc);
    pb_store_close(st);
    if (rc == PB_EINTR)
        return 130;
    if (rc) {
        fprintf(stderr, "paperboy digest send: %s%s\n", err.msg,
                rc == PB_EIO ? " (run again later: nothing is sent twice)"
                             : "");
        return rc == PB_EINVAL ? 2 : 1;
    }
    return 0;
}
