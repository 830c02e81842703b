/*
 * error.h - the one error enum of paperboy, and a human-readable error record.
 *
 * Every function that can fail returns an enum pb_rc (PB_OK == 0). Where a
 * person will read the error (import, query, config, CLI) the function also
 * fills an optional struct pb_err, which the caller owns (usually on stack).
 */
#ifndef PB_CORE_ERROR_H
#define PB_CORE_ERROR_H

#include <stddef.h>

#define PB_WUR __attribute__((warn_unused_result))
#define PB_PRINTF(a, b) __attribute__((format(printf, a, b)))

enum pb_rc {
    PB_OK = 0,
    PB_ENOMEM,    /* allocation failed (normally we abort instead) */
    PB_EINVAL,    /* bad argument or bad value from outside */
    PB_EPARSE,    /* input could not be parsed */
    PB_ETOOBIG,   /* input exceeds a documented cap */
    PB_ENOTFOUND, /* no such thing */
    PB_EIO,       /* read/write/open failed */
    PB_EDB,       /* database error */
    PB_EEOF,      /* end of input (not an error for loops) */
    PB_EINTR,     /* interrupted by a signal or by the caller */
    PB_EUNSUP,    /* unsupported format or feature */
    PB_EEXIST,    /* already exists */
    PB_EBUSY,     /* resource busy, try again */
    PB_EPERM,     /* not allowed */
    PB_RC_COUNT
};

/* Static string naming rc; never NULL. */
const char *pb_strerror(int rc);

/* A message for people: "file:line: field: why". */
struct pb_err {
    int rc;
    char msg[256];
};

/* Fill err (if non-NULL) with rc and a formatted message; returns rc so that
 * callers can write `return pb_err_set(err, PB_EPARSE, "...")`. */
int pb_err_set(struct pb_err *err, int rc, const char *fmt, ...) PB_PRINTF(3, 4);

/* Clear err (if non-NULL) to PB_OK and an empty message. */
void pb_err_clear(struct pb_err *err);

#endif
