/*
 * replica_int.h - where store_pg.c and stmt_pg.c hand over to the read
 * replica (store_replica.c; src/store/ only). Each hook is called only
 * when st->rep is set.
 */
#ifndef PB_STORE_REPLICA_INT_H
#define PB_STORE_REPLICA_INT_H

#include "store/stmt_int.h"

/* pb_pg_run with st->rep: picks the connection (replica or primary) and
 * runs the statement there through pb_pg_run_here. */
int pb_replica_run(struct pb_store *st, int mode, const char *sql,
                   const struct pb_arg *a, size_t n, pb_row_fn fn, void *ctx);

/* pb_pg_read_begin / _end with st->rep: 1 when the replica took the call
 * (a read transaction began, was open already, or is ended, there or on
 * the primary after a switch); 0 when the primary's own code runs it. */
int pb_replica_read_begin(struct pb_store *st, int *out_began);
int pb_replica_read_end(struct pb_store *st, int began);

/* From pb_pg_close: close the replica's connection and free st->rep. */
void pb_replica_free(struct pb_store *st);

/* stmt_pg.c: run a statement on st->pg's connection, whichever it is
 * (reconnecting it first when it was lost). */
int pb_pg_run_here(struct pb_store *st, int mode, const char *sql,
                   const struct pb_arg *a, size_t n, pb_row_fn fn,
                   void *ctx);

#endif
