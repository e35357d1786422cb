import Foundation
import GenRLAVX512
@testable import GenRLTensor
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
        #expect(edges[2] >= 0 && Double(edges[2]) < 1e-44)
        #expect(edges[4] == .infinity && edges[5] == .infinity && edges[6].isNaN)
        #expect(Swift.abs(Double(edges[7]) - Foundation.exp(-90.0)) < 1e-45)  // subnormal result
    }

    @Test func hyperbolicTangentAndSigmoid() {
        #expect(maxRelativeError(-10, 10, VectorMath.tanh, Foundation.tanh) < 5e-7)
        #expect(maxRelativeError(-1e-3, 1e-3, VectorMath.tanh, Foundation.tanh) < 5e-7)
        #expect(maxRelativeError(-30, 30, VectorMath.sigmoid, { 1 / (1 + Foundation.exp(-$0)) }) < 5e-7)
    }

    @Test func geluAndItsSlope() {
        // Reference in Double from the C library's erf: GELU(x) = x·Φ(x), slope Φ(x) + x·φ(x).
        var worstValue = 0.0, worstSlope = 0.0
        var x: Float = -8
        while x <= 8 {
            var v = FloatVector()
            for lane in 0..<8 { v[lane] = x + Float(lane) * 0.0001 }
            let (value, slope) = VectorMath.geluAndSlope(v)
            for lane in 0..<8 {
                let d = Double(v[lane])
                let cdf = 0.5 * Foundation.erfc(-d / 2.0.squareRoot())
                let pdf = Foundation.exp(-d * d / 2) / (2 * Double.pi).squareRoot()
                worstValue = max(worstValue, Swift.abs(Double(value[lane]) - d * cdf) / max(1, Swift.abs(d)))
                worstSlope = max(worstSlope, Swift.abs(Double(slope[lane]) - (cdf + d * pdf)) / max(1, Swift.abs(d)))
            }
            x += 0.0013
        }
        // Abramowitz & Stegun's 1.5·10⁻⁷ on erfc is 7.5·10⁻⁸ on Φ, plus float rounding.
        #expect(worstValue < 3e-7)
        #expect(worstSlope < 5e-7)
    }

    /// The sixteen-lane GELU that `Tensor.gelu` runs with AVX-512 gives the eight-lane
    /// kernel's values and slopes bit for bit, over both tails, zero, a partial last vector
    /// and NaN; and `Tensor.gelu` keeps those slopes for its gradient.
    @Test(.enabled(if: WideKernels.isEnabled))
    func wideGELUEqualsTheEightLaneKernel() {
        var values = (0..<3_001).map { -15 + Float($0) * 0.01 }
        values += [-.infinity, .infinity, .nan, 0, -0.0, 1e-8, -40, 40]
        var wide = [Float](repeating: 0, count: values.count), wideSlopes = wide
        wideGELU(values, values: &wide, slopes: &wideSlopes, count: values.count)
        var narrow = wide, narrowSlopes = wide
        mapVectors(values, &narrow, count: values.count) { VectorMath.geluAndSlope($0).value }
        mapVectors(values, &narrowSlopes, count: values.count) { VectorMath.geluAndSlope($0).slope }
        func same(_ a: Float, _ b: Float) -> Bool { a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN) }
        for i in values.indices where !same(wide[i], narrow[i]) || !same(wideSlopes[i], narrowSlopes[i]) {
            Issue.record("GELU(\(values[i])): sixteen lanes \(wide[i]), \(wideSlopes[i]); eight lanes \(narrow[i]), \(narrowSlopes[i])")
            return
        }
        let x = Tensor(Array(values[0..<3_001]), shape: [3_001])
        let (y, gradient) = valueAndGradient(at: x) { $0.gelu() }
        #expect(y.scalars == Array(narrow[0..<3_001]))
        #expect(gradient.scalars == Array(narrowSlopes[0..<3_001]))
    }

    @Test func rowMaximumWithAndWithoutAnAddend() {
        // Every length through the four-vector, one-vector and scalar parts, the largest
        // element at every position, and a NaN at every position.
        for count in 1...80 {
            let addend = (0..<count).map { Float(($0 * 7) % 5) - 2 }
            for position in 0..<count {
                var row = (0..<count).map { Float(($0 * 13) % 11) - 20 }
                row[position] = 3
                #expect(maxVectors(row, count: count) == 3)
                var sums = row
                let largestSum = zip(row, addend).map(+).max()!
                #expect(addAndMaxVectors(&sums, addend, count: count) == largestSum)
                #expect(sums == zip(row, addend).map(+))
                row[position] = .nan
                #expect(maxVectors(row, count: count).isNaN)
                #expect(addAndMaxVectors(&row, addend, count: count).isNaN)
            }
        }
        #expect(maxVectors([Float](repeating: -.infinity, count: 40), count: 40) == -.infinity)
    }
}
