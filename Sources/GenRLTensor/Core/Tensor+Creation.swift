/// Creating tensors: constants, ranges and random draws (always from an explicit
/// `RandomGenerator`, so that runs are reproducible).
extension Tensor {
    /// All zeros.
    public static func zeros(_ shape: [Int]) -> Tensor {
        Tensor(shape: shape, storage: TensorStorage(repeating: 0, count: elementCount(shape)))
    }

    /// All ones.
    public static func ones(_ shape: [Int]) -> Tensor {
        full(shape, value: 1)
    }

    /// Every element equal to `value`.
    public static func full(_ shape: [Int], value: Float) -> Tensor {
        Tensor(shape: shape, storage: TensorStorage(repeating: value, count: elementCount(shape)))
    }

    /// Zeros of the same shape as `other`.
    public static func zeros(like other: Tensor) -> Tensor { zeros(other.shape) }

    /// start, start + step, … while below `end` (above, for a negative step).
    public static func arange(_ start: Float = 0, _ end: Float, step: Float = 1) -> Tensor {
        precondition(step != 0, "arange: step must not be zero")
        let n = Swift.max(0, Int(((end - start) / step).rounded(.up)))
        return Tensor((0..<n).map { start + Float($0) * step })
    }

    /// Draws from N(mean, standardDeviation²).
    public static func randomNormal(_ shape: [Int], mean: Float = 0, standardDeviation: Float = 1,
                                    using generator: inout RandomGenerator) -> Tensor {
        let storage = TensorStorage(uninitializedCount: elementCount(shape))
        for i in 0..<storage.count {
            storage.pointer[i] = mean + standardDeviation * Float(generator.nextNormal())
        }
        return Tensor(shape: shape, storage: storage)
    }

    /// Draws from the uniform distribution on [lowerBound, upperBound).
    public static func randomUniform(_ shape: [Int], lowerBound: Float = 0, upperBound: Float = 1,
                                     using generator: inout RandomGenerator) -> Tensor {
        let storage = TensorStorage(uninitializedCount: elementCount(shape))
        let width = upperBound - lowerBound
        for i in 0..<storage.count {
            storage.pointer[i] = lowerBound + width * generator.nextFloat()
        }
        return Tensor(shape: shape, storage: storage)
    }

    /// A copy with its own storage (same shape and values, untracked).
    public func copy() -> Tensor {
        Tensor(shape: shape, storage: TensorStorage(storage.buffer))
    }
}

extension IntTensor {
    /// 0, 1, …, n − 1.
    public static func arange(_ n: Int) -> IntTensor {
        IntTensor((0..<n).map { Int32($0) }, shape: [n])
    }

    /// Uniform integers in `0..<upperBound`.
    public static func randomIntegers(_ shape: [Int], below upperBound: Int, using generator: inout RandomGenerator) -> IntTensor {
        IntTensor((0..<elementCount(shape)).map { _ in Int32(generator.nextInt(below: upperBound)) }, shape: shape)
    }
}
