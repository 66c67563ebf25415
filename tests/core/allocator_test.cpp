#include "narformer/core/allocator.h"

#include <gtest/gtest.h>

#include <cstdlib>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace narformer {
namespace {

TEST(Allocator, KeepFreedMemoryServesTensorSizedBlocksFromTheHeap) {
#if defined(__GLIBC__)
  // Without it, a fresh process maps a 4 MiB block with mmap (a zero-filled mapping on every
  // use); whether this process still does depends on what ran before, so only "after" is
  // checked. Pointers are volatile and written to, so the compiler cannot elide them.
  ASSERT_TRUE(keep_freed_memory());
  const size_t mapped_blocks = mallinfo2().hblks;
  char* volatile block = static_cast<char*>(std::malloc(4 << 20));
  block[0] = 1;
  EXPECT_EQ(mallinfo2().hblks, mapped_blocks);  // from the heap now
  std::free(block);
  char* volatile again = static_cast<char*>(std::malloc(4 << 20));
  again[0] = 1;
  EXPECT_EQ(again, block);  // the freed memory is reused
  std::free(again);
  // Above the largest mmap threshold (32 MiB): a batch of ViT-sized graphs' activations.
  char* volatile large = static_cast<char*>(std::malloc(64 << 20));
  large[0] = 1;
  EXPECT_EQ(mallinfo2().hblks, mapped_blocks);
  std::free(large);
#else
  GTEST_SKIP() << "not glibc";
#endif
}

}  // namespace
}  // namespace narformer
