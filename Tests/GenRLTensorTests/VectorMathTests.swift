import Foundation
import GenRLTensor
import Testing

@Suite("Vector kernels agree with the C library")
struct VectorMathTests {
    /// Largest relative error of `vector` against `reference` (computed in Double) over
    /// `count` evenly spaced points of [low, high].
    func maxRelativeError(_ low: Float, _ high: Float, count: Int = 20_001,
                          _ vector: (FloatVector) -> FloatVector, _ reference: (Double) -> Double) -> Double {
        var worst = 0.0
        var i = 0
        while i < count {
            var v = FloatVector()
            for lane in 0..<8 { v[lane] = low + (high - low) * Float(min(i + lane, count - 1)) / Float(count - 1) }
            let out = vector(v)
            for lane in 0..<8 {
                let exact = reference(Double(v[lane]))
                if exact == 0 { continue }
                worst = max(worst, Swift.abs(Double(out[lane]) - exact) / Swift.abs(exact))
            }
            i += 8
        }
        return worst
    }

    @Test func exponential() {
        #expect(maxRelativeError(-87, 88, VectorMath.exp, Foundation.exp) < 3e-7)
        let edges = VectorMath.exp(FloatVector(-.infinity, -200, -103, 0, 89, .infinity, .nan, -90))
        #expect(edges[0] == 0 && edges[1] == 0 && edges[3] == 1)
        #expect(edges[2] >= 0 && edges[2] < 1e-44)
        #expect(edges[4] == .infinity && edges[5] == .infinity && edges[6].isNaN)
        #expect(Swift.abs(Double(edges[7]) - Foundation.exp(-90.0)) < 1e-45)  // subnormal result
    }

    @Test func hyperbolicTangentAndSigmoid() {
        #expect(maxRelativeError(-10, 10, VectorMath.tanh, Foundation.tanh) < 5e-7)
        #expect(maxRelativeError(-1e-3, 1e-3, VectorMath.tanh, Foundation.tanh) < 5e-7)
        #expect(maxRelativeError(-30, 30, VectorMath.sigmoid, { 1 / (1 + Foundation.exp(-$0)) }) < 5e-7)
    }

    @Test func complementaryErrorFunction() {
        #expect(maxRelativeError(-6, 9, VectorMath.erfc, Foundation.erfc) < 5e-7)
        // Φ(x) = erfc(−x/√2)/2: rounding x/√2 to float moves the exponent −x²/2 by up to
        // x²·2⁻²⁴, a relative error of 1.5·10⁻⁶ at x = −5 (PyTorch's float GELU has the same).
        #expect(maxRelativeError(-5, 5, VectorMath.normalCDF, { 0.5 * Foundation.erfc(-$0 / 2.0.squareRoot()) }) < 2e-6)
    }
}
