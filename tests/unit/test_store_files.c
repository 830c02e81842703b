/* test_store_files.c - where a server keeps its own files for a SQLite
 * path and for a PostgreSQL URL (src/store/store_files.h). */
#include "harness.h"

#include <stdlib.h>

#include "store/store_files.h"

static void t_base(void)
{
    char b[256];
    unsetenv("PAPERBOY_LOCAL_DIR");
    pb_local_dir_set(NULL);
    CHECK_EQ(pb_local_base("/srv/p.db", b, sizeof b), PB_OK);
    CHECK_STR(b, "/srv/p.db");
    CHECK_EQ(pb_local_base("postgres://u@h:5432/papers?sslmode=off", b,
                           sizeof b), PB_OK);
    CHECK_STR(b, "./paperboy-papers");
    CHECK_EQ(pb_local_base("host=h dbname='my db;x' user=u", b, sizeof b),
             PB_OK);
    CHECK_STR(b, "./paperboy-my");
    /* a keyword given twice: libpq connects to the last one's database */
    CHECK_EQ(pb_local_base("host=h dbname=postgres user=u dbname=pb_1", b,
                           sizeof b),
             PB_OK);
    CHECK_STR(b, "./paperboy-pb_1");
    CHECK_EQ(pb_local_base("host=h user=u", b, sizeof b), PB_OK);
    CHECK_STR(b, "./paperboy");
    /* a name cannot climb out of the directory */
    CHECK_EQ(pb_local_base("postgres://h/..%2F..%2Fetc", b, sizeof b), PB_OK);
    CHECK_STR(b, "./paperboy-2F2Fetc");
    setenv("PAPERBOY_LOCAL_DIR", "/var/lib/pb", 1);
    CHECK_EQ(pb_local_base("postgres://h/pb", b, sizeof b), PB_OK);
    CHECK_STR(b, "/var/lib/pb/paperboy-pb");
    pb_local_dir_set("/node1");
    CHECK_EQ(pb_local_base("postgres://h/pb", b, sizeof b), PB_OK);
    CHECK_STR(b, "/node1/paperboy-pb");
    CHECK_EQ(pb_local_base("postgres://h/pb", b, 8), PB_ETOOBIG);
    pb_local_dir_set(NULL);
    unsetenv("PAPERBOY_LOCAL_DIR");
}

int main(void)
{
    static const struct pb_test T[] = {
        {"base", t_base},
        {0}};
    return pb_test_run(T);
}
