/*
 * replay_main.c - run a libFuzzer target over a corpus without libFuzzer.
 *
 * `make test` links each tests/fuzz/fuzz_*.c with this file under ASan and
 * UBSan and replays every file of tests/fuzz/corpus/<target>/ (SQLite's
 * fuzzcheck). A crash or sanitizer report fails the run.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t cap = 1 << 16, len = 0;
    uint8_t *p = malloc(cap);
    size_t n;
    while (p && (n = fread(p + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap)
            p = realloc(p, cap *= 2);
    }
    fclose(f);
    if (!p)
        return -1;
    LLVMFuzzerTestOneInput(p, len);
    free(p);
    return 0;
}

int main(int argc, char **argv)
{
    int n = 0, bad = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: cannot stat %s\n", argv[i]);
            bad++;
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            if (replay(argv[i]) == 0)
                n++;
            else
                bad++;
            continue;
        }
        DIR *d = opendir(argv[i]);
        struct dirent *e;
        while (d && (e = readdir(d))) {
            if (e->d_name[0] == '.')
                continue;
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
            if (replay(path) == 0)
                n++;
            else
                bad++;
        }
        if (d)
            closedir(d);
    }
    /* An empty corpus is a failure: the target would be checked by nothing. */
    if (n == 0)
        bad++;
    printf("replayed %d inputs\n", n);
    printf("%d passed, %d failed\n", n, bad);
    return bad ? 1 : 0;
}
