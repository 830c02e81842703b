/* fmap.c - whole files in read-only memory (see fmap.h). */
#include "core/fmap.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int private_copy;

void pb_fmap_private(int on)
{
    private_copy = on;
}

int pb_fmap(const char *path, size_t min_len, const char *what, void **map,
            size_t *len, struct pb_err *err)
{
    *map = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return pb_err_set(err, errno == ENOENT ? PB_ENOTFOUND : PB_EIO,
                          "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size < 0 ||
        (size_t)st.st_size < min_len || st.st_size == 0) {
        close(fd);
        return pb_err_set(err, PB_EPARSE, "%s: not %s", path, what);
    }
    size_t n = (size_t)st.st_size;
    if (!private_copy) {
        void *m = mmap(NULL, n, PROT_READ, MAP_SHARED, fd, 0);
        close(fd);
        if (m == MAP_FAILED)
            return pb_err_set(err, PB_EIO, "%s: mmap: %s", path,
                              strerror(errno));
        *map = m;
        *len = n;
        return PB_OK;
    }
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (p == MAP_FAILED) {
        close(fd);
        return pb_err_set(err, PB_EIO, "%s: mmap: %s", path, strerror(errno));
    }
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, (char *)p + got, n - got, (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            int e = r < 0 ? errno : 0;
            close(fd);
            munmap(p, n);
            if (e)
                return pb_err_set(err, PB_EIO, "%s: %s", path, strerror(e));
            return pb_err_set(err, PB_EPARSE,
                              "%s: not %s (it shrank while being read)", path,
                              what);
        }
        got += (size_t)r;
    }
    close(fd);
    mprotect(p, n, PROT_READ);
    *map = p;
    *len = n;
    return PB_OK;
}

void pb_fmap_free(void *map, size_t len)
{
    if (map)
        munmap(map, len);
}
