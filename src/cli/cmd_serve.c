/* cmd_serve.c - paperboy serve [--port 8080] [--bind 127.0.0.1] [--db PATH]
 *   [--threads N] [--base-url URL] [--access-log FILE|-] [--no-cache] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "web/server.h"

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
            "usage: paperboy serve [--port 8080] [--bind 127.0.0.1] "
            "[--db PATH]\n"
            "                      [--threads N] [--base-url URL] "
            "[--access-log FILE|-] [--no-cache]\n\n"
            "Serves the daily papers site, the JSON API (/api/daily_papers, "
            "/api/papers/ID,\n/api/papers/search, /api/papers) and the "
            "RSS/Atom feeds until SIGTERM or SIGINT.\n"
            "The access log (combined format) goes to stderr unless "
            "--access-log says otherwise\n(\"-\" is stdout, \"off\" is "
            "none). --base-url is the absolute address feeds link to.\n");
}

int pb_cli_serve(int argc, char **argv)
{
    struct pb_web_config cfg = {.bind = "127.0.0.1", .port = 8080,
                                .access_log = stderr};
    const char *db = NULL, *log = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (pb_cli_is_help(a)) {
            usage(stdout);
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
        } else if (!strcmp(a, "--bind") && v) {
            cfg.bind = v, i++;
        } else if (!strcmp(a, "--db") && v) {
            db = v, i++;
        } else if (!strcmp(a, "--base-url") && v) {
            cfg.base_url = v, i++;
        } else if (!strcmp(a, "--access-log") && v) {
            log = v, i++;
        } else if (!strcmp(a, "--no-cache")) {
            cfg.no_cache = 1;
        } else {
            fprintf(stderr, "paperboy serve: unknown argument '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    FILE *lf = NULL;
    if (log && !strcmp(log, "off")) {
        cfg.access_log = NULL;
    } else if (log && !strcmp(log, "-")) {
        cfg.access_log = stdout;
    } else if (log) {
        lf = fopen(log, "a");
        if (!lf) {
            perror(log);
            return 1;
        }
        cfg.access_log = lf;
    }
    if (cfg.access_log)
        setvbuf(cfg.access_log, NULL, _IOFBF, 1 << 16);
    cfg.db_path = pb_cli_db_path(db);
    struct pb_err err;
    pb_err_clear(&err);
    int rc = pb_web_serve(&cfg, &err);
    if (lf)
        fclose(lf);
    if (rc) {
        fprintf(stderr, "paperboy serve: %s\n", err.msg);
        return 1;
    }
    return 0;
}
