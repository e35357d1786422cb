#if arch(x86_64) && canImport(_Builtin_intrinsics)
import _Builtin_intrinsics.intel
#endif
import GenRLTensor

/// The element loops of the optimizers' update kernels.
///
/// `forEachRange` splits a parameter's elements into contiguous ranges, over the cores for
/// large tensors. Every element is updated independently and the split depends only on
/// the element count, so an update computes the same bits however it is split.
///
/// Kernels that need a square root (Adam) are written over `FloatVector`s with `load`,
/// `store` and `squareRoot`: on Linux, `Float.squareRoot()` goes through the C library's
/// `sqrtf`, which may set `errno` and so keeps the compiler from vectorising a loop; the
/// SSE square-root instruction is used directly instead (correctly rounded, as `sqrtf`).
enum OptimizerKernel {
    /// Runs `body` over contiguous ranges covering `0..<count`.
    @inline(__always)
    static func forEachRange(_ count: Int, _ body: (Range<Int>) -> Void) {
        Parallel.forEachChunk(count, grain: 32_768, body)
    }

    /// The `lanes` (≤ 8) elements at `pointer + offset`, zero-padded.
    @inline(__always)
    static func load(_ pointer: UnsafeMutablePointer<Float>, _ offset: Int, _ lanes: Int) -> FloatVector {
        if lanes == FloatVector.scalarCount {
            return UnsafeRawPointer(pointer + offset).loadUnaligned(as: FloatVector.self)
        }
        var vector = FloatVector()
        for lane in 0..<lanes { vector[lane] = pointer[offset + lane] }
        return vector
    }

    /// Writes the first `lanes` elements of `vector` to `pointer + offset`.
    @inline(__always)
    static func store(_ vector: FloatVector, _ pointer: UnsafeMutablePointer<Float>, _ offset: Int, _ lanes: Int) {
        if lanes == FloatVector.scalarCount {
            UnsafeMutableRawPointer(pointer + offset).storeBytes(of: vector, as: FloatVector.self)
            return
        }
        for lane in 0..<lanes { pointer[offset + lane] = vector[lane] }
    }

    /// The correctly rounded square root of each lane.
    @inline(__always)
    static func squareRoot(_ x: FloatVector) -> FloatVector {
        #if arch(x86_64) && canImport(_Builtin_intrinsics)
        FloatVector(lowHalf: _mm_sqrt_ps(x.lowHalf), highHalf: _mm_sqrt_ps(x.highHalf))
        #else
        x.squareRoot()
        #endif
    }
}
