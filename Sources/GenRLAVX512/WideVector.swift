// Sixteen-lane vectors for the kernels of this module: the exponential and a few helpers.
//
// The same formula as `VectorMath.exp` in GenRLTensor (eight lanes), written again for
// SIMD16: Swift's generic SIMD comparisons compile to one-lane-at-a-time loops, so a
// single generic version would be slow at both widths. Keep the two in step: a test
// checks that this one gives the eight-lane kernel's results bit for bit.

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

/// Adds the first `count` of eight pairs to eight rows of 32 floats, `stride` floats
/// apart from `out`: the accumulators of a product's 8-row tile, the rows past `count`
/// left out.
@inline(__always)
func addRows(_ count: Int, to out: UnsafeMutablePointer<Float>, stride: Int,
             _ p0: (WideVector, WideVector), _ p1: (WideVector, WideVector),
             _ p2: (WideVector, WideVector), _ p3: (WideVector, WideVector),
             _ p4: (WideVector, WideVector), _ p5: (WideVector, WideVector),
             _ p6: (WideVector, WideVector), _ p7: (WideVector, WideVector)) {
    addWide(p0.0, p0.1, to: out)
    if count > 1 { addWide(p1.0, p1.1, to: out + stride) }
    if count > 2 { addWide(p2.0, p2.1, to: out + 2 * stride) }
    if count > 3 { addWide(p3.0, p3.1, to: out + 3 * stride) }
    if count > 4 { addWide(p4.0, p4.1, to: out + 4 * stride) }
    if count > 5 { addWide(p5.0, p5.1, to: out + 5 * stride) }
    if count > 6 { addWide(p6.0, p6.1, to: out + 6 * stride) }
    if count > 7 { addWide(p7.0, p7.1, to: out + 7 * stride) }
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
