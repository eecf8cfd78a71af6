/* C code compiled by cc-rs that calls getentropy (glibc 2.25). */
#include <stddef.h>
#include <unistd.h>

int entropy_fill(unsigned char *buf, size_t len) {
    return getentropy(buf, len);
}
