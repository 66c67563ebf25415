#pragma once
// Memory allocator settings for tensor-heavy processes.
//
// glibc hands every allocation above its mmap threshold (128 KiB at first) to the kernel with
// mmap and returns it with munmap when freed, and trims the heap top when it is freed. A
// tensor-sized buffer then comes back from the kernel zero-filled page by page on every use:
// in a one-graph prediction the ReLUs and LayerNorms (of ~0.5 MiB tensors) spend most of their
// time in page faults. keep_freed_memory() makes glibc keep freed memory for reuse instead.
// Blocks above 32 MiB, the most the threshold can be raised to, come from the heap as well:
// a training batch of ViT-sized graphs (16 x ~760 nodes) holds 60-100 MiB activations, and
// faulting those in again on every step halved its speed (bench_model latency-train --nodes
// 600:900: 4.3 graphs/s before, 9.3 with this and the edge-list attention of
// model/attention.h). Peak RSS barely changes (the same peak is reached either way: 2.48 GiB
// there before, 2.83 after); memory freed after a peak stays with the process until it exits.
//
// The narformer command and the benchmarks call it at start. Library users decide for their
// own process: call it once, early, for the same speed (predict of one graph ~30 % faster).

namespace narformer {

/// Raises glibc's mmap threshold to its maximum (32 MiB), serves larger blocks from the heap
/// too, and disables heap trimming below 2 GiB. Returns false where the C library is not
/// glibc.
bool keep_freed_memory();

}  // namespace narformer
