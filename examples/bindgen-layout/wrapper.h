/* A struct whose layout differs between targets (long, off_t, pointers, alignment). */
#include <sys/types.h>
#include <stdint.h>
struct sample {
    long a;
    off_t b;
    void *p;
    uint16_t tail;
};
