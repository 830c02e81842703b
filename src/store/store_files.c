/* store_files.c - where a server keeps its own files (store_files.h). */
#include "store/store_files.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

static const char *local_dir;

void pb_local_dir_set(const char *dir)
{
    local_dir = dir && *dir ? dir : NULL;
}

/* The database name a URL or keyword string names into out (cut to safe
 * characters, at most cap - 1); "" when none. */
static void db_name(const char *db, char *out, size_t cap)
{
    const char *s = NULL, *e = NULL;
    if (!strncmp(db, "postgres", 8)) {
        const char *h = strstr(db, "://");
        const char *slash = h ? strchr(h + 3, '/') : NULL;
        if (slash) {
            s = slash + 1;
            e = s + strcspn(s, "?#");
        }
    } else {
        /* libpq takes the last of a keyword given twice ("... dbname=postgres
         * dbname=pb" connects to pb): so does the name of the files */
        for (const char *p = db; (p = strstr(p, "dbname=")); p++) {
            if (p == db || p[-1] == ' ') {
                s = p + 7;
                if (*s == '\'')
                    s++;
                e = s + strcspn(s, " '");
            }
        }
    }
    size_t n = 0;
    for (const char *p = s; p && p < e && n + 1 < cap; p++) {
        char c = *p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '_')
            out[n++] = c;
    }
    out[n] = '\0';
}

int pb_local_base(const char *db, char *out, size_t cap)
{
    int n;
    if (!pb_store_is_url(db)) {
        n = snprintf(out, cap, "%s", db);
    } else {
        char name[64];
        db_name(db, name, sizeof name);
        const char *dir = local_dir ? local_dir : getenv("PAPERBOY_LOCAL_DIR");
        if (!dir || !*dir)
            dir = ".";
        n = snprintf(out, cap, "%s/paperboy%s%s", dir, *name ? "-" : "",
                     name);
    }
    return n < 0 || (size_t)n >= cap ? PB_ETOOBIG : PB_OK;
}
