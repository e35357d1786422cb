#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A CBLAS library opened at run time with `dlopen`, so that GenRL builds and runs on a
/// machine that has only the Swift toolchain and uses BLAS wherever one is installed.
///
/// Only `cblas_sgemm` is required. The library is opened with `OPENBLAS_CORETYPE` set to
/// the core the processor's instruction sets call for, unless the user has set it
/// (`OpenBLASCore`: an OpenBLAS older than the processor would otherwise fall back to
/// generic kernels). When the library is OpenBLAS, it is told to use one
/// thread and `MatrixMultiply` splits large products across GenRL's own threads instead:
/// OpenBLAS's idle workers spin (sched_yield) for a long while after each call, taking a
/// core from GenRL's parallel kernels in between — a third of the CPU time of a training
/// run on two cores went to that spinning. Its build configuration is recorded in
/// `configuration`. Libraries stay loaded for the life of the process.
public final class BLASLibrary: @unchecked Sendable {
    // @unchecked: every stored property is immutable after `init`, and the C functions
    // they point to may be called from any thread.

    /// `cblas_sgemm(order, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc)`
    /// with 32-bit integers (the LP64 interface of OpenBLAS, Accelerate and netlib CBLAS).
    typealias SGEMMFunction = @convention(c) (
        Int32, Int32, Int32, Int32, Int32, Int32, Float,
        UnsafePointer<Float>?, Int32, UnsafePointer<Float>?, Int32,
        Float, UnsafeMutablePointer<Float>?, Int32
    ) -> Void

    /// The names tried, in order, when no library is named: OpenBLAS first, then any
    /// CBLAS the system provides (on Debian/Ubuntu `libblas.so.3` is whichever BLAS the
    /// `alternatives` system selects); Accelerate on Apple platforms.
    public static let searchOrder: [String] = {
        #if canImport(Darwin)
        return ["/System/Library/Frameworks/Accelerate.framework/Accelerate"]
        #else
        return ["libopenblas.so.0", "libopenblas.so", "libcblas.so.3", "libblas.so.3"]
        #endif
    }()

    /// The first library of `searchOrder` that opens and exports `cblas_sgemm`, or nil
    /// when there is none. Found once per process, whatever `GENRL_BLAS` says.
    public static let installed: BLASLibrary? = {
        for name in searchOrder {
            if let library = try? BLASLibrary(name: name) { return library }
        }
        return nil
    }()

    /// The soname or path the library was opened by.
    public let name: String
    /// OpenBLAS's `openblas_get_config()` (version, target core, thread limit), or nil
    /// for libraries without it.
    public let configuration: String?
    /// The `OPENBLAS_CORETYPE` GenRL set while loading the library (`SkylakeX`, `Haswell`),
    /// or nil when it set none (the user had set one, or the processor suggested none).
    public let requestedCore: String?
    /// The number of threads the library was told to use (1), or nil when it has no
    /// `openblas_set_num_threads`.
    public let threadCount: Int?
    /// Whether `MatrixMultiply` should split products across GenRL's threads: true when
    /// the library was made single-threaded, false for libraries that thread themselves.
    public var splitsAcrossThreads: Bool { threadCount == 1 }

    private let sgemm: SGEMMFunction

    /// Opens `name` (a soname searched like the dynamic linker does, or a path) and looks
    /// up its functions.
    ///
    /// - Throws: `BLASLibraryError.cannotOpen` with the loader's message when the file is
    ///   missing or not a loadable library, `.missingFunction` when it has no
    ///   `cblas_sgemm` (a Fortran-only BLAS, for example).
    public init(name: String) throws(BLASLibraryError) {
        let core = OpenBLASCore.requestedCore(userSetting: OpenBLASCore.userSetting, flags: OpenBLASCore.processorFlags())
        let opened = OpenBLASCore.whileRequesting(core) { dlopen(name, RTLD_NOW | RTLD_LOCAL) }
        guard let handle = opened else {
            throw .cannotOpen(library: name, reason: Self.lastLoaderError())
        }
        guard let sgemm = dlsym(handle, "cblas_sgemm") else {
            dlclose(handle)
            throw .missingFunction(library: name, function: "cblas_sgemm")
        }
        self.name = name
        requestedCore = core
        self.sgemm = unsafeBitCast(sgemm, to: SGEMMFunction.self)
        if let getConfig = dlsym(handle, "openblas_get_config") {
            typealias GetConfig = @convention(c) () -> UnsafePointer<CChar>?
            configuration = unsafeBitCast(getConfig, to: GetConfig.self)().map { String(cString: $0) }
        } else {
            configuration = nil
        }
        if let setThreads = dlsym(handle, "openblas_set_num_threads") {
            typealias SetThreads = @convention(c) (Int32) -> Void
            unsafeBitCast(setThreads, to: SetThreads.self)(1)
            threadCount = 1
        } else {
            threadCount = nil
        }
    }

    /// The name and, for OpenBLAS, the configuration and the core GenRL asked for:
    /// `libopenblas.so.0 (OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY SkylakeX …; OPENBLAS_CORETYPE=SkylakeX)`.
    public var summary: String {
        guard let configuration else { return name }
        let core = requestedCore.map { "; \(OpenBLASCore.environmentVariable)=\($0)" } ?? ""
        return "\(name) (\(configuration)\(core))"
    }

    /// Whether every size and leading dimension fits the library's 32-bit integers.
    static func fitsInt32(_ values: Int...) -> Bool {
        values.allSatisfy { $0 <= Int(Int32.max) }
    }

    /// `gemm` with the arguments of `product`, which must have no bias
    /// (`MatrixProduct.biasWrittenIntoC()` puts it into C first).
    func gemm(_ product: MatrixProduct) {
        MatrixMultiply.require(product.bias == nil, "gemm: BLAS has no bias; write it into C first")
        gemm(transposeA: product.transposeA, transposeB: product.transposeB, m: product.m, n: product.n, k: product.k,
             alpha: product.alpha, a: product.a, lda: product.lda, b: product.b, ldb: product.ldb,
             beta: product.beta, c: product.c, ldc: product.ldc)
    }

    /// Row-major `C[m×n] = alpha · op(A) · op(B) + beta · C` through `cblas_sgemm`, with
    /// the same parameters and conventions as `MatrixMultiply.gemm`. Sizes and leading
    /// dimensions must fit in `Int32` (see `MatrixMultiply.gemm`, which checks).
    public func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        MatrixMultiply.checkArguments(
            transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc)
        MatrixMultiply.require(Self.fitsInt32(m, n, k, lda, ldb, ldc), "gemm: BLAS sizes must fit in 32-bit integers")
        guard m > 0, n > 0 else { return }
        let rowMajor: Int32 = 101, noTranspose: Int32 = 111, transpose: Int32 = 112
        // BLAS rejects leading dimensions below 1 even for empty operands (k == 0).
        sgemm(
            rowMajor, transposeA ? transpose : noTranspose, transposeB ? transpose : noTranspose,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(max(1, lda)), b, Int32(max(1, ldb)),
            beta, c, Int32(max(1, ldc)))
    }

    private static func lastLoaderError() -> String {
        dlerror().map { String(cString: $0) } ?? "unknown error"
    }
}

/// Why a BLAS library could not be used.
public enum BLASLibraryError: Error, CustomStringConvertible, Equatable {
    /// `dlopen` failed; `reason` is the loader's message.
    case cannotOpen(library: String, reason: String)
    /// The library opened but does not export `function`.
    case missingFunction(library: String, function: String)

    /// A sentence naming the library and what went wrong.
    public var description: String {
        switch self {
        case let .cannotOpen(library, reason):
            return "cannot load BLAS library '\(library)': \(reason)"
        case let .missingFunction(library, function):
            return "BLAS library '\(library)' has no function \(function) (a CBLAS interface is required)"
        }
    }
}
