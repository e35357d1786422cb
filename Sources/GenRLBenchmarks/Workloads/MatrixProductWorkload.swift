import GenRLTensor

/// `gemm-1024`: one 1024×1024×1024 float32 matrix product (through BLAS, or the portable
/// kernel with GENRL_BLAS=portable).
enum MatrixProductWorkload {
    static let workload = BenchmarkWorkload(name: "gemm-1024", summary: "one 1024×1024×1024 float32 matrix product") {
        var generator = RandomGenerator(seed: 0)
        let a = Tensor.randomNormal([1024, 1024], using: &generator)
        let b = Tensor.randomNormal([1024, 1024], using: &generator)
        return { _ = withNoGrad { Tensor.matmul(a, b) } }
    }
}
