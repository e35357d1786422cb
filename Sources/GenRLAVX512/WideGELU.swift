// GELU and its slope on sixteen lanes, for `Tensor.gelu` on processors with AVX-512.
//
// The formula of `VectorMath.geluAndSlope` in GenRLTensor (eight lanes), written again
// for SIMD16 like `wideExp` (see WideVector.swift): the same operations in the same order,
// so the same results bit for bit. A test checks that.

/// GELU(x) = x·Φ(x) and GELU′(x) = Φ(x) + x·φ(x) with one exponential (Abramowitz &
/// Stegun 7.1.26 for erfc; see `VectorMath.geluAndSlope`).
@inline(__always)
func wideGELUAndSlope(_ x: WideVector) -> (value: WideVector, slope: WideVector) {
    let gaussian = wideExp(x * x * -0.5)
    let magnitude = unsafeBitCast(unsafeBitCast(x, to: SIMD16<UInt32>.self) & 0x7FFF_FFFF, to: WideVector.self)
    let z = magnitude * 0.707_106_781_186_547_5
    let t = 1 / WideVector(repeating: 1).addingProduct(z, WideVector(repeating: 0.327_591_1))
    var p = WideVector(repeating: 1.061_405_429)
    p = WideVector(repeating: -1.453_152_027).addingProduct(p, t)
    p = WideVector(repeating: 1.421_413_741).addingProduct(p, t)
    p = WideVector(repeating: -0.284_496_736).addingProduct(p, t)
    p = WideVector(repeating: 0.254_829_592).addingProduct(p, t)
    let tail = 0.5 * p * t * gaussian                     // Φ(−|x|)
    let cdf = tail.replacing(with: 1 - tail, where: x .> 0)
    return (x * cdf, cdf.addingProduct(x * gaussian, WideVector(repeating: 0.398_942_280_401_432_7)))
}

/// GELU of `count` floats of `source` into `values`, and its slope into `slopes` when
/// given; the last partial vector goes through the same formula, padded. The caller must
/// check that the CPU has AVX-512F: this module is compiled for it.
public func wideGELU(_ source: UnsafePointer<Float>, values: UnsafeMutablePointer<Float>,
                     slopes: UnsafeMutablePointer<Float>?, count: Int) {
    var i = 0
    while i + 16 <= count {
        let (value, slope) = wideGELUAndSlope(loadWide(source + i))
        storeWide(value, values + i)
        if let slopes { storeWide(slope, slopes + i) }
        i += 16
    }
    guard i < count else { return }
    var x = WideVector()
    for lane in 0..<(count - i) { x[lane] = source[i + lane] }
    let (value, slope) = wideGELUAndSlope(x)
    for lane in 0..<(count - i) {
        values[i + lane] = value[lane]
        slopes?[i + lane] = slope[lane]
    }
}
