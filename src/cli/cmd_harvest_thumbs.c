/*
 * cmd_harvest_thumbs.c - paperboy harvest thumbnails [options]: the images
 * of papers, fetched once, politely, and stored beside the database
 * (harvest/harvest_thumbs.h).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "harvest/harvest_thumbs.h"
#include "store/store_media.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static void usage(FILE *f)
{
    fprintf(f,
        "usage: paperboy harvest thumbnails [options]\n\n"
        "Fetches the images Daily Papers names for its papers (thumbnail, "
        "mediaUrls),\nand for listed papers with an arXiv id and no "
        "thumbnail the PDF, whose first\npage poppler's pdftoppm renders; "
        "stores them in DB.media/ for the site to serve.\nOne connection, "
        "a gap between requests; each image once.\n\n"
        "options:\n"
        "  --db PATH            the store (else $PAPERBOY_DB, else "
        "./paperboy.db)\n"
        "  --limit N            at most N fetches this run (200)\n"
        "  --no-pdf             do not render PDFs\n"
        "  --pdf-base URL       where PDFs come from: URL/pdf/ID (%s)\n"
        "  --media-hosts LIST   hosts images may come from, comma-separated,"
        "\n                       subdomains included (%s)\n"
        "  --delay-ms MS        gap between image requests (1000; PDFs "
        "3000);\n"
        "                       less only for a server on this machine\n"
        "  --max-bytes N        cap on one image (%u); PDFs %u\n"
        "  --render-timeout S   time limit of one pdftoppm run (30)\n"
        "  --pdftoppm PATH      the renderer (pdftoppm from poppler-utils)\n"
        "  --contact EMAIL      put in the User-Agent (else "
        "$PAPERBOY_CONTACT)\n"
        "  --quiet              no per-image lines\n\n"
        "Prints \"stored N (rendered N), refused N, failed N\". Exit "
        "status: 0 done,\n1 failed, 2 usage, 130 interrupted.\n",
        PB_HARVEST_PDF_BASE, PB_HARVEST_MEDIA_HOSTS, PB_HARVEST_IMAGE_MAX,
        PB_HARVEST_PDF_MAX);
}

static int num(const char *s, long long lo, long long hi, long long *out)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int64_t gap(long long asked, int64_t dflt, const char *url)
{
    int refused = 0;
    int64_t v = pb_polite_interval(asked, dflt, url, &refused);
    if (refused)
        fprintf(stderr, "paperboy harvest thumbnails: a delay under %lld ms "
                        "is only for a server on this machine; using it\n",
                (long long)dflt);
    return v;
}

int pb_cli_harvest_thumbs(int argc, char **argv)
{
    const char *db = NULL, *pdf_base = NULL, *hosts = NULL, *prog = NULL,
               *contact = NULL;
    long long limit = 200, delay = -1, max_bytes = PB_HARVEST_IMAGE_MAX,
              timeout = 30;
    int quiet = 0, pdf = 1;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (pb_cli_is_help(o)) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(o, "thumbnails"))
            continue;
        if (!strcmp(o, "--quiet")) {
            quiet = 1;
            continue;
        }
        if (!strcmp(o, "--no-pdf")) {
            pdf = 0;
            continue;
        }
        int bad = 0;
        if (!v || o[0] != '-') {
            fprintf(stderr, "paperboy harvest thumbnails: unexpected '%s'\n",
                    o);
            return 2;
        }
        i++;
        if (!strcmp(o, "--db"))
            db = v;
        else if (!strcmp(o, "--pdf-base"))
            pdf_base = v;
        else if (!strcmp(o, "--media-hosts"))
            hosts = v;
        else if (!strcmp(o, "--pdftoppm"))
            prog = v;
        else if (!strcmp(o, "--contact"))
            contact = v;
        else if (!strcmp(o, "--limit"))
            bad = num(v, 1, 1000000, &limit);
        else if (!strcmp(o, "--delay-ms"))
            bad = num(v, 0, 3600000, &delay);
        else if (!strcmp(o, "--max-bytes"))
            bad = num(v, 1, PB_HARVEST_PDF_MAX, &max_bytes);
        else if (!strcmp(o, "--render-timeout"))
            bad = num(v, 1, 3600, &timeout);
        else {
            fprintf(stderr, "paperboy harvest thumbnails: unknown option "
                            "'%s'\n", o);
            return 2;
        }
        if (bad) {
            fprintf(stderr, "paperboy harvest thumbnails: %s: '%s' is out of "
                            "range\n", o, v);
            return 2;
        }
    }
    char base[2048];
    if (pdf_base) {
        size_t n = strlen(pdf_base);
        while (n && pdf_base[n - 1] == '/')
            n--;
        if (!n || n >= sizeof base || (strncmp(pdf_base, "http://", 7) &&
                                       strncmp(pdf_base, "https://", 8))) {
            fprintf(stderr, "paperboy harvest thumbnails: --pdf-base must be "
                            "an http:// or https:// URL\n");
            return 2;
        }
        memcpy(base, pdf_base, n);
        base[n] = '\0';
        pdf_base = base;
    }
    if (delay < 0) {
        const char *e = getenv("PAPERBOY_HARVEST_DELAY_MS");
        if (e && *e && num(e, 0, 3600000, &delay)) {
            fprintf(stderr, "paperboy harvest thumbnails: "
                            "PAPERBOY_HARVEST_DELAY_MS is not 0..3600000\n");
            return 2;
        }
    }
    /* a lower gap only when every host it applies to is this machine */
    const char *h0 = hosts ? hosts : PB_HARVEST_MEDIA_HOSTS;
    char probe[300];
    snprintf(probe, sizeof probe, "http://%.*s/", (int)strcspn(h0, ","), h0);
    int local_hosts = !strchr(h0, ',') && pb_url_is_loopback(probe);
    int64_t img_gap = gap(local_hosts ? delay : -1, PB_POLITE_HF_MS, probe);
    if (!local_hosts && delay >= 0 && delay < PB_POLITE_HF_MS)
        img_gap = PB_POLITE_HF_MS;
    else if (delay >= PB_POLITE_HF_MS)
        img_gap = delay;
    const char *pb = pdf_base ? pdf_base : PB_HARVEST_PDF_BASE;
    int64_t pdf_gap = gap(delay, PB_POLITE_ARXIV_MS, pb);

    if (!contact)
        contact = getenv("PAPERBOY_CONTACT");
    char ua[512];
    if (pb_fetch_user_agent(PB_VERSION, contact, ua, sizeof ua)) {
        fprintf(stderr, "paperboy harvest thumbnails: the contact must be "
                        "printable ASCII, at most 200 bytes\n");
        return 2;
    }
    const char *path = pb_cli_db_path(db);
    char media[4096];
    if (pb_harvest_media_dir(path, media, sizeof media)) {
        fprintf(stderr, "paperboy harvest thumbnails: path too long\n");
        return 2;
    }
    struct pb_err err;
    pb_err_clear(&err);
    struct pb_store *st = NULL;
    if (pb_store_open(path, 0, &st, &err)) {
        fprintf(stderr, "paperboy harvest thumbnails: %s\n", err.msg);
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    struct pb_fetch_opts fo = {.user_agent = ua,
                               .connect_timeout_ms = 15000,
                               .total_timeout_ms = 120000,
                               .stop = &stop_flag};
    struct pb_fetcher fetcher;
    struct pb_fetcher_curl *fc = NULL;
    if (pb_fetcher_curl_new(&fo, &fc, &fetcher, &err)) {
        fprintf(stderr, "paperboy harvest thumbnails: %s\n", err.msg);
        pb_store_close(st);
        return 1;
    }
    /* two polite clients on the one connection: images at the CDN's gap
     * and cap, PDFs at arXiv's */
    struct pb_polite_opts po, ppo;
    pb_polite_opts_default(&po, img_gap);
    pb_polite_opts_default(&ppo, pdf_gap);
    po.max_retries = ppo.max_retries = 2;
    struct pb_polite pl, ppl;
    pb_polite_init(&pl, &po, pb_clock_system(), &fetcher, (size_t)max_bytes);
    pb_polite_init(&ppl, &ppo, pb_clock_system(), &fetcher,
                   PB_HARVEST_PDF_MAX);
    pl.stop = ppl.stop = &stop_flag;
    pl.log = ppl.log = quiet ? NULL : stderr;
    pl.label = "thumbnails";
    ppl.label = "pdf";
    struct pb_harvest_env env = {.st = st,
                                 .pl = &pl,
                                 .clock = pb_clock_system(),
                                 .log = quiet ? NULL : stderr,
                                 .report = stderr,
                                 .stop = &stop_flag};
    struct pb_harvest_thumbs_opts o = {.media_dir = media,
                                       .pdf_base = pdf_base,
                                       .hosts = hosts,
                                       .limit = limit,
                                       .pdf = pdf,
                                       .render_timeout_s = (int)timeout,
                                       .pdftoppm = prog,
                                       .pdf_pl = &ppl};
    struct pb_harvest_thumbs_counts c;
    int rc = pb_harvest_thumbs(&env, &o, &c, &err);
    pb_polite_clear(&pl);
    pb_polite_clear(&ppl);
    pb_fetcher_curl_free(fc);
    pb_store_close(st);
    printf("stored %lld (rendered %lld), refused %lld, failed %lld%s\n",
           (long long)c.stored, (long long)c.rendered, (long long)c.refused,
           (long long)c.failed,
           rc == PB_EINTR ? " (interrupted: run again to go on)" : "");
    if (rc == PB_EINTR)
        return 130;
    if (rc) {
        fprintf(stderr, "paperboy harvest thumbnails: %s\n", err.msg);
        return 1;
    }
    return 0;
}
