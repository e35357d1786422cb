// A cache prefetch hint for GenRL's kernels: Swift has no prefetch instruction of its own.
#ifndef GENRL_C_PREFETCH_H
#define GENRL_C_PREFETCH_H

/// Asks the processor to bring the cache line holding `address` into every cache level
/// for reading (x86-64: prefetcht0). A hint only: it never faults and changes no value.
static inline void genrl_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

#endif
