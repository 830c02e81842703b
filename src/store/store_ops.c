/* store_ops.c - operators' figures and the online backup (store_ops.h). */
#include "store/store_ops.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/store_int.h"
#include "store/store_mail.h"

int pb_store_ops_read(struct pb_store *st, struct pb_store_ops *out)
{
    static const char sql[] =
        "SELECT (SELECT COALESCE(MAX(seq), 0) FROM papers),"
        " (SELECT count(*) FROM mail_digests WHERE state = ?1),"
        " (SELECT count(*) FROM mail_digests WHERE state = ?2),"
        " (SELECT value FROM meta WHERE key = 'harvest.last_ok')";
    sqlite3_stmt *s = NULL;
    memset(out, 0, sizeof *out);
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
        return PB_EDB;
    sqlite3_bind_int(s, 1, PB_DIGEST_SENT);
    sqlite3_bind_int(s, 2, PB_DIGEST_REFUSED);
    int rc = PB_EDB;
    if (sqlite3_step(s) == SQLITE_ROW) {
        out->max_seq = sqlite3_column_int64(s, 0);
        out->digests_sent = sqlite3_column_int64(s, 1);
        out->digests_failed = sqlite3_column_int64(s, 2);
        const char *v = (const char *)sqlite3_column_text(s, 3);
        out->harvest_last_ok = v ? strtoll(v, NULL, 10) : 0;
        rc = PB_OK;
    }
    sqlite3_finalize(s);
    return rc;
}

int pb_store_harvest_ok(struct pb_store *st, int64_t at)
{
    char v[24];
    snprintf(v, sizeof v, "%lld", (long long)at);
    return pb_store_meta_set(st, "harvest.last_ok", v);
}

static int fsync_path(const char *path, int dir)
{
    int fd = open(path, (dir ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int r = fsync(fd);
    close(fd);
    return r;
}

int pb_store_backup(const char *db_path, const char *dest, int pages_per_step,
                    pb_store_backup_fn progress, void *ctx, int *out_pages,
                    struct pb_err *err)
{
    int rc = PB_OK;
    sqlite3 *src = NULL, *dst = NULL;
    sqlite3_backup *b = NULL;
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", dest) >= (int)sizeof tmp)
        return pb_err_set(err, PB_EINVAL, "%s: path too long", dest);
    if (pages_per_step <= 0)
        pages_per_step = 256;
    if (sqlite3_open_v2(db_path, &src, SQLITE_OPEN_READONLY, NULL) !=
        SQLITE_OK) {
        rc = pb_err_set(err, PB_EDB, "%s: %s", db_path,
                        src ? sqlite3_errmsg(src) : "cannot open");
        goto out;
    }
    sqlite3_busy_timeout(src, 10000);
    /* one snapshot for every step: other connections' commits after this
     * are not seen, so the copy is consistent and never restarts */
    if (sqlite3_exec(src, "BEGIN; SELECT count(*) FROM sqlite_master;", NULL,
                     NULL, NULL) != SQLITE_OK) {
        rc = pb_err_set(err, PB_EDB, "%s: %s", db_path, sqlite3_errmsg(src));
        goto out;
    }
    unlink(tmp);
    if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                        NULL) != SQLITE_OK) {
        rc = pb_err_set(err, PB_EIO, "%s: %s", tmp,
                        dst ? sqlite3_errmsg(dst) : "cannot create");
        goto out;
    }
    b = sqlite3_backup_init(dst, "main", src, "main");
    if (!b) {
        rc = pb_err_set(err, PB_EDB, "backup: %s", sqlite3_errmsg(dst));
        goto out;
    }
    int s;
    do {
        s = sqlite3_backup_step(b, pages_per_step);
        if (progress)
            progress(ctx, sqlite3_backup_pagecount(b) -
                              sqlite3_backup_remaining(b),
                     sqlite3_backup_pagecount(b));
        if (s == SQLITE_BUSY || s == SQLITE_LOCKED) {
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    } while (s == SQLITE_OK || s == SQLITE_BUSY || s == SQLITE_LOCKED);
    if (out_pages)
        *out_pages = sqlite3_backup_pagecount(b);
    sqlite3_backup_finish(b);
    b = NULL;
    if (s != SQLITE_DONE) {
        rc = pb_err_set(err, PB_EDB, "backup: %s", sqlite3_errstr(s));
        goto out;
    }
    /* a copy that stands alone: no -wal beside it */
    if (sqlite3_exec(dst, "PRAGMA journal_mode=DELETE;", NULL, NULL, NULL) !=
        SQLITE_OK) {
        rc = pb_err_set(err, PB_EDB, "%s: %s", tmp, sqlite3_errmsg(dst));
        goto out;
    }
    sqlite3_close(dst);
    dst = NULL;
    if (fsync_path(tmp, 0) || rename(tmp, dest)) {
        rc = pb_err_set(err, PB_EIO, "%s: %s", dest, strerror(errno));
        goto out;
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", dest);
    char *slash = strrchr(dir, '/');
    if (slash)
        *(slash == dir ? slash + 1 : slash) = '\0';
    fsync_path(slash ? dir : ".", 1);
out:
    if (b)
        sqlite3_backup_finish(b);
    if (dst)
        sqlite3_close(dst);
    if (rc)
        unlink(tmp);
    if (src) {
        sqlite3_exec(src, "COMMIT;", NULL, NULL, NULL);
        sqlite3_close(src);
    }
    return rc;
}
