/* cmd_serve.c - paperboy serve [--config FILE] [--port 8080]
 *   [--bind 127.0.0.1] [--db PATH] ... (the options: config.c) */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "community/community.h"
#include "harvest/harvest_fetch.h"
#include "store/store_files.h"
#include "web/access_log.h"
#include "web/server.h"
#include "web/web_fetch.h"

static int parse_uint(const char *s, unsigned max, unsigned *out)
{
    char *end = NULL;
    if (!s || !*s || *s == '-')
        return -1;
    unsigned long v = strtoul(s, &end, 10);
    if (*end || v > max)
        return -1;
    *out = (unsigned)v;
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: paperboy serve [--config FILE] [options]\n\n"
            "Serves the daily papers site, the JSON API (/api/daily_papers, "
            "/api/papers/ID,\n/api/papers/search, /api/papers), the "
            "RSS/Atom feeds, and for operators /healthz,\n/readyz and "
            "/metrics (Prometheus), until SIGTERM or SIGINT: then it stops\n"
            "accepting, finishes the requests in flight (--shutdown-timeout) "
            "and exits 0.\nSIGHUP reopens --access-log and --error-log "
            "(after logrotate moved them).\n\n"
            "--config FILE reads settings from FILE, one `key = value` a "
            "line, '#' starts a\ncomment line; every option below is a key "
            "without its \"--\" (booleans: yes/no).\nUnknown keys and bad "
            "values are errors naming the line; flags on the command\n"
            "line override the file (docs/DEPLOY.md).\n\noptions:\n");
    pb_cli_serve_options(f);
    fprintf(f, "\nMembers may submit papers; one the store does not know is "
               "fetched from the arXiv\nAPI (3 s between requests, one at a "
               "time). E-mail digests (docs/MAIL.md) need\n--smtp and "
               "--mail-from.\n");
}

/* What SIGHUP reopens: the access log and the error log, when files. */
static struct {
    const char *access, *error;
    FILE *cur; /* the access log file in use */
} logs;

static FILE *open_access_log(const char *path)
{
    FILE *f = fopen(path, "a");
    if (f)
        setvbuf(f, NULL, _IOFBF, 1 << 16);
    return f;
}

/* stderr into path (append); -1 on errors, after a message */
static int open_error_log(const char *path)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
        fprintf(stderr, "paperboy serve: %s: %s\n", path, strerror(errno));
        return -1;
    }
    fflush(stderr);
    int rc = dup2(fd, STDERR_FILENO) < 0 ? -1 : 0;
    close(fd);
    return rc;
}

/* SIGHUP, on the main thread: new files where the old ones were moved */
static void reopen_logs(void *ctx)
{
    (void)ctx;
    if (logs.error && open_error_log(logs.error))
        fprintf(stderr, "paperboy serve: SIGHUP: %s stays as it was\n",
                logs.error);
    if (logs.access) {
        FILE *f = open_access_log(logs.access);
        if (!f) {
            fprintf(stderr, "paperboy serve: SIGHUP: %s: %s\n", logs.access,
                    strerror(errno));
            return;
        }
        FILE *old = pb_web_log_reopen(f);
        logs.cur = f;
        if (old)
            fclose(old);
    }
    fprintf(stderr, "paperboy serve: SIGHUP: logs reopened\n");
}

int pb_cli_serve(int argc, char **argv)
{
    struct pb_web_config cfg = {.bind = "127.0.0.1", .port = 8080,
                                .access_log = stderr, .shutdown_s = 10,
                                .shared_limits = -1,
                                .on_hup = reopen_logs};
    const char *db = NULL, *log = NULL, *elog = NULL;
    struct pb_cm_config cm;
    pb_cm_config_default(&cm);
    cfg.cm = &cm;
    struct pb_cli_sched *sched = pb_cli_sched_new(); /* digests, harvests */
    int k, fetch_unknown = 1;
    const char *api_url = NULL, *contact = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--contact") && v)
            contact = v; /* the fetcher's User-Agent; parsed by sched too */
        if (pb_cli_is_help(a)) {
            usage(stdout);
            pb_cli_sched_free(sched);
            return 0;
        } else if (!strcmp(a, "--port") && v) {
            if (parse_uint(v, 65535, &cfg.port) || !cfg.port) {
                fprintf(stderr, "paperboy serve: --port %s: give 1..65535\n",
                        v);
                return 2;
            }
            i++;
        } else if (!strcmp(a, "--threads") && v) {
            if (parse_uint(v, 64, &cfg.threads)) {
                fprintf(stderr, "paperboy serve: --threads %s: give 0..64\n",
                        v);
                return 2;
            }
            i++;
        } else if (!strcmp(a, "--shutdown-timeout") && v) {
            if (parse_uint(v, 3600, &cfg.shutdown_s)) {
                fprintf(stderr, "paperboy serve: --shutdown-timeout %s: give "
                                "0..3600 seconds\n", v);
                return 2;
            }
            i++;
        } else if (!strcmp(a, "--error-log") && v) {
            elog = v, i++;
        } else if (!strcmp(a, "--bind") && v) {
            cfg.bind = v, i++;
        } else if (!strcmp(a, "--db") && v) {
            db = v, i++;
        } else if (!strcmp(a, "--db-replica") && v) {
            cfg.db_replica = v, i++;
        } else if (!strcmp(a, "--base-url") && v) {
            cfg.base_url = v, i++;
        } else if (!strcmp(a, "--access-log") && v) {
            log = v, i++;
        } else if (!strcmp(a, "--per-ip-limit") && v) {
            unsigned n = 0;
            if (parse_uint(v, 100000, &n)) {
                fprintf(stderr, "paperboy serve: --per-ip-limit %s: give "
                                "0..100000 (0: no cap)\n",
                        v);
                return 2;
            }
            cfg.per_ip_limit = n ? (int)n : -1;
            i++;
        } else if (!strcmp(a, "--header-timeout") && v) {
            if (parse_uint(v, 3600, &cfg.header_timeout_s) ||
                !cfg.header_timeout_s) {
                fprintf(stderr, "paperboy serve: --header-timeout %s: give "
                                "1..3600 seconds\n",
                        v);
                return 2;
            }
            i++;
        } else if (!strcmp(a, "--local-dir") && v) {
            pb_local_dir_set(v);
            i++;
        } else if (!strcmp(a, "--shared-limits") && v) {
            if (strcmp(v, "auto") && strcmp(v, "on") && strcmp(v, "off")) {
                fprintf(stderr, "paperboy serve: --shared-limits %s: give "
                                "auto, on or off\n", v);
                return 2;
            }
            cfg.shared_limits = !strcmp(v, "on") ? 1 : !strcmp(v, "off") ? 0
                                                                         : -1;
            i++;
        } else if (!strcmp(a, "--no-cache")) {
            cfg.no_cache = 1;
        } else if (!strcmp(a, "--behind-tls")) {
            cm.behind_tls = 1;
        } else if ((!strcmp(a, "--submit-max-age") ||
                    !strcmp(a, "--submit-cap")) && v) {
            unsigned n = 0;
            if (parse_uint(v, 3650, &n) || !n) {
                fprintf(stderr, "paperboy serve: %s %s: give 1..3650\n", a,
                        v);
                return 2;
            }
            if (a[9] == 'm')
                cm.submit_max_age_days = (int)n;
            else
                cm.submit_daily_cap = (int)n;
            i++;
        } else if (!strcmp(a, "--fetch-unknown")) {
            fetch_unknown = 1;
        } else if (!strcmp(a, "--no-fetch-unknown")) {
            fetch_unknown = 0;
        } else if (!strcmp(a, "--arxiv-api-url") && v) {
            if (strncmp(v, "http://", 7) && strncmp(v, "https://", 8)) {
                fprintf(stderr, "paperboy serve: --arxiv-api-url %s: give an "
                                "http:// or https:// address\n",
                        v);
                return 2;
            }
            api_url = v, i++;
        } else if (!strcmp(a, "--trending-gravity") && v) {
            char *end = NULL;
            double g = strtod(v, &end);
            if (*end || !(g > 0 && g <= 10)) {
                fprintf(stderr, "paperboy serve: --trending-gravity %s: give "
                                "a number in (0, 10]\n",
                        v);
                return 2;
            }
            cm.gravity = g;
            i++;
        } else if ((k = pb_cli_sched_arg(sched, argc, argv, &i)) != 0) {
            if (k < 0) {
                pb_cli_sched_free(sched);
                return 2;
            }
        } else {
            pb_cli_sched_free(sched);
            fprintf(stderr, "paperboy serve: unknown argument '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (elog && open_error_log(elog))
        return 1;
    logs.error = elog;
    FILE *lf = NULL;
    if (log && !strcmp(log, "off")) {
        cfg.access_log = NULL;
    } else if (log && !strcmp(log, "-")) {
        cfg.access_log = stdout;
    } else if (log) {
        lf = open_access_log(log);
        if (!lf) {
            perror(log);
            return 1;
        }
        cfg.access_log = lf;
        logs.access = log;
        logs.cur = lf;
    }
    if (cfg.access_log && !lf)
        setvbuf(cfg.access_log, NULL, _IOFBF, 1 << 16);
    cfg.db_path = pb_cli_db_path(db);
    struct pb_err err;
    pb_err_clear(&err);
    /* the scheduler's links point where the server's do */
    char base[300];
    if (cfg.base_url)
        snprintf(base, sizeof base, "%s", cfg.base_url);
    else if (strchr(cfg.bind, ':'))
        snprintf(base, sizeof base, "http://[%s]:%u", cfg.bind, cfg.port);
    else
        snprintf(base, sizeof base, "http://%s:%u", cfg.bind, cfg.port);
    /* the hashing helpers are forked before the scheduler's threads
     * start (server.h) */
    pb_web_hashers_start();
    /* its thread blocks the signals pb_web_serve() waits for */
    if (pb_cli_sched_start(sched, cfg.db_path, base)) {
        pb_cli_sched_free(sched);
        if (lf)
            fclose(lf);
        return 2;
    }
    cfg.no_mail = !pb_cli_sched_mails(sched);
    if (cfg.no_mail)
        fprintf(stderr, "paperboy serve: warning: no --smtp: this site sends "
                        "no mail; /subscribe says so and stores no "
                        "subscription (docs/MAIL.md)\n");
    /* fetching unknown submissions: the harvester's User-Agent and gap */
    struct pb_web_fetch_opts fo = {.api_url = api_url, .gap_ms = -1};
    char ua[512];
    if (fetch_unknown) {
        if (!contact)
            contact = getenv("PAPERBOY_CONTACT");
        if (pb_fetch_user_agent(PB_VERSION, contact, ua, sizeof ua)) {
            fprintf(stderr, "paperboy serve: --contact: printable ASCII "
                            "without parentheses, at most 200 bytes\n");
            pb_cli_sched_free(sched);
            if (lf)
                fclose(lf);
            return 2;
        }
        fo.user_agent = ua;
        const char *d = getenv("PAPERBOY_HARVEST_DELAY_MS");
        char *end = NULL;
        long long ms = d && *d ? strtoll(d, &end, 10) : -1;
        if (d && *d && !*end && ms >= 0)
            fo.gap_ms = ms;
        cfg.fetch = &fo;
    }
    int rc = pb_web_serve(&cfg, &err);
    pb_cli_sched_free(sched);
    if (logs.cur) /* lf, or what SIGHUP replaced it with */
        fclose(logs.cur);
    if (rc) {
        fprintf(stderr, "paperboy serve: %s\n", err.msg);
        return 1;
    }
    return 0;
}
