// swift-tools-version: 6.0
import PackageDescription

// MARK: - Build settings

/// Numeric kernels are written with Swift SIMD types; on x86-64 they are compiled for
/// AVX2 + FMA (every x86 CPU since 2013). Set GENRL_TARGET_CPU to another LLVM CPU name
/// (`x86-64` for a baseline build, `znver4`, ...) to change it.
var kernelSettings: [SwiftSetting] = []
#if arch(x86_64)
let targetCPU = Context.environment["GENRL_TARGET_CPU"] ?? "haswell"
kernelSettings.append(.unsafeFlags(["-target-cpu", targetCPU]))
#endif

// MARK: - Package

let package = Package(
    name: "GenRL",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "GenRLTensor", targets: ["GenRLTensor"]),
    ],
    targets: [
        // MARK: Libraries, in dependency order
        .target(name: "GenRLTensor", swiftSettings: kernelSettings),

        // MARK: Tests
        .testTarget(name: "GenRLTensorTests", dependencies: ["GenRLTensor"]),
    ]
)
