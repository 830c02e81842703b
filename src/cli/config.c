/*
 * config.c - `--config FILE` for every command (docs/DEPLOY.md): the keys
 * of serve's configuration file, their checks, the option list of
 * `paperboy serve --help`, and the rewriting of argv (settings first,
 * command-line flags after them, so flags win).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/conf.h"
#include "sched/sched.h"

static int chk_url(const char *v, char *why, size_t cap)
{
    if (strncmp(v, "http://", 7) && strncmp(v, "https://", 8)) {
        snprintf(why, cap, "give an http:// or https:// address");
        return -1;
    }
    return 0;
}

static int chk_smtp(const char *v, char *why, size_t cap)
{
    if (strncmp(v, "smtp://", 7) && strncmp(v, "smtps://", 8)) {
        snprintf(why, cap, "give an smtp:// or smtps:// address");
        return -1;
    }
    return 0;
}

static int chk_time(const char *v, char *why, size_t cap)
{
    int t;
    if (pb_sched_parse_time(v, &t)) {
        snprintf(why, cap, "give HH:MM or HH:MM:SS");
        return -1;
    }
    return 0;
}

static int chk_auto(const char *v, char *why, size_t cap)
{
    if (strcmp(v, "auto") && strcmp(v, "on") && strcmp(v, "off")) {
        snprintf(why, cap, "give auto, on or off");
        return -1;
    }
    return 0;
}

static int chk_ip(const char *v, char *why, size_t cap)
{
    unsigned char a[16];
    if (inet_pton(AF_INET, v, a) != 1 && inet_pton(AF_INET6, v, a) != 1) {
        snprintf(why, cap, "give an IPv4 or IPv6 address");
        return -1;
    }
    return 0;
}

static int chk_harvest(const char *v, char *why, size_t cap)
{
    for (const char *w = v; *w;) {
        size_t n = strcspn(w, ",");
        if (!(n == 5 && (!strncmp(w, "daily", 5) || !strncmp(w, "arxiv", 5))) &&
            !(n == 10 && !strncmp(w, "thumbnails", 10))) {
            snprintf(why, cap, "give daily, arxiv, thumbnails (with daily) "
                               "or a list of them");
            return -1;
        }
        w += n + (w[n] == ',');
    }
    return 0;
}

#define S PB_CONF_STR
#define B PB_CONF_BOOL
#define I PB_CONF_INT
#define N PB_CONF_NUM
/* Every flag of `paperboy serve` that takes a setting (--help and
 * --config excepted), in the order --help lists them. */
static const struct pb_conf_key serve_keys[] = {
    {"db", S, 0, 0, NULL, NULL, "PATH  the store ($PAPERBOY_DB, else ./paperboy.db)"},
    {"db-replica", S, 0, 0, NULL, NULL, "URL  a streaming replica of a PostgreSQL --db: reads go there, a member's own writes are read from the primary"},
    {"local-dir", S, 0, 0, NULL, NULL, "DIR  this server's own files (index, vectors, images) for a PostgreSQL store ($PAPERBOY_LOCAL_DIR, else .)"},
    {"port", I, 1, 65535, NULL, NULL, "N  TCP port (8080)"},
    {"bind", S, 0, 0, NULL, chk_ip, "ADDR  IPv4 or IPv6 address to listen on (127.0.0.1)"},
    {"threads", I, 0, 64, NULL, NULL, "N  worker threads, 0 = one per CPU (0)"},
    {"base-url", S, 0, 0, NULL, chk_url, "URL  the absolute address feeds and mails link to"},
    {"access-log", S, 0, 0, NULL, NULL, "FILE  combined-format log; \"-\" stdout, \"off\" none (stderr)"},
    {"error-log", S, 0, 0, NULL, NULL, "FILE  messages and errors (stderr)"},
    {"shutdown-timeout", I, 0, 3600, NULL, NULL, "S  on SIGTERM, seconds to finish requests in flight (10)"},
    {"per-ip-limit", I, 0, 100000, NULL, NULL, "N  connections one client address may hold, 0 = no cap (256)"},
    {"header-timeout", I, 1, 3600, NULL, NULL, "S  seconds a client has to send all its request headers (20)"},
    {"shared-limits", S, 0, 0, NULL, chk_auto, "auto|on|off  count rate limits in the store, across servers (auto: on with PostgreSQL)"},
    {"no-cache", B, 0, 0, NULL, NULL, "   render every request (no response cache)"},
    {"behind-tls", B, 0, 0, NULL, NULL, "   a TLS proxy in front: cookies are Secure"},
    {"submit-max-age", I, 1, 3650, NULL, NULL, "DAYS  members submit papers up to this old (14)"},
    {"submit-cap", I, 1, 3650, NULL, NULL, "N  submissions per member a day (5)"},
    {"trending-gravity", N, 1e-9, 10, NULL, NULL, "G  decay of docs/TRENDING.md, (0, 10] (1.8)"},
    {"fetch-unknown", B, 0, 0, "--no-fetch-unknown", NULL, "   fetch unknown submissions from the arXiv API (yes)"},
    {"no-fetch-unknown", B, 0, 0, NULL, NULL, "   answer 404 for them instead"},
    {"arxiv-api-url", S, 0, 0, NULL, chk_url, "URL  for those fetches (https://export.arxiv.org)"},
    {"contact", S, 0, 0, NULL, NULL, "EMAIL  in the User-Agent of fetches and harvests ($PAPERBOY_CONTACT)"},
    {"smtp", S, 0, 0, NULL, chk_smtp, "URL  smtp://host[:port] or smtps://...: send digests ($PAPERBOY_SMTP_URL)"},
    {"smtp-user", S, 0, 0, NULL, NULL, "U  SMTP user; the password is $PAPERBOY_SMTP_PASSWORD"},
    {"smtp-ca", S, 0, 0, NULL, NULL, "FILE  verify the SMTP server with these certificates"},
    {"starttls", B, 0, 0, NULL, NULL, "   require STARTTLS"},
    {"mail-from", S, 0, 0, NULL, NULL, "ADDR  sender of digests ($PAPERBOY_MAIL_FROM)"},
    {"mail-from-name", S, 0, 0, NULL, NULL, "NAME  sender's name"},
    {"digest-at", S, 0, 0, NULL, chk_time, "HH:MM  daily digest time, in --tz (07:00)"},
    {"tz", S, 0, 0, NULL, NULL, "ZONE  time zone of the timetable ($TZ, else UTC)"},
    {"harvest", S, 0, 0, NULL, chk_harvest, "LIST  harvest on a timetable: daily, arxiv, thumbnails (after daily), comma-separated"},
    {"media-hosts", S, 0, 0, NULL, NULL, "LIST  hosts thumbnails are fetched from (huggingface.co,hf.co)"},
    {"harvest-at", S, 0, 0, NULL, chk_time, "HH:MM  Daily Papers harvest time (06:30)"},
    {"harvest-margin", I, 0, 720, NULL, NULL, "MIN  arXiv harvest, minutes after the 20:00 New York announcement (30)"},
    {"harvest-set", S, 0, 0, NULL, NULL, "SET  arXiv OAI-PMH set (all of arXiv)"},
    {"harvest-arxiv-url", S, 0, 0, NULL, chk_url, "URL  OAI-PMH endpoint"},
    {"harvest-daily-url", S, 0, 0, NULL, chk_url, "URL  Daily Papers endpoint"},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};
#undef S
#undef B
#undef I
#undef N

const struct pb_conf_key *pb_cli_serve_keys(void)
{
    return serve_keys;
}

void pb_cli_serve_options(FILE *f)
{
    for (const struct pb_conf_key *k = serve_keys; k->name; k++) {
        const char *sp = strchr(k->help, ' ');
        int arg = (int)(sp - k->help);
        char left[48];
        snprintf(left, sizeof left, "--%s%s%.*s", k->name, arg ? " " : "",
                 arg, k->help);
        fprintf(f, "  %-26s %s\n", left, sp + strspn(sp, " "));
    }
}

/* Commands that read a store: --config gives them its `db`. */
static const char *const db_commands[] = {
    "import", "stats", "show", "export", "search", "reindex", "harvest",
    "user", "digest", "embed", "vsearch", "similar", "train-vectors",
    "vbench", "recommend", "backup", NULL,
};

int pb_cli_config_apply(const char *cmd, int *argc, char ***argv,
                        char ***to_free)
{
    int at = -1;
    const char *path = NULL;
    *to_free = NULL;
    for (int i = 1; i < *argc; i++) {
        const char *a = (*argv)[i];
        if (!strcmp(a, "--config")) {
            if (i + 1 >= *argc) {
                fprintf(stderr, "paperboy %s: --config needs a FILE\n", cmd);
                return 2;
            }
            at = i, path = (*argv)[i + 1];
            break;
        }
        if (!strncmp(a, "--config=", 9)) {
            at = i, path = a + 9;
            break;
        }
    }
    if (at < 0)
        return 0;
    int serve = !strcmp(cmd, "serve"), takes_db = serve;
    for (size_t i = 0; db_commands[i] && !takes_db; i++)
        takes_db = !strcmp(cmd, db_commands[i]);
    if (!takes_db) {
        fprintf(stderr, "paperboy %s: --config: this command reads no "
                        "settings\n", cmd);
        return 2;
    }
    static struct pb_conf conf; /* its strings live until exit */
    struct pb_err err;
    pb_err_clear(&err);
    if (pb_conf_load(path, serve_keys, &conf, &err)) {
        fprintf(stderr, "paperboy %s: %s\n", cmd, err.msg);
        return 2;
    }
    /* argv without --config FILE */
    int drop = strchr((*argv)[at], '=') ? 1 : 2, n = 0;
    char **rest = malloc((size_t)*argc * sizeof *rest);
    if (!rest)
        abort();
    for (int i = 0; i < *argc; i++)
        if (i < at || i >= at + drop)
            rest[n++] = (*argv)[i];
    struct pb_conf only_db = {0};
    struct pb_conf_item db_item;
    const struct pb_conf *use = &conf;
    if (!serve) { /* the other commands take the store's path only */
        use = &only_db;
        for (size_t i = 0; i < conf.n; i++)
            if (!strcmp(conf.items[i].key->name, "db")) {
                db_item = conf.items[i];
                only_db.items = &db_item;
                only_db.n = 1;
            }
    }
    pb_conf_argv(use, n, rest, argc, argv);
    free(rest);
    *to_free = *argv;
    return 0;
}
