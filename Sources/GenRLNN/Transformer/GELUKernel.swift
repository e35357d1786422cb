import GenRLTensor

/// The exact GELU of the transformer MLP as one pass that also keeps its slope:
///
///   GELU(x) = x·Φ(x),   GELU′(x) = Φ(x) + x·φ(x),
///   Φ(x) = ½·erfc(−x/√2),   φ(x) = e^(−x²/2)/√(2π).
///
/// erfc comes from Abramowitz & Stegun 7.1.26 (absolute error ≤ 1.5·10⁻⁷, the formula
/// PyTorch's vectorised CPU `erf` uses): for z ≥ 0, erfc z = P(t)·e^(−z²) with
/// t = 1/(1 + 0.3275911·z). With z = |x|/√2 the factor e^(−z²) = e^(−x²/2) is also φ's,
/// so one exponential per element serves the value and the slope, and Φ(x) for x < 0 is
/// computed directly (no cancellation in the left tail). The backward pass is then a
/// single product g ⊙ GELU′(x).
extension Tensor {
    /// GELU(x) recorded with its slope kept for the derivative (see above).
    static func geluKeepingSlope(_ x: Tensor) -> Tensor {
        let count = x.count
        let out = TensorStorage(uninitializedCount: count)
        let tracked = GradientMode.isRecording && x.isTracked
        let slope = tracked ? TensorStorage(uninitializedCount: count) : nil
        let source = x.storage.pointer
        let vectorCount = (count + 7) / 8
        Parallel.forEachChunk(vectorCount, grain: 2_048) { vectors in
            for v in vectors {
                let start = v * 8, lanes = Swift.min(8, count - start)
                var input = FloatVector()
                if lanes == 8 {
                    input = UnsafeRawPointer(source + start).loadUnaligned(as: FloatVector.self)
                } else {
                    for lane in 0..<lanes { input[lane] = source[start + lane] }
                }
                let (value, derivative) = geluAndSlope(input)
                if lanes == 8 {
                    UnsafeMutableRawPointer(out.pointer + start).storeBytes(of: value, as: FloatVector.self)
                    if let slope { UnsafeMutableRawPointer(slope.pointer + start).storeBytes(of: derivative, as: FloatVector.self) }
                } else {
                    for lane in 0..<lanes {
                        out.pointer[start + lane] = value[lane]
                        slope?.pointer[start + lane] = derivative[lane]
                    }
                }
            }
        }
        let shape = x.shape
        return Tensor.customOperation("gelu", shape: shape, storage: out, inputs: [x]) { g, _ in
            guard let slope else { fatalError("gelu: derivative requested for an unrecorded result") }
            let gradient = TensorStorage(uninitializedCount: count)
            let pg = g.storage.pointer
            Parallel.forEachChunk(count, grain: 16_384) { range in
                for i in range { gradient.pointer[i] = pg[i] * slope.pointer[i] }
            }
            return [Tensor(shape: shape, storage: gradient)]
        }
    }
}

/// x·Φ(x) and Φ(x) + x·φ(x) for eight lanes.
@inline(__always)
private func geluAndSlope(_ x: FloatVector) -> (FloatVector, FloatVector) {
    let halfSquare = x * x * -0.5                           // −x²/2 = −z²
    let gaussian = negativeExp(halfSquare)                  // e^(−x²/2)
    let z = VectorMath.abs(x) * 0.707_106_781_186_547_5
    let t = 1 / (1 + 0.327_591_1 * z)
    var p = FloatVector(repeating: 1.061_405_429)
    p = p * t - 1.453_152_027
    p = p * t + 1.421_413_741
    p = p * t - 0.284_496_736
    p = p * t + 0.254_829_592
    let tail = 0.5 * p * t * gaussian                       // ½·erfc(|x|/√2) = Φ(−|x|)
    let cdf = tail.replacing(with: 1 - tail, where: x .> 0)
    let slope = cdf + x * gaussian * 0.398_942_280_401_432_7
    return (x * cdf, slope)
}

/// eˣ for x ≤ 0 (0 below −87): x = n·ln 2 + r, |r| ≤ ln 2/2, a degree-6 polynomial for eʳ
/// (Cephes' coefficients) and 2ⁿ built in the exponent bits.
@inline(__always)
private func negativeExp(_ x: FloatVector) -> FloatVector {
    let v = x.replacing(with: -87, where: x .< -87)
    let magic = FloatVector(repeating: 12_582_912)  // 1.5·2²³: rounds v·log₂e to an integer
    let shifted = v * 1.442_695_04 + magic
    let n = shifted - magic
    let r = v - n * 0.693_359_375 - n * -2.121_944_4e-4
    var p = FloatVector(repeating: 1.987_569_15e-4)
    p = p * r + 1.398_199_95e-3
    p = p * r + 8.333_451_9e-3
    p = p * r + 4.166_579_59e-2
    p = p * r + 1.666_666_55e-1
    p = p * r + 5.000_000_12e-1
    let y = p * (r * r) + r + 1
    let exponent = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
    let scale = unsafeBitCast((exponent &+ 127) &<< 23, to: FloatVector.self)
    return (y * scale).replacing(with: 0, where: x .< -87)
}
