/*
 * conn_guard.h - what keeps one client from holding the server: a total
 * deadline on request headers, and the framing checks that stop request
 * smuggling (see docs/SECURITY.md "Connections").
 *
 * libmicrohttpd's own timeout is an idle one: a client that sends one byte
 * every few seconds keeps a connection forever. The guard tracks every
 * connection from MHD's connection notifications; a reaper thread shuts the
 * socket down (shutdown(2), never close: MHD still owns the descriptor) of
 * any connection whose request headers have not all arrived within the
 * deadline, counted from accept or from the end of the previous response.
 * MHD then sees the socket fail and closes it itself.
 *
 * Threads: the notify callback and the marks run on MHD's threads, the
 * reaper on its own; a mutex guards the list.
 */
#ifndef PB_WEB_CONN_GUARD_H
#define PB_WEB_CONN_GUARD_H

#include <microhttpd.h>
#include <stddef.h>

/* Start the reaper with a header deadline of deadline_s seconds (0: no
 * deadline, the notifications then only count). PB_OK or PB_EIO when the
 * thread cannot start. */
int pb_web_guard_start(unsigned deadline_s);
/* Stop the reaper; call after MHD_stop_daemon() (no connection left). */
void pb_web_guard_stop(void);

/* MHD_OPTION_NOTIFY_CONNECTION callback (cls unused). */
void pb_web_guard_notify(void *cls, struct MHD_Connection *c,
                         void **socket_context,
                         enum MHD_ConnectionNotificationCode toe);
/* The request's headers are all in (the access handler's first call). */
void pb_web_guard_headers_done(struct MHD_Connection *c);
/* The response is done; the next request's headers are now awaited. */
void pb_web_guard_request_done(struct MHD_Connection *c);
/* Connections awaiting request headers whose bytes have arrived but are
 * not read yet (FIONREAD): requests in flight that no handler has seen.
 * The graceful shutdown waits for them too. */
unsigned pb_web_guard_unread(void);
/* Connections shut down by the deadline so far (for tests and logs). */
unsigned long pb_web_guard_reaped(void);

/*
 * Check how the request's body is framed (RFC 9112 section 6.3): both
 * Content-Length and Transfer-Encoding, more than one Content-Length, a
 * Content-Length that is not a number, or a Transfer-Encoding other than
 * "chunked" are refused with 400 (a proxy in front may have framed the
 * body differently: request smuggling); a Content-Length over max_body
 * with 413. Returns 0 when the request may go on, else the status, with
 * *why a static sentence for the error page.
 */
int pb_web_guard_framing(struct MHD_Connection *c, size_t max_body,
                         const char **why);

#endif
