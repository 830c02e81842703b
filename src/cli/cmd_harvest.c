/*
 * cmd_harvest.c - paperboy harvest arxiv|arxiv-api|daily [options]: live
 * pulls into the store, one polite request at a time (src/harvest/).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "store/store_ops.h"
#include "harvest/harvest.h"
#include "harvest/harvest_fetch.h"
#include "store/store.h"

#define DEFAULT_MAX_BYTES (64u << 20)

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static void usage(FILE *f)
{
    fprintf(f,
        "usage: paperboy harvest SOURCE [options]\n\n"
        "sources:\n"
        "  arxiv      [--set SPEC] [--from DAY] [--until DAY]\n"
        "             arXiv OAI-PMH ListRecords (arXivRaw), following "
        "resumption tokens;\n"
        "             incremental from the last harvest, resumes an "
        "interrupted one\n"
        "  arxiv-api  --query Q [--max N]\n"
        "             the arXiv API (Atom), e.g. --query 'cat:cs.CL'\n"
        "  arxiv-fill [--max N]\n"
        "             categories and missing metadata from the arXiv API for "
        "papers\n"
        "             with an arXiv id and no categories (Daily Papers'), "
        "100 ids a request\n"
        "  daily      [--date DAY | --days N]\n"
        "             Hugging Face Daily Papers (upvotes, code links, "
        "submitters)\n"
        "  thumbnails [--limit N] [--no-pdf] ... (paperboy harvest "
        "thumbnails --help)\n"
        "             images of papers, stored beside the database\n\n"
        "options:\n"
        "  --db PATH        the store (else $PAPERBOY_DB, else "
        "./paperboy.db)\n"
        "  --base-url URL   another server (arxiv: the OAI endpoint; "
        "arxiv-api, daily: the site)\n"
        "  --contact EMAIL  put in the User-Agent (else "
        "$PAPERBOY_CONTACT); arXiv asks for one\n"
        "  --delay-ms MS    gap between requests (else "
        "$PAPERBOY_HARVEST_DELAY_MS; arXiv 3000,\n"
        "                   Daily Papers 1000; less only for a server on "
        "this machine)\n"
        "  --timeout S      whole-request timeout in seconds (300)\n"
        "  --max-bytes N    cap on one response (%u)\n"
        "  --quiet          no per-page lines\n\n"
        "DAY is YYYY-MM-DD (UTC). Prints \"added N, updated N, unchanged N, "
        "rejected N\".\nExit status: 0 done, 3 some records rejected, 1 "
        "failed (pages done are kept;\nrun again to resume), 2 usage, 130 "
        "interrupted.\n",
        DEFAULT_MAX_BYTES);
}

static int parse_num(const char *s, long long lo, long long hi,
                     long long *out)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || v < lo || v > hi)
        return PB_EINVAL;
    *out = v;
    return PB_OK;
}

struct args {
    const char *source, *db, *base, *contact, *set, *from, *until, *query,
        *date, *delay;
    long long max, days, timeout, max_bytes;
    int quiet;
};

/* 0 ok, else the exit status (2) after a message. */
static int parse_args(int argc, char **argv, struct args *a)
{
    memset(a, 0, sizeof *a);
    a->timeout = 300;
    a->max_bytes = DEFAULT_MAX_BYTES;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int num = 0;
        if (!strcmp(o, "--quiet")) {
            a->quiet = 1;
            continue;
        }
        if (o[0] != '-' && !a->source) {
            a->source = o;
            continue;
        }
        if (!v || o[0] != '-' || o[1] != '-') {
            fprintf(stderr, "paperboy harvest: unexpected '%s'\n", o);
            return 2;
        }
        i++;
        if (!strcmp(o, "--db"))
            a->db = v;
        else if (!strcmp(o, "--base-url"))
            a->base = v;
        else if (!strcmp(o, "--contact"))
            a->contact = v;
        else if (!strcmp(o, "--set"))
            a->set = v;
        else if (!strcmp(o, "--from"))
            a->from = v;
        else if (!strcmp(o, "--until"))
            a->until = v;
        else if (!strcmp(o, "--query"))
            a->query = v;
        else if (!strcmp(o, "--date"))
            a->date = v;
        else if (!strcmp(o, "--delay-ms"))
            a->delay = v;
        else if (!strcmp(o, "--max"))
            num = parse_num(v, 1, 1000000, &a->max) ? 1 : 0;
        else if (!strcmp(o, "--days"))
            num = parse_num(v, 1, 3660, &a->days) ? 1 : 0;
        else if (!strcmp(o, "--timeout"))
            num = parse_num(v, 1, 86400, &a->timeout) ? 1 : 0;
        else if (!strcmp(o, "--max-bytes"))
            num = parse_num(v, 1, 1LL << 32, &a->max_bytes) ? 1 : 0;
        else {
            fprintf(stderr, "paperboy harvest: unknown option '%s'\n", o);
            return 2;
        }
        if (num) {
            fprintf(stderr, "paperboy harvest: %s: '%s' is out of range\n", o,
                    v);
            return 2;
        }
    }
    return 0;
}

/* The gap between requests: the source's default, lowered (tests) only
 * for a server on this machine. */
static int delay_ms(const struct args *a, long long dflt, const char *base,
                    long long *out)
{
    const char *s = a->delay ? a->delay : getenv("PAPERBOY_HARVEST_DELAY_MS");
    *out = dflt;
    if (!s || !s[0])
        return PB_OK;
    long long v;
    if (parse_num(s, 0, 3600000, &v)) {
        fprintf(stderr, "paperboy harvest: delay '%s' is not 0..3600000 ms\n",
                s);
        return PB_EINVAL;
    }
    int refused;
    v = pb_polite_interval(v, dflt, base, &refused);
    if (refused)
        fprintf(stderr, "paperboy harvest: a delay under %lld ms is only for "
                        "a server on this machine; using %lld\n",
                dflt, dflt);
    *out = v;
    return PB_OK;
}

static void print_summary(const struct pb_harvest_counts *c, int oai,
                          int interrupted)
{
    printf("added %lld, updated %lld, unchanged %lld, rejected %lld",
           (long long)c->added, (long long)c->updated, (long long)c->unchanged,
           (long long)c->rejected);
    if (oai)
        printf(", deleted %lld", (long long)c->deleted);
    printf("%s\n", interrupted ? " (interrupted: run again to resume)" : "");
    fflush(stdout);
}

int pb_cli_harvest(int argc, char **argv)
{
    /* `harvest thumbnails` has options of its own (cmd_harvest_thumbs.c) */
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-') {
            if (strcmp(argv[i], "--quiet") && !pb_cli_is_help(argv[i]))
                i++; /* skip the option's value */
            continue;
        }
        if (!strcmp(argv[i], "thumbnails"))
            return pb_cli_harvest_thumbs(argc, argv);
        break;
    }
    for (int i = 1; i < argc; i++)
        if (pb_cli_is_help(argv[i])) {
            usage(stdout);
            return 0;
        }
    struct args a;
    int st_rc = parse_args(argc, argv, &a);
    if (st_rc)
        return st_rc;
    enum { S_OAI, S_API, S_DAILY, S_FILL } src;
    long long dflt;
    if (!a.source) {
        usage(stderr);
        return 2;
    } else if (!strcmp(a.source, "arxiv")) {
        src = S_OAI, dflt = PB_POLITE_ARXIV_MS;
    } else if (!strcmp(a.source, "arxiv-api")) {
        src = S_API, dflt = PB_POLITE_ARXIV_MS;
    } else if (!strcmp(a.source, "daily")) {
        src = S_DAILY, dflt = PB_POLITE_HF_MS;
    } else if (!strcmp(a.source, "arxiv-fill")) {
        src = S_FILL, dflt = PB_POLITE_ARXIV_MS;
    } else {
        fprintf(stderr, "paperboy harvest: unknown source '%s' (arxiv, "
                        "arxiv-api, arxiv-fill, daily)\n", a.source);
        return 2;
    }
    if ((src != S_OAI && (a.set || a.from || a.until)) ||
        (src != S_API && a.query) ||
        (src != S_API && src != S_FILL && a.max) ||
        (src != S_DAILY && (a.date || a.days)) || (a.date && a.days)) {
        fprintf(stderr, "paperboy harvest %s: option not for this source "
                        "(see paperboy harvest --help)\n", a.source);
        return 2;
    }
    if (src == S_API && !a.query) {
        fprintf(stderr, "paperboy harvest arxiv-api: --query is required\n");
        return 2;
    }
    /* "https://site/" + "/api/..." would make "//api" */
    char base[2048] = "";
    if (a.base) {
        size_t n = strlen(a.base);
        while (n && a.base[n - 1] == '/')
            n--;
        if (n == 0 || n >= sizeof base ||
            (strncmp(a.base, "http://", 7) && strncmp(a.base, "https://", 8))) {
            fprintf(stderr, "paperboy harvest: --base-url must be an http:// "
                            "or https:// URL\n");
            return 2;
        }
        memcpy(base, a.base, n);
        base[n] = '\0';
    }
    const char *base_url = base[0] ? base : NULL;
    const char *eff_base = base_url ? base_url
                           : src == S_OAI ? PB_HARVEST_OAI_BASE
                           : src == S_API || src == S_FILL
                               ? PB_HARVEST_API_BASE
                               : PB_HARVEST_HF_BASE;
    long long gap;
    if (delay_ms(&a, dflt, eff_base, &gap))
        return 2;
    const char *contact = a.contact ? a.contact : getenv("PAPERBOY_CONTACT");
    char ua[512];
    if (pb_fetch_user_agent(PB_VERSION, contact, ua, sizeof ua)) {
        fprintf(stderr, "paperboy harvest: the contact must be printable "
                        "ASCII without parentheses, at most 200 bytes\n");
        return 2;
    }

    struct pb_err err;
    pb_err_clear(&err);
    struct pb_store *st = NULL;
    if (pb_store_open(pb_cli_db_path(a.db), 0, &st, &err)) {
        fprintf(stderr, "paperboy harvest: %s\n", err.msg);
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: a sleep ends at once */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    struct pb_fetch_opts fo = {
        .user_agent = ua,
        .connect_timeout_ms = a.timeout < 15 ? (long)a.timeout * 1000 : 15000,
        .total_timeout_ms = (long)a.timeout * 1000,
        .stop = &stop_flag,
    };
    struct pb_fetcher fetcher;
    struct pb_fetcher_curl *fc = NULL;
    if (pb_fetcher_curl_new(&fo, &fc, &fetcher, &err)) {
        fprintf(stderr, "paperboy harvest: %s\n", err.msg);
        pb_store_close(st);
        return 1;
    }
    struct pb_polite_opts po;
    pb_polite_opts_default(&po, gap);
    struct pb_polite pl;
    pb_polite_init(&pl, &po, pb_clock_system(), &fetcher,
                   (size_t)a.max_bytes);
    pl.stop = &stop_flag;
    pl.log = a.quiet ? NULL : stderr;
    pl.label = a.source;
    struct pb_harvest_env env = {
        .st = st,
        .pl = &pl,
        .clock = pb_clock_system(),
        .log = a.quiet ? NULL : stderr,
        .report = stderr,
        .stop = &stop_flag,
    };
    struct pb_harvest_counts c;
    int rc;
    const char *fmt = "oai";
    if (src == S_OAI) {
        struct pb_harvest_oai_opts o = {base_url, a.set, a.from, a.until,
                                        NULL};
        rc = pb_harvest_oai(&env, &o, &c, &err);
    } else if (src == S_API) {
        struct pb_harvest_api_opts o = {base_url, a.query, a.max, 0};
        rc = pb_harvest_arxiv_api(&env, &o, &c, &err);
        fmt = "atom";
    } else if (src == S_FILL) {
        rc = pb_harvest_fill(&env, base_url, a.max, &c, &err);
        fmt = "atom";
    } else {
        struct pb_harvest_daily_opts o = {base_url, a.date, (int)a.days};
        rc = pb_harvest_daily(&env, &o, &c, &err);
        fmt = "hf-daily";
    }
    int did = c.added || c.updated || c.unchanged || c.rejected || c.deleted;
    if (did) {
        char what[300];
        snprintf(what, sizeof what, "harvest %s %.200s", a.source, eff_base);
        if (pb_store_import_log(st, what, fmt, c.added, c.updated, c.unchanged,
                                c.rejected) != PB_OK)
            fprintf(stderr, "paperboy harvest: writing the import log: %s\n",
                    pb_store_errmsg(st));
    }
    if (rc == PB_OK && pb_store_harvest_ok(st, (int64_t)time(NULL)))
        fprintf(stderr, "paperboy harvest: recording the harvest: %s\n",
                pb_store_errmsg(st));
    pb_polite_clear(&pl);
    pb_fetcher_curl_free(fc);
    pb_store_close(st);
    if (rc == PB_EINTR) {
        print_summary(&c, src == S_OAI, 1);
        return 130;
    }
    if (rc) {
        if (did)
            print_summary(&c, src == S_OAI, 0);
        fprintf(stderr, "paperboy harvest %s: %s%s\n", a.source, err.msg,
                did && src == S_OAI ? " (pages done are kept; run again to "
                                      "resume)"
                                    : "");
        return 1;
    }
    print_summary(&c, src == S_OAI, 0);
    if (!contact && src != S_DAILY && !a.quiet)
        fprintf(stderr, "paperboy harvest: note: set --contact or "
                        "PAPERBOY_CONTACT so that arXiv can reach you\n");
    return c.rejected ? 3 : 0;
}
