/*
 * cmd_digest.c - paperboy digest send|subscribers|status|release: e-mail
 * digests of trending papers (src/mail/, docs/MAIL.md).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "core/date.h"
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
        "       paperboy digest subscribers [--db PATH]\n"
        "       paperboy digest status [--db PATH]\n"
        "       paperboy digest release [--sent] [--force] ADDRESS PERIOD "
        "[--db PATH]\n\n"
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
        "status: digests that are uncertain: a run was killed while the "
        "server took them,\nor the connection ended after the whole "
        "message went out. They are never sent\nagain by themselves.\n"
        "release ADDRESS PERIOD (e.g. D2024-06-03, W2024-W23): you know "
        "that uncertain\ndigest was not delivered: the next run sends it "
        "(same papers and Message-ID);\n--sent: it was, record it as sent. "
        "--force: even when its run may still be\nsending it.\n\n"
        "Exit status: 0 done, 1 some mails deferred (the server was "
        "unreachable or said\n4xx: run again later, nothing is sent "
        "twice), 2 usage, 3 done but some digests\nare uncertain (see "
        "status and release).\n");
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
    char extra[400] = "";
    size_t at = 0;
    if (s->member)
        at += (size_t)snprintf(extra + at, sizeof extra - at, ", member %lld%s",
                               (long long)s->member,
                               s->member_ok ? "" : " (disabled)");
    if (s->recs && at < sizeof extra)
        at += (size_t)snprintf(extra + at, sizeof extra - at,
                               ", recommendations");
    for (size_t i = 0; i < s->n_colls && at < sizeof extra; i++)
        at += (size_t)snprintf(extra + at, sizeof extra - at, "%s%lld",
                               i ? " " : ", collections ",
                               (long long)s->colls[i]);
    printf("%lld\t%s\t%s\t%s\ttop %d, max %d%s\t%d refusals%s%s\n",
           (long long)s->id, s->email,
           s->state >= 0 && s->state <= 3 ? states[s->state] : "?",
           s->freq == PB_SUB_WEEKLY ? "weekly" : "daily", s->top_n,
           s->max_papers, extra, s->refusals, s->last_error[0] ? ": " : "",
           s->last_error);
    return PB_OK;
}

static int print_sending(void *ctx, int64_t sub, const char *email,
                         const char *period, const struct pb_digest_rec *rec,
                         int busy)
{
    (void)ctx, (void)sub;
    char at[21];
    pb_time_format(rec->claimed_at, at);
    printf("%s\t%s\t%s\t<%s>\tclaimed %s by %s\n",
           busy ? "sending" : "uncertain", period, email, rec->message_id, at,
           rec->claimed_by);
    return PB_OK;
}

/* One line per SENDING digest: uncertain, or being sent right now. */
static int status(const char *db)
{
    struct pb_err err;
    struct pb_store *st = NULL;
    if (pb_cm_init() || pb_store_open(pb_cli_db_path(db), 0, &st, &err)) {
        fprintf(stderr, "paperboy digest: %s\n", err.msg);
        return 1;
    }
    struct pb_mail_config c = {.base_url = "http://localhost", .dry_run = 1,
                               .clock = pb_clock_system()};
    struct pb_mail_counts n;
    memset(&n, 0, sizeof n);
    int rc = pb_mail_report_uncertain(st, &c, &n, print_sending, NULL, &err);
    if (!rc)
        printf("%d uncertain\n", n.uncertain);
    else
        fprintf(stderr, "paperboy digest status: %s\n", err.msg);
    pb_store_close(st);
    return rc ? 1 : n.uncertain ? 3 : 0;
}

struct release_ctx {
    const char *email, *period;
    int found, busy;
};

static int find_sending(void *ctx, int64_t sub, const char *email,
                        const char *period, const struct pb_digest_rec *rec,
                        int busy)
{
    struct release_ctx *x = ctx;
    (void)sub, (void)rec;
    if (!strcasecmp(email, x->email) && !strcmp(period, x->period))
        x->found = 1, x->busy = busy;
    return PB_OK;
}

/* An admin settles an uncertain digest: not delivered (sent again by the
 * next run) or, with --sent, delivered. */
static int release(const char *db, const char *email, const char *period,
                   int as_sent, int force)
{
    struct pb_err err;
    struct pb_store *st = NULL;
    struct pb_sub s;
    if (pb_cm_init() || pb_store_open(pb_cli_db_path(db), 0, &st, &err)) {
        fprintf(stderr, "paperboy digest: %s\n", err.msg);
        return 1;
    }
    struct pb_mail_config c = {.base_url = "http://localhost", .dry_run = 1,
                               .clock = pb_clock_system()};
    struct pb_mail_counts n;
    struct release_ctx x = {email, period, 0, 0};
    memset(&n, 0, sizeof n);
    int rc = pb_mail_report_uncertain(st, &c, &n, find_sending, &x, &err);
    int ret = 1;
    if (rc) {
        fprintf(stderr, "paperboy digest release: %s\n", err.msg);
    } else if (!x.found || pb_store_sub_get_email(st, email, &s)) {
        fprintf(stderr, "paperboy digest release: %s %s is not an uncertain "
                        "digest (see paperboy digest status)\n", email,
                period);
    } else if (x.busy && !force) {
        fprintf(stderr, "paperboy digest release: %s %s may be on its way "
                        "right now (its run is alive): wait, or --force\n",
                email, period);
    } else if ((rc = pb_store_digest_release(st, s.id, period, as_sent,
                                             pb_clock_system()->unix_s(
                                                 pb_clock_system()->ctx)))) {
        fprintf(stderr, "paperboy digest release: %s %s: %s\n", email,
                period, rc == PB_ENOTFOUND ? "settled meanwhile"
                                           : pb_store_errmsg(st));
    } else {
        printf(as_sent ? "%s %s recorded as sent\n"
                       : "%s %s released: the next run sends it\n",
               email, period);
        ret = 0;
    }
    pb_store_close(st);
    return ret;
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
    int dry = 0, starttls = 0, sent = 0, force = 0;
    const char *pos[2] = {NULL, NULL};
    int n_pos = 0;
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
        } else if (!strcmp(a, "--sent")) {
            sent = 1;
        } else if (!strcmp(a, "--force")) {
            force = 1;
        } else if (a[0] != '-' && n_pos < 2) {
            pos[n_pos++] = a;
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
    if (n_pos && strcmp(cmd, "release")) {
        fprintf(stderr, "paperboy digest: unknown argument '%s'\n", pos[0]);
        return 2;
    }
    if (!strcmp(cmd, "subscribers"))
        return subscribers(db);
    if (!strcmp(cmd, "status"))
        return status(db);
    if (!strcmp(cmd, "release")) {
        if (n_pos != 2) {
            fprintf(stderr, "paperboy digest release: give ADDRESS PERIOD "
                            "(see paperboy digest status)\n");
            return 2;
        }
        return release(db, pos[0], pos[1], sent, force);
    }
    if (strcmp(cmd, "send")) {
        fprintf(stderr, "paperboy digest: unknown command '%s' (send, "
                        "subscribers, status, release)\n", cmd);
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
        .out = stdout, .stop = &stop_flag, .db_path = pb_cli_db_path(db),
    };
    struct pb_mail_counts n;
    memset(&n, 0, sizeof n);
    int rc = pb_mail_send_confirmations(st, &c, &n, &err);
    if (!rc)
        rc = pb_mail_send_digests(st, &c, date, &n, &err);
    printf("%s%d digests sent, %d confirmations, %d already sent, %d with "
           "nothing new, %d deferred, %d refused, %d paused, %d uncertain\n",
           dry ? "dry run: " : "", n.sent, n.confirmations, n.already,
           n.empty, n.deferred, n.refused, n.paused, n.uncertain);
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
    if (n.uncertain) {
        fprintf(stderr, "paperboy digest send: %d digests uncertain: never "
                        "sent again by themselves (paperboy digest status, "
                        "paperboy digest release)\n", n.uncertain);
        return 3;
    }
    return 0;
}
