/* hash_proc.c - argon2id in a helper process (see hash_proc.h).
 *
 * Protocol on a stream socketpair, one request at a time:
 *   request:  op ('h' hash, 'v' verify), u32 hash_len, hash, u32 pw_len, pw
 *   answer:   'v': one byte, 1 or 0; 'h': i32 rc, then 128 bytes of hash
 * A password is sent whole up to PW_SEND bytes; longer ones are cut there
 * (still over PB_CM_PW_MAX, so they take the dummy path as before). */
#include "web/hash_proc.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/mem.h"

#define PW_SEND 4096
#define HASH_SEND 127

struct pb_hash_proc {
    pthread_mutex_t lock;
    int fd;
    pid_t pid;
    struct pb_cm_hasher hasher;
};

static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        c += w, n -= (size_t)w;
    }
    return 0;
}

static int read_all(int fd, void *p, size_t n)
{
    char *c = p;
    while (n) {
        ssize_t r = read(fd, c, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        c += r, n -= (size_t)r;
    }
    return 0;
}

static int send_str(int fd, const char *s, size_t cap)
{
    uint32_t n = 0;
    if (s) {
        size_t len = strlen(s);
        n = (uint32_t)(len > cap ? cap : len);
    }
    return write_all(fd, &n, sizeof n) || (n && write_all(fd, s, n)) ? -1 : 0;
}

/* A string of at most cap bytes into a new NUL-terminated buffer; *present
 * 0 for a NULL string (sent as length 0 with op flags). */
static char *recv_str(int fd, size_t cap)
{
    uint32_t n;
    if (read_all(fd, &n, sizeof n) || n > cap)
        return NULL;
    char *s = pb_malloc((size_t)n + 1);
    if (n && read_all(fd, s, n)) {
        free(s);
        return NULL;
    }
    s[n] = '\0';
    return s;
}

static void child(int fd)
{
    for (;;) {
        char op, flags;
        if (read_all(fd, &op, 1) || read_all(fd, &flags, 1))
            _exit(0);
        char *hash = recv_str(fd, HASH_SEND), *pw = recv_str(fd, PW_SEND);
        if (!hash || !pw)
            _exit(1);
        if (op == 'v') {
            /* flags: bit 0 a hash was given, bit 1 a password */
            char ok = (char)pb_cm_password_verify(flags & 1 ? hash : NULL,
                                                  flags & 2 ? pw : NULL);
            if (write_all(fd, &ok, 1))
                _exit(1);
        } else {
            char out[128] = {0};
            int32_t rc = pb_cm_password_hash(pw, out);
            if (write_all(fd, &rc, sizeof rc) || write_all(fd, out, 128))
                _exit(1);
        }
        free(hash);
        free(pw);
    }
}

static int request(struct pb_hash_proc *p, char op, const char *hash,
                   const char *pw)
{
    char flags = (char)((hash ? 1 : 0) | (pw ? 2 : 0));
    if (write_all(p->fd, &op, 1) || write_all(p->fd, &flags, 1) ||
        send_str(p->fd, hash, HASH_SEND) || send_str(p->fd, pw, PW_SEND))
        return -1;
    return 0;
}

static int proc_verify(void *ctx, const char *hash, const char *pw)
{
    struct pb_hash_proc *p = ctx;
    char ok = 0;
    pthread_mutex_lock(&p->lock);
    if (request(p, 'v', hash && strlen(hash) <= HASH_SEND ? hash : NULL, pw) ||
        read_all(p->fd, &ok, 1)) {
        fprintf(stderr, "paperboy serve: the hashing process is gone\n");
        ok = 0;
    }
    pthread_mutex_unlock(&p->lock);
    return ok == 1;
}

static int proc_hash(void *ctx, const char *pw, char out[128])
{
    struct pb_hash_proc *p = ctx;
    int32_t rc = PB_EIO;
    pthread_mutex_lock(&p->lock);
    if (request(p, 'h', NULL, pw) || read_all(p->fd, &rc, sizeof rc) ||
        read_all(p->fd, out, 128)) {
        fprintf(stderr, "paperboy serve: the hashing process is gone\n");
        rc = PB_EIO;
    }
    pthread_mutex_unlock(&p->lock);
    out[127] = '\0';
    return rc;
}

struct pb_hash_proc *pb_hash_proc_start(void)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
        return NULL;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        close(sv[0]);
        close(sv[1]);
        return NULL;
    }
    if (pid == 0) {
        close(sv[0]);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(0);
        /* below the server's threads when the cores are busy */
        if (nice(10) == -1)
            (void)0;
        signal(SIGPIPE, SIG_IGN);
        child(sv[1]);
        _exit(0);
    }
    close(sv[1]);
    struct pb_hash_proc *p = pb_calloc(1, sizeof *p);
    pthread_mutex_init(&p->lock, NULL);
    p->fd = sv[0];
    p->pid = pid;
    p->hasher = (struct pb_cm_hasher){proc_hash, proc_verify, p};
    return p;
}

const struct pb_cm_hasher *pb_hash_proc_hasher(struct pb_hash_proc *p)
{
    return &p->hasher;
}

void pb_hash_proc_stop(struct pb_hash_proc *p)
{
    if (!p)
        return;
    close(p->fd); /* the child reads EOF and exits */
    int st;
    while (waitpid(p->pid, &st, 0) < 0 && errno == EINTR)
        ;
    pthread_mutex_destroy(&p->lock);
    free(p);
}
