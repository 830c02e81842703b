/* store_backup_sqlite.c - the online backup of a SQLite store (store_ops.h):
 * SQLite's backup API, page by page from one snapshot. A PostgreSQL store is
 * backed up with PostgreSQL's own tools (pg_dump, base backups). */
#include "store/store_ops.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
