import Foundation
import GenRLAVX512

/// Element-wise functions and their derivatives (g is the gradient of the output y):
///
/// | function | y | dy/dx |
/// |---|---|---|
/// | exp | eˣ | y |
/// | log | ln x | 1/x |
/// | tanh | tanh x | 1 − y² |
/// | sigmoid | σ(x) = 1/(1+e⁻ˣ) | y(1 − y) |
/// | logSigmoid | ln σ(x) = −softplus(−x) | σ(−x) |
/// | relu | max(x, 0) | 1 if x > 0 else 0 |
/// | gelu | x·Φ(x) (exact, PyTorch's default) | Φ(x) + x·φ(x) |
/// | softplus | ln(1 + eˣ) | σ(x) |
/// | sqrt | √x | 1/(2y) |
/// | pow(p) | xᵖ | p·xᵖ⁻¹ |
/// | square | x² | 2x |
/// | abs | \|x\| | sign x (0 at 0) |
/// | clamped(lo, hi) | min(max(x, lo), hi) | 1 if lo ≤ x ≤ hi else 0 (as PyTorch) |
extension Tensor {
    /// An element-wise function recorded with `derivative(x, y)`, the factor that
    /// multiplies the output gradient.
    func unary(_ name: String, _ f: @escaping (FloatVector) -> FloatVector,
               derivative: @escaping (_ x: Tensor, _ y: Tensor) -> Tensor) -> Tensor {
        let out = mapStorage(self, f)
        let shape = self.shape
        return Tensor.result(name, shape: shape, storage: out, inputs: [self]) { [self] g, _ in
            [g * derivative(self.detached(), Tensor(shape: shape, storage: out))]
        }
    }

    /// eˣ.
    public func exp() -> Tensor {
        unary("exp", VectorMath.exp) { _, y in y }
    }

    /// Natural logarithm.
    public func log() -> Tensor {
        unary("log", { lanewise($0, Foundation.log) }) { x, _ in 1 / x }
    }

    /// Hyperbolic tangent.
    public func tanh() -> Tensor {
        unary("tanh", VectorMath.tanh) { _, y in 1 - y * y }
    }

    /// The logistic function.
    public func sigmoid() -> Tensor {
        unary("sigmoid", VectorMath.sigmoid) { _, y in y * (1 - y) }
    }

    /// ln σ(x), computed without overflow as min(x, 0) − ln(1 + e^−|x|).
    public func logSigmoid() -> Tensor {
        unary("logSigmoid", { x in
            VectorMath.minimum(x, FloatVector()) - lanewise(VectorMath.exp(-VectorMath.abs(x)), Foundation.log1p)
        }) { x, _ in (-x).sigmoid() }
    }

    /// max(x, 0).
    public func relu() -> Tensor {
        unary("relu", { VectorMath.maximum($0, FloatVector()) }) { x, _ in x .> 0 }
    }

    /// x·Φ(x) with Φ the standard normal distribution function (the exact GELU, PyTorch's
    /// default), one pass that also keeps the slope for the backward pass when recording
    /// (see `VectorMath.geluAndSlope`).
    public func gelu() -> Tensor {
        let out = TensorStorage(uninitializedCount: count)
        let slope = GradientMode.isRecording && isTracked ? TensorStorage(uninitializedCount: count) : nil
        let source = storage.pointer, total = count
        let values = out.pointer, slopes = slope?.pointer
        Parallel.forEachChunk((total + 15) / 16, grain: 1_024) { blocks in
            let start = blocks.lowerBound * 16, end = Swift.min(total, blocks.upperBound * 16)
            if WideKernels.isEnabled {
                wideGELU(source + start, values: values + start, slopes: slopes.map { $0 + start }, count: end - start)
            } else {
                geluRange(source, values: values, slopes: slopes, start..<end)
            }
        }
        let shape = self.shape
        return Tensor.result("gelu", shape: shape, storage: out, inputs: [self]) { g, _ in
            [Tensor(shape: shape, storage: zipStorage(g, Tensor(shape: shape, storage: slope!)) { $0 * $1 })]
        }
    }

    /// GELU and its slope at `range` of `source` on eight lanes (`gelu`'s kernel without
    /// AVX-512).
    private func geluRange(_ source: UnsafePointer<Float>, values: UnsafeMutablePointer<Float>,
                           slopes: UnsafeMutablePointer<Float>?, _ range: Range<Int>) {
        // Whole vectors go straight from load to store (per-lane stores here made the
        // compiler scalarise the whole formula); the last partial vector is padded.
        var start = range.lowerBound
        while start + 8 <= range.upperBound {
            let (value, derivative) = VectorMath.geluAndSlope(UnsafeRawPointer(source + start).loadUnaligned(as: FloatVector.self))
            UnsafeMutableRawPointer(values + start).storeBytes(of: value, as: FloatVector.self)
            if let slopes { UnsafeMutableRawPointer(slopes + start).storeBytes(of: derivative, as: FloatVector.self) }
            start += 8
        }
        guard start < range.upperBound else { return }
        let lanes = range.upperBound - start
        var input = FloatVector()
        for lane in 0..<lanes { input[lane] = source[start + lane] }
        let (value, derivative) = VectorMath.geluAndSlope(input)
        for lane in 0..<lanes {
            values[start + lane] = value[lane]
            slopes?[start + lane] = derivative[lane]
        }
    }

    /// ln(1 + eˣ), computed as max(x, 0) + ln(1 + e^−|x|).
    public func softplus() -> Tensor {
        unary("softplus", { x in
            VectorMath.maximum(x, FloatVector()) + lanewise(VectorMath.exp(-VectorMath.abs(x)), Foundation.log1p)
        }) { x, _ in x.sigmoid() }
    }

    /// Square root.
    public func sqrt() -> Tensor {
        unary("sqrt", { $0.squareRoot() }) { _, y in 0.5 / y }
    }

    /// xᵖ for a constant exponent.
    public func pow(_ exponent: Float) -> Tensor {
        if exponent == 2 { return squared() }
        return unary("pow", { lanewise($0) { Foundation.pow($0, exponent) } }) { x, _ in
            exponent * x.detached().pow(exponent - 1)
        }
    }

    /// x².
    public func squared() -> Tensor {
        unary("square", { $0 * $0 }) { x, _ in 2 * x }
    }

    /// |x|.
    public func abs() -> Tensor {
        unary("abs", VectorMath.abs) { x, _ in
            Tensor(shape: x.shape, storage: mapStorage(x) { v in
                FloatVector().replacing(with: 1, where: v .> 0).replacing(with: -1, where: v .< 0)
            })
        }
    }

    /// Each element limited to `[minimum, maximum]` (either bound may be omitted).
    public func clamped(min minimum: Float = -.infinity, max maximum: Float = .infinity) -> Tensor {
        unary("clamp", { VectorMath.minimum(VectorMath.maximum($0, FloatVector(repeating: minimum)), FloatVector(repeating: maximum)) }) { x, _ in
            Tensor(shape: x.shape, storage: mapStorage(x) { v in
                FloatVector(repeating: 1).replacing(with: 0, where: (v .< minimum) .| (v .> maximum))
            })
        }
    }
}

/// `f` applied to each lane of `v` (for functions without a vector kernel).
@inline(__always)
func lanewise(_ v: FloatVector, _ f: (Float) -> Float) -> FloatVector {
    var out = FloatVector()
    for lane in 0..<FloatVector.scalarCount { out[lane] = f(v[lane]) }
    return out
}
