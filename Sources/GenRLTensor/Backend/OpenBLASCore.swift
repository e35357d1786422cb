#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Which kernels an OpenBLAS built with `DYNAMIC_ARCH` (Debian's `libopenblas0-pthread`,
/// among others) should use, chosen from the instruction sets the processor reports.
///
/// Such an OpenBLAS picks its kernels once, when it is loaded, from the processor's
/// family and model numbers. A release older than the processor does not know its model
/// and falls back to a generic core: OpenBLAS 0.3.21 (Debian 12) takes an Emerald Rapids
/// Xeon (family 6, model 207) for a Prescott and multiplies with SSE3, 33 ms for
/// `gemm-1024` against 7 ms with its Skylake-X kernels on the same machine. OpenBLAS reads
/// `OPENBLAS_CORETYPE` at load time to override the guess, so `BLASLibrary` sets it while it
/// opens a library, to the core that `preferredCore(flags:)` derives from the processor's
/// feature flags, and unsets it again afterwards (child processes inherit nothing):
///
/// - AVX-512 F, CD, BW, DQ and VL (every AVX-512 processor since Skylake-X, and AMD's
///   Zen 4 and Zen 5): `SkylakeX`, the AVX-512 kernels;
/// - otherwise AVX2 with FMA (GenRL's own kernels require them on x86-64): `Haswell`,
///   the AVX2 kernels, which OpenBLAS also uses for its Zen targets;
/// - otherwise nothing is set.
///
/// A value the user has set (even to pin an older core on purpose) is left alone, and
/// libraries that are not OpenBLAS ignore the variable. On platforms without
/// `/proc/cpuinfo` (macOS, where the library is Accelerate) nothing is set.
public enum OpenBLASCore {
    /// The environment variable OpenBLAS reads when it is loaded.
    public static let environmentVariable = "OPENBLAS_CORETYPE"

    /// The OpenBLAS core for a processor with these `/proc/cpuinfo` flags (see the type's
    /// documentation), or nil when OpenBLAS's own choice should stand.
    public static func preferredCore(flags: Set<String>) -> String? {
        if WideKernels.requiredFlags.isSubset(of: flags) { return "SkylakeX" }
        if flags.contains("avx2") && flags.contains("fma") { return "Haswell" }
        return nil
    }

    /// The feature flags of the first processor in `/proc/cpuinfo` (its `flags` line),
    /// or an empty set where there is no such file.
    public static func processorFlags(cpuinfo path: String = "/proc/cpuinfo") -> Set<String> {
        guard let file = fopen(path, "r") else { return [] }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0, let line {
            let text = String(cString: line)
            guard text.hasPrefix("flags"), let colon = text.firstIndex(of: ":") else { continue }
            return Set(text[text.index(after: colon)...].split(whereSeparator: \.isWhitespace).map(String.init))
        }
        return []
    }

    /// The core `BLASLibrary` asks for when it loads a library: nil when the user has set
    /// `OPENBLAS_CORETYPE` (`userSetting`, its value or nil when unset) or the processor's
    /// flags suggest nothing.
    public static func requestedCore(userSetting: String?, flags: Set<String>) -> String? {
        if let userSetting, !userSetting.isEmpty { return nil }
        return preferredCore(flags: flags)
    }

    /// `OPENBLAS_CORETYPE` in this process's environment, or nil when unset.
    static var userSetting: String? {
        getenv(environmentVariable).map { String(cString: $0) }
    }

    /// Runs `body` (which loads a library) with `OPENBLAS_CORETYPE` set to `core`, then
    /// unsets it; with a nil `core`, just runs `body`.
    static func whileRequesting<T, E: Error>(_ core: String?, _ body: () throws(E) -> T) throws(E) -> T {
        guard let core else { return try body() }
        setenv(environmentVariable, core, 1)
        defer { unsetenv(environmentVariable) }
        return try body()
    }
}
