// Sixteen-lane vectors for the kernels of this module: the exponential and a few helpers.
//
// The same formula as `VectorMath.exp` in GenRLTensor (eight lanes), written again for
// SIMD16: Swift's generic SIMD comparisons compile to one-lane-at-a-time loops, so a
// single generic version would be slow at both widths. Keep the two in step; the
// tests compare this one against `Foundation.exp` and against the eight-lane kernel.

/// Sixteen floats: one AVX-512 register.
public typealias WideVector = SIMD16<Float>

/// eˣ by range reduction x = n·ln 2 + r, |r| ≤ ln 2 / 2, a degree-6 polynomial for eʳ
/// (Cephes' coefficients), and 2ⁿ applied in two halves so that results that are
/// subnormal, zero or infinite come out as IEEE arithmetic gives them. Within 2 ulp of
/// the exact value; NaN propagates.
@inline(__always)
func wideExp(_ x: WideVector) -> WideVector {
    var v = x.replacing(with: -104, where: x .< -104)
    v.replace(with: 89, where: v .> 89)
    // Round v·log2(e) to an integer with the 1.5·2²³ trick (see VectorMath.exp).
    let magic = WideVector(repeating: 12_582_912)
    let shifted = magic.addingProduct(v, WideVector(repeating: 1.442_695_04))
    let n = shifted - magic
    var r = v.addingProduct(n, WideVector(repeating: -0.693_359_375))
    r = r.addingProduct(n, WideVector(repeating: 2.121_944_4e-4))
    var p = WideVector(repeating: 1.987_569_15e-4)
    p = WideVector(repeating: 1.398_199_95e-3).addingProduct(p, r)
    p = WideVector(repeating: 8.333_451_9e-3).addingProduct(p, r)
    p = WideVector(repeating: 4.166_579_59e-2).addingProduct(p, r)
    p = WideVector(repeating: 1.666_666_55e-1).addingProduct(p, r)
    p = WideVector(repeating: 5.000_000_12e-1).addingProduct(p, r)
    let y = (r + 1).addingProduct(p, r * r)
    let exponent = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- 0x4B40_0000
    let half = exponent &>> 1
    let scaleA = unsafeBitCast((half &+ 127) &<< 23, to: WideVector.self)
    let scaleB = unsafeBitCast((exponent &- half &+ 127) &<< 23, to: WideVector.self)
    return y * scaleA * scaleB
}

/// `wideExp` over a buffer, for the tests (not inlined, so it runs as compiled here).
@inline(never)
public func wideExp(_ source: UnsafePointer<Float>, _ destination: UnsafeMutablePointer<Float>, count: Int) {
    var i = 0
    while i + 16 <= count {
        let e = wideExp(UnsafeRawPointer(source + i).loadUnaligned(as: WideVector.self))
        UnsafeMutableRawPointer(destination + i).storeBytes(of: e, as: WideVector.self)
        i += 16
    }
    if i < count {
        var v = WideVector()
        for lane in 0..<(count - i) { v[lane] = source[i + lane] }
        let e = wideExp(v)
        for lane in 0..<(count - i) { destination[i + lane] = e[lane] }
    }
}

// MARK: - Loads, stores and multiply-adds on pairs of vectors (32 floats)

/// low += x·wLow, high += x·wHigh (x broadcast).
@inline(__always)
func multiplyAdd(_ low: inout WideVector, _ high: inout WideVector, _ x: Float, _ wLow: WideVector, _ wHigh: WideVector) {
    let s = WideVector(repeating: x)
    low = low.addingProduct(s, wLow)
    high = high.addingProduct(s, wHigh)
}

/// Adds (low, high) to the 32 floats at `p`.
@inline(__always)
func addWide(_ low: WideVector, _ high: WideVector, to p: UnsafeMutablePointer<Float>) {
    storeWide(loadWide(p) + low, p)
    storeWide(loadWide(p + 16) + high, p + 16)
}

@inline(__always)
func loadWide(_ p: UnsafePointer<Float>) -> WideVector { UnsafeRawPointer(p).loadUnaligned(as: WideVector.self) }

@inline(__always)
func storeWide(_ v: WideVector, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: WideVector.self)
}

/// The larger of a and b in each lane (a when either is NaN), as a blend.
@inline(__always)
func maximum(_ a: WideVector, _ b: WideVector) -> WideVector { a.replacing(with: b, where: a .< b) }
