#include "hourglass/core/tensor_util.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace hg {
namespace {

#if defined(__GLIBC__)
void* volatile g_escape;  // keeps the compiler from eliding malloc and free

// 48 MiB is above glibc's largest automatic mmap threshold (32 MiB): without
// keep_freed_memory() such a block is always a fresh mmap.
TEST(KeepFreedMemoryTest, LargeBlocksComeFromTheHeapAndStay) {
  keep_freed_memory();
  constexpr size_t kBytes = 48u << 20;
  const size_t mapped_before = mallinfo2().hblkhd;
  void* block = std::malloc(kBytes);
  ASSERT_NE(block, nullptr);
  std::memset(block, 1, kBytes);
  g_escape = block;
  EXPECT_EQ(mallinfo2().hblkhd, mapped_before) << "the block was mmapped";
  std::free(block);
  // Freed, it stays with the process for the next allocation.
  EXPECT_GE(mallinfo2().fordblks, kBytes);
}
#endif

TEST(BlasDescriptionTest, NamesALibrary) {
  const std::string blas = blas_description();
  EXPECT_FALSE(blas.empty());
  EXPECT_TRUE(blas.rfind("OpenBLAS", 0) == 0 || blas == "MKL" || blas == "reference BLAS")
      << blas;
}

}  // namespace
}  // namespace hg
