/* test_conf.c - `key = value` configuration files (core/conf.h): the
 * format, bad keys and values with their line numbers, and precedence of
 * command-line flags over the file. */
#include "harness.h"

#include <unistd.h>

#include "core/conf.h"

static int chk_even(const char *v, char *why, size_t cap)
{
    if (strlen(v) % 2) {
        snprintf(why, cap, "give an even length");
        return -1;
    }
    return 0;
}

static const struct pb_conf_key keys[] = {
    {"port", PB_CONF_INT, 1, 65535, NULL, NULL, "N"},
    {"name", PB_CONF_STR, 0, 0, NULL, NULL, "S"},
    {"gravity", PB_CONF_NUM, 0.5, 10, NULL, NULL, "G"},
    {"behind-tls", PB_CONF_BOOL, 0, 0, NULL, NULL, ""},
    {"fetch", PB_CONF_BOOL, 0, 0, "--no-fetch", NULL, ""},
    {"even", PB_CONF_STR, 0, 0, NULL, chk_even, "E"},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};

static int parse(const char *text, struct pb_conf *c, struct pb_err *e)
{
    pb_err_clear(e);
    return pb_conf_parse("f.conf", text, strlen(text), keys, c, e);
}

static void t_format(void)
{
    struct pb_conf c;
    struct pb_err e;
    CHECK_EQ(parse("# comment\n\n  port=8081  \r\n\tname =  \"  a # b \" \n"
                   "gravity = 2.5\n   # indented comment\nbehind-tls = yes",
                   &c, &e), PB_OK);
    CHECK_EQ(c.n, 4);
    CHECK_STR(pb_conf_get(&c, "port"), "8081");
    CHECK_STR(pb_conf_get(&c, "name"), "  a # b ");
    CHECK_STR(pb_conf_get(&c, "gravity"), "2.5");
    CHECK_STR(pb_conf_get(&c, "behind-tls"), "yes");
    CHECK(pb_conf_get(&c, "fetch") == NULL);
    CHECK_EQ(c.items[1].line, 4);
    pb_conf_clear(&c);
    CHECK_EQ(parse("", &c, &e), PB_OK);
    CHECK_EQ(c.n, 0);
    pb_conf_clear(&c);
}

static void t_bad_key(void)
{
    struct pb_conf c;
    struct pb_err e;
    CHECK_EQ(parse("port = 1\n# x\nprot = 2\n", &c, &e), PB_EPARSE);
    CHECK_STR(e.msg, "f.conf:3: unknown key 'prot'");
    CHECK_EQ(c.n, 0);
    CHECK_EQ(parse("--port = 1\n", &c, &e), PB_EPARSE);
    CHECK_STR(e.msg, "f.conf:1: unknown key '--port'");
    CHECK_EQ(parse("port 1\n", &c, &e), PB_EPARSE);
    CHECK_STR(e.msg, "f.conf:1: expected key = value");
    CHECK_EQ(parse("name = a\nname = b\n", &c, &e), PB_EPARSE);
    CHECK_STR(e.msg, "f.conf:2: name: set already on line 1");
    CHECK_EQ(parse("port = 1\n\xff = 2\n", &c, &e), PB_EPARSE);
    CHECK_STR(e.msg, "f.conf:2: not valid UTF-8");
    CHECK_EQ(pb_conf_parse("f.conf", "port = 1\0", 9, keys, &c, &e),
             PB_EPARSE);
}

static void t_bad_value(void)
{
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"port = 0\n", "f.conf:1: port: '0' is not a whole number in 1..65535"},
        {"\nport = 65536\n", "f.conf:2: port: '65536' is not a whole number in 1..65535"},
        {"port = 80x\n", "f.conf:1: port: '80x' is not a whole number in 1..65535"},
        {"port =\n", "f.conf:1: port: give a value"},
        {"gravity = 0.1\n", "f.conf:1: gravity: '0.1' is not a number in 0.5..10"},
        {"gravity = nan\n", "f.conf:1: gravity: 'nan' is not a number in 0.5..10"},
        {"behind-tls = maybe\n", "f.conf:1: behind-tls: 'maybe' is not yes or no (true/false, on/off, 1/0)"},
        {"even = abc\n", "f.conf:1: even: give an even length"},
        {"name = \"\"\n", "f.conf:1: name: give a value"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct pb_conf c;
        struct pb_err e;
        CHECK_EQ(parse(cases[i].text, &c, &e), PB_EPARSE);
        CHECK_STR(e.msg, cases[i].msg);
        CHECK_EQ(c.n, 0);
    }
}

static void t_caps(void)
{
    struct pb_conf c;
    struct pb_err e;
    char *big = malloc(PB_CONF_MAX_LINE + 20);
    memcpy(big, "name = ", 7);
    memset(big + 7, 'a', PB_CONF_MAX_LINE);
    big[PB_CONF_MAX_LINE + 7] = '\0';
    CHECK_EQ(parse(big, &c, &e), PB_ETOOBIG);
    CHECK_STR(e.msg, "f.conf:1: longer than 4096 bytes");
    free(big);
}

/* the file's settings come first, so a flag given after wins */
static void t_precedence(void)
{
    struct pb_conf c;
    struct pb_err e;
    CHECK_EQ(parse("port = 8081\nbehind-tls = on\nfetch = no\nname = x y\n",
                   &c, &e), PB_OK);
    char *argv[] = {"serve", "--port", "9000", NULL};
    int n = 0;
    char **v = NULL;
    pb_conf_argv(&c, 3, argv, &n, &v);
    const char *want[] = {"serve", "--port", "8081", "--behind-tls",
                          "--no-fetch", "--name", "x y", "--port", "9000"};
    CHECK_EQ(n, 9);
    for (int i = 0; i < n && i < 9; i++)
        CHECK_STR(v[i], want[i]);
    CHECK(v[n] == NULL);
    /* the last --port is the one a left-to-right parser keeps */
    const char *port = NULL;
    for (int i = 1; i + 1 < n; i++)
        if (!strcmp(v[i], "--port"))
            port = v[i + 1];
    CHECK_STR(port, "9000");
    free(v);
    pb_conf_clear(&c);
    /* a false boolean without an off flag gives nothing */
    CHECK_EQ(parse("behind-tls = false\n", &c, &e), PB_OK);
    pb_conf_argv(&c, 1, argv, &n, &v);
    CHECK_EQ(n, 1);
    free(v);
    pb_conf_clear(&c);
}

static void t_load(void)
{
    struct pb_conf c;
    struct pb_err e;
    char path[] = "/tmp/pb-conf-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("port = 8082\nname = two words\n", f);
    fclose(f);
    CHECK_EQ(pb_conf_load(path, keys, &c, &e), PB_OK);
    CHECK_STR(pb_conf_get(&c, "name"), "two words");
    pb_conf_clear(&c);
    unlink(path);
    CHECK_EQ(pb_conf_load(path, keys, &c, &e), PB_EIO);
    CHECK(strstr(e.msg, path) != NULL);
}

int main(void)
{
    static const struct pb_test T[] = {
        {"format", t_format},         {"bad_key", t_bad_key},
        {"bad_value", t_bad_value},   {"caps", t_caps},
        {"precedence", t_precedence}, {"load", t_load},
        {0},
    };
    return pb_test_run(T);
}
