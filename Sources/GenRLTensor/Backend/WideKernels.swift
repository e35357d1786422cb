import Foundation

/// Whether GenRL's AVX-512 kernels (the GenRLAVX512 module, compiled for Skylake-X) run
/// in this process. They are used only where they are measurably faster than the
/// eight-lane kernels and BLAS every x86-64 build has: today, in
/// `Tensor.linearCrossEntropy` (the fused output layer, its loss and gradients), in
/// `Tensor.gelu`, and in `MatrixMultiply.gemm` for products of 17–64 rows with a
/// transposed B (`fewRowProduct`, one step of batched decoding).
///
/// The environment variable `GENRL_AVX512` decides, once per process:
/// - unset, empty or `auto`: on when the processor reports AVX-512 F, CD, BW, DQ and VL
///   (Linux lists in `/proc/cpuinfo` only what the kernel has enabled);
/// - `off`: off (the eight-lane path, as on a processor without AVX-512);
/// - anything else: the same as `auto`, since running these kernels on a processor
///   without AVX-512 would stop the process with an illegal instruction.
public enum WideKernels {
    /// The instruction sets the module is compiled for (`-target-cpu skylake-avx512`).
    public static let requiredFlags: Set<String> = ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]

    /// Whether the kernels run (see the type's documentation).
    public static let isEnabled = resolve(setting: ProcessInfo.processInfo.environment["GENRL_AVX512"],
                                          flags: OpenBLASCore.processorFlags())

    /// `isEnabled` for a `GENRL_AVX512` value (nil when unset) and the processor's flags.
    public static func resolve(setting: String?, flags: Set<String>) -> Bool {
        #if arch(x86_64)
        if setting?.trimmingCharacters(in: .whitespaces).lowercased() == "off" { return false }
        return requiredFlags.isSubset(of: flags)
        #else
        return false
        #endif
    }

    /// `on` or `off`, for logs and benchmark headers.
    public static var description: String { isEnabled ? "on" : "off" }
}
