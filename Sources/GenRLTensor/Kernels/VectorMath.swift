// Vectorised elementary functions on eight floats at a time.
//
// The C library computes `expf` one lane at a time; softmax, cross-entropy and the
// recurrent gates call exp on millions of elements per step, so these kernels evaluate
// polynomials on SIMD vectors instead. Accuracy is within 2 ulp of the exact value over
// the ranges used (checked against `Foundation` in the tests). The same code runs on
// the tail of an array (padded), so every element of a tensor goes through one formula.

/// The vector type of the kernels: eight lanes (one AVX register).
public typealias FloatVector = SIMD8<Float>

/// The kernels described above, as static functions on `FloatVector`: exp, tanh, sigmoid,
/// GELU and its slope, and blend-based minimum, maximum and |x|.
public enum VectorMath {
    /// eˣ by range reduction x = n·ln 2 + r, |r| ≤ ln 2 / 2, a degree-6 polynomial for eʳ
    /// (Cephes' coefficients), and 2ⁿ applied in two halves so that results that are
    /// subnormal, zero or infinite come out as IEEE arithmetic gives them.
    @inlinable @inline(__always)
    public static func exp(_ x: FloatVector) -> FloatVector {
        // Blends, not `clamped`: the generic clamp compiles to per-lane calls. NaN fails
        // both comparisons and propagates through the arithmetic below.
        var v = x.replacing(with: -104, where: x .< -104)
        v.replace(with: 89, where: v .> 89)
        // Round v·log2(e) to the nearest integer with the 1.5·2²³ trick: the integer lands in
        // the low mantissa bits, read back as bits without a float-to-int conversion.
        let magic = FloatVector(repeating: 12_582_912)
        let shifted = magic.addingProduct(v, FloatVector(repeating: 1.442_695_04))
        let n = shifted - magic
        var r = v.addingProduct(n, FloatVector(repeating: -0.693_359_375))
        r = r.addingProduct(n, FloatVector(repeating: 2.121_944_4e-4))
        // Horner with fused multiply-adds: p ← c + p·r.
        var p = FloatVector(repeating: 1.987_569_15e-4)
        p = FloatVector(repeating: 1.398_199_95e-3).addingProduct(p, r)
        p = FloatVector(repeating: 8.333_451_9e-3).addingProduct(p, r)
        p = FloatVector(repeating: 4.166_579_59e-2).addingProduct(p, r)
        p = FloatVector(repeating: 1.666_666_55e-1).addingProduct(p, r)
        p = FloatVector(repeating: 5.000_000_12e-1).addingProduct(p, r)
        let y = (r + 1).addingProduct(p, r * r)
        let exponent = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
        let half = exponent &>> 1
        let scaleA = unsafeBitCast((half &+ 127) &<< 23, to: FloatVector.self)
        let scaleB = unsafeBitCast((exponent &- half &+ 127) &<< 23, to: FloatVector.self)
        return y * scaleA * scaleB
    }

    /// tanh x: an odd polynomial for |x| < 0.625 (Cephes), 1 − 2/(e²ˣ + 1) beyond, which
    /// keeps the relative error small near zero where the exponential form cancels.
    @inlinable @inline(__always)
    public static func tanh(_ x: FloatVector) -> FloatVector {
        let z = x * x
        var p = FloatVector(repeating: -5.704_988_72e-3)
        p = FloatVector(repeating: 2.063_908_88e-2).addingProduct(p, z)
        p = FloatVector(repeating: -5.373_971_56e-2).addingProduct(p, z)
        p = FloatVector(repeating: 1.333_144_22e-1).addingProduct(p, z)
        p = FloatVector(repeating: -3.333_328_19e-1).addingProduct(p, z)
        let small = x.addingProduct(p * z, x)
        let magnitude = VectorMath.abs(x)
        let e = exp(magnitude * 2)
        var large = 1 - 2 / (e + 1)
        large.replace(with: -large, where: x .< 0)
        return small.replacing(with: large, where: magnitude .>= 0.625)
    }

    /// The larger of a and b in each lane (a when either is NaN), as a blend: the generic
    /// `pointwiseMax` compiles to per-lane calls.
    @inlinable @inline(__always)
    public static func maximum(_ a: FloatVector, _ b: FloatVector) -> FloatVector {
        a.replacing(with: b, where: a .< b)
    }

    /// The smaller of a and b in each lane (a when either is NaN).
    @inlinable @inline(__always)
    public static func minimum(_ a: FloatVector, _ b: FloatVector) -> FloatVector {
        a.replacing(with: b, where: b .< a)
    }

    /// |x|, by clearing the sign bit.
    @inlinable @inline(__always)
    public static func abs(_ x: FloatVector) -> FloatVector {
        unsafeBitCast(unsafeBitCast(x, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF, to: FloatVector.self)
    }

    /// The logistic function 1 / (1 + e⁻ˣ).
    @inlinable @inline(__always)
    public static func sigmoid(_ x: FloatVector) -> FloatVector {
        1 / (1 + exp(-x))
    }

    /// GELU(x) = x·Φ(x) and its slope GELU′(x) = Φ(x) + x·φ(x), in one pass with one
    /// exponential: with z = |x|/√2, Abramowitz & Stegun 7.1.26 gives
    /// erfc z = P(t)·e^(−z²), t = 1/(1 + 0.3275911·z) (absolute error ≤ 1.5·10⁻⁷, the
    /// formula PyTorch's vectorised CPU erf uses), and e^(−z²) = e^(−x²/2) is also the
    /// density φ's factor. Φ(x) = ½·erfc(−x/√2) is taken directly for x < 0, so the left
    /// tail has no cancellation.
    @inlinable @inline(__always)
    public static func geluAndSlope(_ x: FloatVector) -> (value: FloatVector, slope: FloatVector) {
        let gaussian = exp(x * x * -0.5)
        let z = abs(x) * 0.707_106_781_186_547_5
        let t = 1 / FloatVector(repeating: 1).addingProduct(z, FloatVector(repeating: 0.327_591_1))
        var p = FloatVector(repeating: 1.061_405_429)
        p = FloatVector(repeating: -1.453_152_027).addingProduct(p, t)
        p = FloatVector(repeating: 1.421_413_741).addingProduct(p, t)
        p = FloatVector(repeating: -0.284_496_736).addingProduct(p, t)
        p = FloatVector(repeating: 0.254_829_592).addingProduct(p, t)
        let tail = 0.5 * p * t * gaussian                     // Φ(−|x|)
        let cdf = tail.replacing(with: 1 - tail, where: x .> 0)
        return (x * cdf, cdf.addingProduct(x * gaussian, FloatVector(repeating: 0.398_942_280_401_432_7)))
    }
}

// MARK: - Applying a vector function to buffers

/// Writes `f` of each element of `source` to `destination` (which may be `source`),
/// eight at a time; the tail goes through `f` on a zero-padded vector.
@inline(__always)
func mapVectors(_ source: UnsafePointer<Float>, _ destination: UnsafeMutablePointer<Float>, count: Int,
                _ f: (FloatVector) -> FloatVector) {
    var i = 0
    while i + 8 <= count {
        let v = UnsafeRawPointer(source + i).loadUnaligned(as: FloatVector.self)
        UnsafeMutableRawPointer(destination + i).storeBytes(of: f(v), as: FloatVector.self)
        i += 8
    }
    if i < count {
        var v = FloatVector()
        for lane in 0..<(count - i) { v[lane] = source[i + lane] }
        let out = f(v)
        for lane in 0..<(count - i) { destination[i + lane] = out[lane] }
    }
}

/// Writes `f(a, b)` element by element, eight at a time, for two buffers of equal length.
@inline(__always)
func zipVectors(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ destination: UnsafeMutablePointer<Float>,
                count: Int, _ f: (FloatVector, FloatVector) -> FloatVector) {
    var i = 0
    while i + 8 <= count {
        let va = UnsafeRawPointer(a + i).loadUnaligned(as: FloatVector.self)
        let vb = UnsafeRawPointer(b + i).loadUnaligned(as: FloatVector.self)
        UnsafeMutableRawPointer(destination + i).storeBytes(of: f(va, vb), as: FloatVector.self)
        i += 8
    }
    if i < count {
        var va = FloatVector(), vb = FloatVector()
        for lane in 0..<(count - i) { va[lane] = a[i + lane]; vb[lane] = b[i + lane] }
        let out = f(va, vb)
        for lane in 0..<(count - i) { destination[i + lane] = out[lane] }
    }
}

/// Σ over a buffer, accumulated in eight lanes then summed pairwise: the same order on
/// every run.
@inline(__always)
func sumVectors(_ source: UnsafePointer<Float>, count: Int) -> Float {
    var acc = FloatVector()
    var i = 0
    while i + 8 <= count {
        acc += UnsafeRawPointer(source + i).loadUnaligned(as: FloatVector.self)
        i += 8
    }
    var total = acc.sum()
    while i < count { total += source[i]; i += 1 }
    return total
}

/// The largest element of a non-empty buffer (NaN if any element is NaN).
@inline(__always)
func maxVectors(_ source: UnsafePointer<Float>, count: Int) -> Float {
    maxOfTransformed(source, count: count, { $1 }, scalar: { $1 })
}

/// Adds `addend` to `row` element by element and returns the largest sum (NaN if any is
/// NaN): a bias added in the same pass that looks for a softmax's shift.
@inline(__always)
func addAndMaxVectors(_ row: UnsafeMutablePointer<Float>, _ addend: UnsafePointer<Float>, count: Int) -> Float {
    maxOfTransformed(UnsafePointer(row), count: count) { i, v in
        let sum = v + UnsafeRawPointer(addend + i).loadUnaligned(as: FloatVector.self)
        UnsafeMutableRawPointer(row + i).storeBytes(of: sum, as: FloatVector.self)
        return sum
    } scalar: { i, s in
        row[i] = s + addend[i]
        return row[i]
    }
}

/// The largest of `transform(i, xᵢ)` over a non-empty buffer read eight at a time (NaN
/// if any is NaN); `scalar` handles the tail one element at a time.
@inline(__always)
private func maxOfTransformed(_ source: UnsafePointer<Float>, count: Int,
                              _ transform: (Int, FloatVector) -> FloatVector,
                              scalar: (Int, Float) -> Float) -> Float {
    var best = -Float.infinity
    var sawNaN = false
    var i = 0
    if count >= 8 {
        // Four running maxima: one alone waits on the previous compare-and-blend at every
        // vector (about ten cycles), which made this pass cost as much as the exponentials.
        // NaN lanes are collected in an integer vector and tested once at the end: a
        // horizontal test per vector (`any`) cost more than the maximum itself.
        var acc = (FloatVector(repeating: -.infinity), FloatVector(repeating: -.infinity),
                   FloatVector(repeating: -.infinity), FloatVector(repeating: -.infinity))
        var nanLanes = SIMD8<Int32>()
        @inline(__always) func load(_ offset: Int) -> FloatVector {
            let v = transform(offset, UnsafeRawPointer(source + offset).loadUnaligned(as: FloatVector.self))
            nanLanes |= SIMD8<Int32>().replacing(with: 1, where: v .!= v)
            return v
        }
        while i + 32 <= count {
            acc.0 = VectorMath.maximum(acc.0, load(i))
            acc.1 = VectorMath.maximum(acc.1, load(i + 8))
            acc.2 = VectorMath.maximum(acc.2, load(i + 16))
            acc.3 = VectorMath.maximum(acc.3, load(i + 24))
            i += 32
        }
        while i + 8 <= count {
            acc.0 = VectorMath.maximum(acc.0, load(i))
            i += 8
        }
        sawNaN = any(nanLanes .!= 0)
        best = VectorMath.maximum(VectorMath.maximum(acc.0, acc.1), VectorMath.maximum(acc.2, acc.3)).max()
    }
    while i < count {
        let s = scalar(i, source[i])
        if s.isNaN { sawNaN = true }
        if s > best { best = s }
        i += 1
    }
    return sawNaN ? .nan : best
}
