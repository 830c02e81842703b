/*
 * serve_sched.c - the scheduler options of `paperboy serve` (digests and
 * harvests on a timetable, src/sched/), parsed apart from cmd_serve.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "harvest/harvest_fetch.h"
#include "mail/mail_text.h"
#include "sched/sched.h"

struct pb_cli_sched {
    struct pb_sched_opts o;
    const char *tz, *contact;
    char base[512];
    char ua[512];
    struct pb_sched *s;
};

/* One per process (serve runs once), in static storage: the usage-error
 * returns of cmd_serve.c need not free it. */
static struct pb_cli_sched the_sched;

struct pb_cli_sched *pb_cli_sched_new(void)
{
    struct pb_cli_sched *c = &the_sched;
    memset(c, 0, sizeof *c);
    c->o.digest_at = 7 * 3600;
    c->o.daily_at = 6 * 3600 + 30 * 60;
    c->o.log = stderr;
    return c;
}

const char *pb_cli_sched_usage(void)
{
    return "\nE-mail digests (docs/MAIL.md) need --smtp URL and --mail-from "
           "ADDR:\n"
           "  --smtp URL          smtp://[user:pass@]host[:port] or "
           "smtps://... ($PAPERBOY_SMTP_URL)\n"
           "  --smtp-user U       with $PAPERBOY_SMTP_PASSWORD; "
           "--starttls requires STARTTLS;\n"
           "                      --smtp-ca FILE verifies the server with "
           "these certificates\n"
           "  --mail-from ADDR    sender ($PAPERBOY_MAIL_FROM); "
           "--mail-from-name NAME\n"
           "  --digest-at HH:MM   daily digest time (07:00), in --tz ZONE "
           "(else $TZ, else UTC)\n"
           "Harvests on a timetable: --harvest daily,arxiv (arxiv: "
           "--harvest-margin MIN after\nthe 20:00 New York announcement, "
           "30; daily: --harvest-at HH:MM, 06:30), --harvest-set S,\n"
           "--contact EMAIL, --harvest-arxiv-url URL, --harvest-daily-url "
           "URL;\n"
           "--harvest daily,thumbnails also fetches the new papers' images "
           "after each daily\nharvest (--media-hosts LIST; paperboy harvest "
           "thumbnails --help).\n";
}

static int time_arg(const char *flag, const char *v, int *out)
{
    if (pb_sched_parse_time(v, out)) {
        fprintf(stderr, "paperboy serve: %s %s: give HH:MM or HH:MM:SS\n",
                flag, v);
        return -1;
    }
    return 1;
}

int pb_cli_sched_arg(struct pb_cli_sched *c, int argc, char **argv, int *i)
{
    const char *a = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;
    if (!strcmp(a, "--starttls")) {
        c->o.smtp.starttls = 1;
        return 1;
    }
    if (!v || strncmp(a, "--", 2))
        return 0;
    int r = 1;
    if (!strcmp(a, "--smtp"))
        c->o.smtp.url = v;
    else if (!strcmp(a, "--smtp-user"))
        c->o.smtp.user = v;
    else if (!strcmp(a, "--smtp-ca"))
        c->o.smtp.ca_file = v;
    else if (!strcmp(a, "--mail-from"))
        c->o.mail.from = v;
    else if (!strcmp(a, "--mail-from-name"))
        c->o.mail.from_name = v;
    else if (!strcmp(a, "--digest-at"))
        r = time_arg(a, v, &c->o.digest_at);
    else if (!strcmp(a, "--harvest-at"))
        r = time_arg(a, v, &c->o.daily_at);
    else if (!strcmp(a, "--tz"))
        c->tz = v;
    else if (!strcmp(a, "--contact"))
        c->contact = v;
    else if (!strcmp(a, "--harvest-set"))
        c->o.arxiv_set = v;
    else if (!strcmp(a, "--harvest-arxiv-url"))
        c->o.arxiv_url = v;
    else if (!strcmp(a, "--harvest-daily-url"))
        c->o.daily_url = v;
    else if (!strcmp(a, "--media-hosts"))
        c->o.media_hosts = v;
    else if (!strcmp(a, "--harvest-margin")) {
        char *end;
        long m = strtol(v, &end, 10);
        if (!*v || *end || m < 0 || m > 720) {
            fprintf(stderr, "paperboy serve: --harvest-margin %s: give 0..720 "
                            "minutes\n", v);
            return -1;
        }
        c->o.arxiv_margin_s = m * 60;
    } else if (!strcmp(a, "--harvest")) {
        for (const char *w = v; *w;) {
            size_t n = strcspn(w, ",");
            if (n == 5 && !strncmp(w, "daily", 5))
                c->o.harvest_daily = 1;
            else if (n == 5 && !strncmp(w, "arxiv", 5))
                c->o.harvest_arxiv = 1;
            else if (n == 10 && !strncmp(w, "thumbnails", 10))
                c->o.harvest_thumbs = 1; /* after each daily harvest */
            else {
                fprintf(stderr, "paperboy serve: --harvest %s: give daily, "
                                "arxiv, thumbnails (with daily), or a "
                                "list\n", v);
                return -1;
            }
            w += n + (w[n] == ',');
        }
    } else
        r = 0;
    if (r > 0)
        (*i)++;
    return r;
}

/* TZ for the local times of the timetable: set before any thread runs. */
static int set_tz(const char *tz)
{
    if (!tz)
        tz = getenv("TZ");
    if (!tz || !*tz)
        tz = "UTC";
    if (strcmp(tz, "UTC") && tz[0] != ':') {
        char path[300];
        snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", tz);
        if (strstr(tz, "..") || access(path, R_OK)) {
            fprintf(stderr, "paperboy serve: --tz %s: no such time zone "
                            "(e.g. Europe/Berlin, America/New_York, UTC)\n",
                    tz);
            return -1;
        }
    }
    setenv("TZ", tz, 1);
    tzset();
    return 0;
}

int pb_cli_sched_mails(const struct pb_cli_sched *c)
{
    return c->o.smtp.url != NULL;
}

int pb_cli_sched_start(struct pb_cli_sched *c, const char *db_path,
                       const char *base_url)
{
    if (!c->o.smtp.url)
        c->o.smtp.url = getenv("PAPERBOY_SMTP_URL");
    if (c->o.smtp.url && !*c->o.smtp.url)
        c->o.smtp.url = NULL;
    if (!c->o.mail.from)
        c->o.mail.from = getenv("PAPERBOY_MAIL_FROM");
    int mail = c->o.smtp.url != NULL;
    if (c->o.harvest_thumbs && !c->o.harvest_daily) {
        fprintf(stderr, "paperboy serve: --harvest thumbnails runs after the "
                        "daily harvest: give --harvest daily,thumbnails\n");
        return -1;
    }
    if (!mail && !c->o.harvest_arxiv && !c->o.harvest_daily)
        return 0; /* nothing to schedule */
    if (mail && (!c->o.mail.from || !pb_mail_addr_ok(c->o.mail.from))) {
        fprintf(stderr, "paperboy serve: --smtp needs --mail-from ADDR (a "
                        "valid address)\n");
        return -1;
    }
    if (set_tz(c->tz))
        return -1;
    if (c->o.smtp.user)
        c->o.smtp.password = getenv("PAPERBOY_SMTP_PASSWORD");
    const char *contact = c->contact ? c->contact : getenv("PAPERBOY_CONTACT");
    if (pb_fetch_user_agent(PB_VERSION, contact, c->ua, sizeof c->ua)) {
        fprintf(stderr, "paperboy serve: --contact: printable ASCII without "
                        "parentheses, at most 200 bytes\n");
        return -1;
    }
    snprintf(c->base, sizeof c->base, "%s", base_url);
    for (size_t n = strlen(c->base); n && c->base[n - 1] == '/';)
        c->base[--n] = '\0';
    c->o.db_path = db_path;
    c->o.user_agent = c->ua;
    c->o.mail.base_url = c->base;
    if (!mail)
        c->o.digest_at = -1;
    struct pb_err err;
    pb_err_clear(&err);
    if (pb_sched_start(&c->o, &c->s, &err)) {
        fprintf(stderr, "paperboy serve: %s\n", err.msg);
        return -1;
    }
    return 0;
}

void pb_cli_sched_free(struct pb_cli_sched *c)
{
    if (!c)
        return;
    pb_sched_stop(c->s);
    c->s = NULL;
}
