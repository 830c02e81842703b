/* error.c - pb_strerror() and struct pb_err helpers. */
#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>

static const char *const names[PB_RC_COUNT] = {
    [PB_OK] = "ok",
    [PB_ENOMEM] = "out of memory",
    [PB_EINVAL] = "invalid value",
    [PB_EPARSE] = "parse error",
    [PB_ETOOBIG] = "too big",
    [PB_ENOTFOUND] = "not found",
    [PB_EIO] = "input/output error",
    [PB_EDB] = "database error",
    [PB_EEOF] = "end of input",
    [PB_EINTR] = "interrupted",
    [PB_EUNSUP] = "unsupported",
    [PB_EEXIST] = "already exists",
    [PB_EBUSY] = "busy",
    [PB_EPERM] = "not permitted",
};

const char *pb_strerror(int rc)
{
    if (rc < 0 || rc >= PB_RC_COUNT || !names[rc])
        return "unknown error";
    return names[rc];
}

int pb_err_set(struct pb_err *err, int rc, const char *fmt, ...)
{
    if (!err)
        return rc;
    err->rc = rc;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return rc;
}

void pb_err_clear(struct pb_err *err)
{
    if (!err)
        return;
    err->rc = PB_OK;
    err->msg[0] = '\0';
}
