/* fuzz_vector_files.c - the loaders of the files beside the store that
 * hold vectors: word vectors (.wv), paper vectors (.vec) and the graph
 * (.hnsw). Any bytes must be refused or loaded, never read past; what loads
 * must search without a crash. The first byte picks the loader. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vector/hnsw.h"
#include "vector/vecset.h"
#include "vector/wordvec.h"

static struct pb_vecset *small(void)
{
    struct pb_vecset *vs = pb_vecset_new(4);
    float v[4] = {1, 0, 0, 0};
    for (int i = 0; i < 8; i++) {
        v[i % 4] += 0.5f;
        pb_vecset_add(vs, i, v);
    }
    return vs;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!size)
        return 0;
    struct pb_err err;
    /* copy: the loaders may keep pointers into the image */
    uint8_t *img = malloc(size);
    if (!img)
        abort();
    memcpy(img, data + 1, size - 1);
    size_t len = size - 1;
    if (data[0] % 3 == 0) {
        struct pb_wordvec *wv = NULL;
        if (pb_wordvec_load_mem(img, len, &wv, &err) == PB_OK) {
            float v[PB_WV_MAX_DIM];
            for (uint32_t i = 0; i < pb_wordvec_count(wv); i++) {
                const char *w = pb_wordvec_word(wv, i);
                if (pb_wordvec_find(wv, w, strlen(w)) != i)
                    abort();
                pb_wordvec_get(wv, i, v);
            }
            pb_wordvec_free(wv);
        }
    } else if (data[0] % 3 == 1) {
        struct pb_vecset *vs = NULL;
        if (pb_vecset_from_mem(img, len, &vs, &err) == PB_OK) {
            int8_t q[1024] = {1, 2, 3};
            struct pb_vhit h[4];
            size_t n;
            pb_vecset_exact(vs, q, 1.0f, 4, h, &n);
            float v[4] = {0, 1, 0, 0};
            if (pb_vecset_dim(vs) == 4)
                pb_vecset_add(vs, 77, v); /* copies the image first */
            pb_vecset_free(vs);
        }
    } else {
        struct pb_vecset *vs = small();
        struct pb_hnsw *g = NULL;
        if (pb_hnsw_from_mem(img, len, vs, &g, &err) == PB_OK) {
            struct pb_hnsw_scratch *sc = pb_hnsw_scratch_new();
            int8_t q[16] = {100, 3, -4, 0};
            struct pb_vhit h[4];
            size_t n;
            pb_hnsw_search(g, sc, q, 0.01f, 4, 8, h, &n);
            pb_hnsw_add_all(g);
            pb_hnsw_search(g, sc, q, 0.01f, 4, 8, h, &n);
            pb_hnsw_scratch_free(sc);
            pb_hnsw_free(g);
        }
        pb_vecset_free(vs);
    }
    free(img);
    return 0;
}
