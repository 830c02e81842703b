/*
 * hash_proc.h - a helper process that runs argon2id for the server's
 * hashing pool (issue 15). In the server's own process each check maps and
 * unmaps 64 MiB (libsodium: mmap with MAP_POPULATE, then munmap), which
 * takes the process-wide memory-map lock and shoots down TLBs on every core
 * running a request thread: pages stalled beside a log-in flood even with
 * hashing on its own threads. A child process has its own memory map.
 *
 * pb_hash_proc_start() forks; call it before the server starts threads of
 * its own (the child only ever runs libsodium and _exit). The child dies
 * with the parent (PR_SET_PDEATHSIG) and when its socket closes.
 * Thread-safe: calls on one helper are serialised by its mutex.
 */
#ifndef PB_WEB_HASH_PROC_H
#define PB_WEB_HASH_PROC_H

#include "community/community.h"
#include "core/error.h"

struct pb_hash_proc;

/* A new helper; NULL when it cannot fork. Caller frees with
 * pb_hash_proc_stop(). */
struct pb_hash_proc *pb_hash_proc_start(void);

/* The hasher (community.h) that sends work to p; borrowed from p. */
const struct pb_cm_hasher *pb_hash_proc_hasher(struct pb_hash_proc *p);

/* Close the socket, wait for the child. NULL is a no-op. */
void pb_hash_proc_stop(struct pb_hash_proc *p);

#endif
