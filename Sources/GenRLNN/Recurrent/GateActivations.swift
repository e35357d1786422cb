import GenRLTensor

/// The gate non-linearities of the recurrent cells, on eight lanes at a time.
///
/// A cell step evaluates five sigmoids or tanhs per hidden unit and batch row, so at
/// generation sizes (batch 1024, hidden 32) these functions cost as much as the matrix
/// products of a step. These are leaner than `VectorMath`'s (one 2ⁿ scaling instead of
/// two, as gates never need subnormal results), applied in short passes over a row's
/// gate block (`applySigmoid`, `applyTanh`), which compile to full-width vector code:
/// one exponential and one division per evaluation, no branches. The LSTM
/// sampler of GenRLModels uses the same three functions, so that its draws follow the
/// model's own forward pass.
///
/// Accuracy (checked by `RecurrentTests.gateFunctionsAreAccurate` against double
/// precision): eˣ to about 2 ulp; σ(x) to a few ulp; tanh x to within 2·10⁻⁶ relative,
/// with an odd Taylor polynomial for |x| < 0.1 where 1 − 2/(e²ˣ + 1) cancels.
public enum GateActivations {
    /// eˣ for x in [−87, 88] (clamped outside, so the result stays finite and normal):
    /// x = n·ln 2 + r with |r| ≤ ln 2 / 2, eʳ by its Taylor series to r⁶ (truncation below
    /// 1.2·10⁻⁷ relative), times 2ⁿ built in the exponent bits.
    @inlinable @inline(__always)
    public static func exp(_ x: FloatVector) -> FloatVector {
        var v = x.replacing(with: -87, where: x .< -87)
        v.replace(with: 88, where: v .> 88)
        // n = round(v / ln 2): adding 1.5·2²³ leaves the rounded integer in the low bits.
        let shifter = FloatVector(repeating: 12_582_912)
        let shifted = v * 1.442_695_040_888_963_4 + shifter
        let n = shifted - shifter
        // ln 2 split into a part exact in float and a correction (Cody & Waite).
        let r = (v - n * 0.693_145_751_953_125) - n * 1.428_606_820_286_226_8e-6
        var p = FloatVector(repeating: 1.0 / 720)
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let exponent = (unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
        return p * unsafeBitCast(exponent, to: FloatVector.self)
    }

    /// σ(x) = 1 / (1 + e⁻ˣ).
    @inlinable @inline(__always)
    public static func sigmoid(_ x: FloatVector) -> FloatVector {
        1 / (1 + exp(-x))
    }

    /// tanh x = 1 − 2 / (e²ˣ + 1), or x − x³/3 + 2x⁵/15 − 17x⁷/315 for |x| < 0.1 where the
    /// first form cancels.
    @inlinable @inline(__always)
    public static func tanh(_ x: FloatVector) -> FloatVector {
        let large = 1 - 2 / (exp(x + x) + 1)
        let z = x * x
        var p = FloatVector(repeating: -17.0 / 315)
        p = p * z + 2.0 / 15
        p = p * z - 1.0 / 3
        let small = p * z * x + x
        return large.replacing(with: small, where: (x .< 0.1) .& (x .> -0.1))
    }

    // MARK: Over buffers

    /// a ← a + p + b element-wise, over `count` floats (the gate pre-activations).
    static func addInputs(_ a: UnsafeMutablePointer<Float>, _ p: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                          count: Int) {
        Lanes.forEachBlock(count) { j, lanes in
            Lanes.store(Lanes.load(a + j, lanes) + Lanes.load(p + j, lanes) + Lanes.load(b + j, lanes), a + j, lanes)
        }
    }

    /// x ← σ(x) over `count` floats.
    static func applySigmoid(_ x: UnsafeMutablePointer<Float>, count: Int) {
        Lanes.forEachBlock(count) { j, lanes in
            Lanes.store(sigmoid(Lanes.load(x + j, lanes)), x + j, lanes)
        }
    }

    /// destination ← tanh(source) over `count` floats (the two may be the same buffer).
    static func applyTanh(_ source: UnsafePointer<Float>, to destination: UnsafeMutablePointer<Float>, count: Int) {
        Lanes.forEachBlock(count) { j, lanes in
            Lanes.store(tanh(Lanes.load(source + j, lanes)), destination + j, lanes)
        }
    }
}
