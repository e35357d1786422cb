// swift-tools-version: 6.0
import PackageDescription

// MARK: - Build settings

/// Numeric kernels are written with Swift SIMD types; on x86-64 they are compiled for
/// AVX2 + FMA (every x86 CPU since 2013). Set GENRL_TARGET_CPU to another LLVM CPU name
/// (`x86-64` for a baseline build, `znver4`, ...) to change it. `-fno-math-errno` lets
/// `squareRoot()` compile to the vector instruction instead of a C library call.
var kernelSettings: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-fno-math-errno"])]
#if arch(x86_64)
let targetCPU = Context.environment["GENRL_TARGET_CPU"] ?? "haswell"
kernelSettings.append(.unsafeFlags(["-target-cpu", targetCPU]))
#endif

/// The AVX-512 kernels (GenRLAVX512) are compiled for Skylake-X's instruction sets
/// whatever GENRL_TARGET_CPU says; GenRLTensor calls them only on processors that have
/// them (`WideKernels`).
var wideKernelSettings: [SwiftSetting] = []
#if arch(x86_64)
wideKernelSettings.append(.unsafeFlags(["-target-cpu", "skylake-avx512"]))
#endif

// MARK: - Package

let package = Package(
    name: "GenRL",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "GenRLCharts", targets: ["GenRLCharts"]),
        .library(name: "GenRLTensor", targets: ["GenRLTensor"]),
        .library(name: "GenRLNN", targets: ["GenRLNN"]),
        .library(name: "GenRLModels", targets: ["GenRLModels"]),
        .library(name: "GenRLRewards", targets: ["GenRLRewards"]),
        .library(name: "GenRLRL", targets: ["GenRLRL"]),
        .library(name: "GenRLFeedback", targets: ["GenRLFeedback"]),
        .library(name: "GenRLRuns", targets: ["GenRLRuns"]),
        .executable(name: "genrl", targets: ["genrl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", exact: "0.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", exact: "7.10.0"),
    ],
    targets: [
        // MARK: Libraries, in dependency order
        // SVG line charts for reports, docs and experiments (Foundation only).
        .target(name: "GenRLCharts"),
        // A prefetch hint, the one thing the kernels need that Swift does not have (C, no libraries).
        .target(name: "GenRLCPrefetch"),
        // AVX-512 kernels, called by GenRLTensor after a CPU check.
        .target(name: "GenRLAVX512", dependencies: ["GenRLCPrefetch"], swiftSettings: wideKernelSettings),
        .target(name: "GenRLTensor", dependencies: ["GenRLAVX512"], swiftSettings: kernelSettings),
        .target(name: "GenRLNN", dependencies: ["GenRLTensor"], swiftSettings: kernelSettings),
        .target(name: "GenRLModels", dependencies: ["GenRLNN"], swiftSettings: kernelSettings),
        .target(name: "GenRLRewards", dependencies: ["GenRLModels"], swiftSettings: kernelSettings),
        .target(name: "GenRLRL", dependencies: ["GenRLRewards"], swiftSettings: kernelSettings),
        .target(name: "GenRLFeedback", dependencies: ["GenRLRL", "GenRLCharts", .product(name: "GRDB", package: "GRDB.swift")],
                swiftSettings: kernelSettings),
        .target(name: "GenRLRuns", dependencies: ["GenRLRL", "GenRLCharts", .product(name: "TOMLKit", package: "TOMLKit")],
                swiftSettings: kernelSettings),
        .target(name: "GenRLBenchmarks", dependencies: ["GenRLRL"], swiftSettings: kernelSettings),

        // MARK: The command
        // One executable for everything: `genrl <command>`, with the preference experiments
        // under `genrl preferences` and SeqGAN/ORGAN under `genrl seqgan`.
        .executableTarget(name: "genrl", dependencies: [
            "GenRLRuns", "GenRLFeedback", "GenRLBenchmarks", "GenRLCharts", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "TOMLKit", package: "TOMLKit"),
        ], swiftSettings: kernelSettings),

        // MARK: Tests
        .target(name: "GenRLTestSupport", dependencies: ["GenRLTensor"], path: "Tests/GenRLTestSupport"),
        .testTarget(name: "GenRLChartsTests", dependencies: ["GenRLCharts"]),
        .testTarget(name: "GenRLTensorTests", dependencies: ["GenRLTensor", "GenRLAVX512", "GenRLTestSupport"]),
        .testTarget(name: "GenRLNNTests", dependencies: ["GenRLNN", "GenRLTestSupport"]),
        .testTarget(name: "GenRLModelsTests", dependencies: ["GenRLModels"]),
        .testTarget(name: "GenRLRewardsTests", dependencies: ["GenRLRewards"]),
        .testTarget(name: "GenRLRLTests", dependencies: ["GenRLRL", "GenRLTestSupport"]),
        .testTarget(name: "GenRLFeedbackTests", dependencies: ["GenRLFeedback"]),
        .testTarget(name: "GenRLRunsTests", dependencies: ["GenRLRuns", "RunsTestHelper", "GenRLTestSupport"]),
        .testTarget(name: "GenRLCommandTests", dependencies: ["genrl", "GenRLModels", "GenRLFeedback", "GenRLTestSupport"]),
        // A child process for the tests that kill a checkpoint write with SIGKILL, and the
        // synthetic run behind scripts/report-screenshot.sh.
        .executableTarget(name: "RunsTestHelper", dependencies: ["GenRLRuns"], path: "Tests/RunsTestHelper"),
    ]
)
