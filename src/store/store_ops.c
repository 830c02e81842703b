/* store_ops.c - operators' figures (store_ops.h); the online backup of a
 * SQLite store is in store_backup_sqlite.c. */
#include "store/store_ops.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"
#include "store/store_mail.h"

static int ops_row(void *ctx, const struct pb_row *r)
{
    struct pb_store_ops *out = ctx;
    out->max_seq = pb_row_int(r, 0);
    out->digests_sent = pb_row_int(r, 1);
    out->digests_failed = pb_row_int(r, 2);
    const char *v = pb_row_text(r, 3);
    out->harvest_last_ok = v ? strtoll(v, NULL, 10) : 0;
    return PB_OK;
}

int pb_store_ops_read(struct pb_store *st, struct pb_store_ops *out)
{
    memset(out, 0, sizeof *out);
    int rc = pb_stmt_one(
        st,
        "SELECT (SELECT COALESCE(MAX(seq), 0) FROM papers),"
        " (SELECT count(*) FROM mail_digests WHERE state = ?1),"
        " (SELECT count(*) FROM mail_digests WHERE state = ?2),"
        " (SELECT value FROM meta WHERE key = 'harvest.last_ok')",
        PB_ARGS(pb_int(PB_DIGEST_SENT), pb_int(PB_DIGEST_REFUSED)), ops_row,
        out);
    return rc ? PB_EDB : PB_OK;
}

int pb_store_harvest_ok(struct pb_store *st, int64_t at)
{
    char v[24];
    snprintf(v, sizeof v, "%lld", (long long)at);
    return pb_store_meta_set(st, "harvest.last_ok", v);
}
