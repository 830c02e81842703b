/*
 * access_log.h - one line per request in the combined log format:
 *   127.0.0.1 - - [03/Jun/2024:10:11:12 +0000] "GET /path?q HTTP/1.1" 200 512
 *   "referer" "user agent"
 * Request text is escaped (quotes, backslashes and control bytes as \xHH)
 * so a line cannot be forged. Lines are buffered and written at least once
 * a second and at pb_web_log_flush(). Thread-safe.
 */
#ifndef PB_WEB_ACCESS_LOG_H
#define PB_WEB_ACCESS_LOG_H

#include <stddef.h>
#include <stdio.h>

/* f is borrowed until pb_web_log_close(); NULL turns logging off. */
void pb_web_log_open(FILE *f);
void pb_web_log_close(void); /* flushes */
/* Log to f from now on (borrowed as above; NULL: off); returns the file
 * used until now, flushed and no longer touched, for the caller to close
 * (SIGHUP after a log rotation). Thread-safe. */
FILE *pb_web_log_reopen(FILE *f);
void pb_web_log_flush(void);

/* Log one request. Every string is borrowed for the call; NULLs print "-". */
void pb_web_log(const char *client, const char *method, const char *path,
                const char *query, const char *version, int status,
                size_t bytes, const char *referer, const char *agent);

#endif
