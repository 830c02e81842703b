/* fuzz_conf.c - configuration files (core/conf.h): any bytes parse or fail
 * with a message naming the line; what parses turns into flags. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/conf.h"
#include "core/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct pb_conf_key keys[] = {
    {"port", PB_CONF_INT, 1, 65535, NULL, NULL, "N"},
    {"db", PB_CONF_STR, 0, 0, NULL, NULL, "PATH"},
    {"gravity", PB_CONF_NUM, 1e-9, 10, NULL, NULL, "G"},
    {"behind-tls", PB_CONF_BOOL, 0, 0, NULL, NULL, ""},
    {"fetch-unknown", PB_CONF_BOOL, 0, 0, "--no-fetch-unknown", NULL, ""},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pb_conf c;
    struct pb_err e;
    pb_err_clear(&e);
    int rc = pb_conf_parse("f", (const char *)data, size, keys, &c, &e);
    assert(rc == PB_OK || rc == PB_EPARSE || rc == PB_ETOOBIG);
    if (rc) {
        assert(c.n == 0 && !strncmp(e.msg, "f:", 2));
        return 0;
    }
    char *argv[] = {"serve", "--x", NULL};
    int n = 0;
    char **v = NULL;
    pb_conf_argv(&c, 2, argv, &n, &v);
    assert(n >= 2 && (size_t)n <= 2 + 2 * c.n && v[n] == NULL);
    assert(!strcmp(v[n - 1], "--x"));
    for (int i = 0; i < n; i++) {
        size_t l = strlen(v[i]);
        assert(pb_utf8_check(v[i], l) == l);
    }
    free(v);
    pb_conf_clear(&c);
    return 0;
}
