/* fuzz_image_info.c - libFuzzer target: pb_image_info() over arbitrary
 * bytes (every image the harvester fetches goes through it). */
#include <stddef.h>
#include <stdint.h>

#include "media/image_info.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pb_image_info i;
    if (pb_image_info(data, size, &i) == PB_OK &&
        (!i.width || !i.height || !pb_image_mime(i.type)))
        __builtin_trap(); /* PB_OK promises a known type and real sides */
    return 0;
}
