/*
 * sched.h - the one scheduler inside `paperboy serve`: a thread that runs
 * the e-mail jobs (confirmation mails and retries every few seconds, the
 * digests once a day at a local time) and, when enabled, the harvests
 * (arXiv over OAI-PMH some minutes after each announcement, 20:00 New York
 * Sunday to Thursday; Daily Papers once a day at a local time), each on
 * its own store connection. Harvests run before a digest due at the same
 * moment, so the digest has the new papers.
 *
 * Local times are in the process's time zone: the caller sets TZ (setenv
 * and tzset) before any thread starts, as `serve --tz` does.
 */
#ifndef PB_SCHED_SCHED_H
#define PB_SCHED_SCHED_H

#include <stdint.h>
#include <stdio.h>

#include "core/error.h"
#include "mail/mail.h"
#include "mail/smtp.h"

struct pb_sched_opts {
    const char *db_path;
    /* mail: mail.smtp and mail.clock are set by the scheduler; everything
     * else as the caller gives it. smtp_url NULL: no mail jobs. */
    struct pb_mail_config mail;
    struct pb_smtp_curl_opts smtp;
    int digest_at;          /* seconds after local midnight; < 0: no digests */
    int confirm_every_s;    /* confirmations and retries; 0 = 5 */
    /* harvests */
    int harvest_arxiv, harvest_daily;
    int harvest_thumbs;     /* after each daily harvest: harvest_thumbs.h
                               (up to 300 images, PDFs from arXiv) */
    const char *media_hosts;/* NULL = PB_HARVEST_MEDIA_HOSTS */
    int64_t arxiv_margin_s; /* after an announcement; 0 = 1800 */
    int daily_at;           /* seconds after local midnight */
    const char *arxiv_url, *daily_url; /* NULL = the real ones */
    const char *arxiv_set;  /* NULL = all of arXiv */
    const char *user_agent; /* required for harvests */
    FILE *log;              /* one line per run; NULL = none */
};

struct pb_sched;

/* Start the thread (with SIGTERM, SIGINT, SIGPIPE blocked in it). o and
 * its strings borrowed until pb_sched_stop(). */
int pb_sched_start(const struct pb_sched_opts *o, struct pb_sched **out,
                   struct pb_err *err) PB_WUR;
/* Ask the thread to stop (a job in progress stops between requests or
 * mails), join it, free. NULL is a no-op. */
void pb_sched_stop(struct pb_sched *s);

/* The first moment after now that is at (seconds after midnight) local
 * time; across daylight-saving changes the next day that has it. */
int64_t pb_sched_next_local(int64_t now, int at);

/* "HH:MM" or "HH:MM:SS" into seconds after midnight; PB_EINVAL. */
int pb_sched_parse_time(const char *s, int *out) PB_WUR;

#endif
