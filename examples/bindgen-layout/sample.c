#include <stddef.h>
#include "wrapper.h"
unsigned long sample_size(void) { return sizeof(struct sample); }
unsigned long sample_offset_of_p(void) { return offsetof(struct sample, p); }
unsigned long sample_offset_of_tail(void) { return offsetof(struct sample, tail); }
