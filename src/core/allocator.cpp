#include "narformer/core/allocator.h"

#include <climits>
#include <cstdlib>  // defines __GLIBC__ on glibc systems (via <features.h>)

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace narformer {

bool keep_freed_memory() {
#if defined(__GLIBC__)
  // Each setting also switches off glibc's dynamic threshold, which would otherwise move the
  // threshold only after the first free of each size. mallopt takes an int, hence INT_MAX.
  const bool ok =
      mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1 &&  // the largest glibc accepts on 64-bit
      mallopt(M_MMAP_MAX, 0) == 1 &&               // so larger blocks come from the heap too
      mallopt(M_TRIM_THRESHOLD, INT_MAX) == 1 && mallopt(M_TOP_PAD, 64 << 20) == 1;
  return ok;
#else
  return false;
#endif
}

}  // namespace narformer
