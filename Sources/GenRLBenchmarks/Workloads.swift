/// Every workload `genrl bench` knows, in the order of `shared/BENCHMARKS.md`, then
/// GenRL's extra kernels.
public enum Workloads {
    /// The workloads in the order above.
    public static let all: [BenchmarkWorkload] = [
        MatrixProductWorkload.workload,
        LSTMWorkloads.maximumLikelihoodStep,
        LSTMWorkloads.sampling,
        SeqGANRolloutWorkload.workload,
        REINVENTWorkload.workload,
        GPTPPOWorkload.workload,
        CrossEntropyWorkload.workload,
    ]

    /// The workload called `name`.
    public static func named(_ name: String) -> BenchmarkWorkload? { all.first { $0.name == name } }
}
