/// The forward half of a fused linear cross-entropy on AVX-512, and the backward
/// product with w: logits computed a tile at a time in registers and exponentiated from
/// L1, so they are never cleared, packed or read back from memory
/// (`Tensor.linearCrossEntropy` runs it when the CPU has AVX-512).
///
/// For each row r < `rows` and class v < `classes`:
///
///     ℓ[r, v] = b[v] + Σ_d x[r, d]·w[v, d]      (summed in order d = 0, 1, …, by fused multiply-adds)
///     e[r, v] = exp(ℓ[r, v] − shift[r])          written to output[exponentialIndex(r, v)]
///     sums[r] = Σ_v e[r, v],  maxima[r] = max_v ℓ[r, v]
///     products[r, :] += Σ_v e[r, v]·w[v, :]      when `products` is given
///
/// A tile is 8 rows × 32 classes: 16 accumulators, two loads of wᵀ and eight broadcasts
/// of x per depth step, which keeps both multiply-add units busy from L1. Tiles walk the
/// rows inside a class tile, so the tile of wᵀ (depth × 32) stays in L1 while x (rows ×
/// depth) does too; the tile's exponentials are multiplied by its 32 rows of w the same
/// way before the next tile.
///
/// - Parameters:
///   - x: [rows × depth], row-major; `depth` a multiple of 32.
///   - transposedWeight: wᵀ in panels of 32 classes: class v's weight for depth d at
///     (v / 32)·32·depth + 32·d + v % 32, zero for the classes that pad the last panel.
///   - bias: [classes rounded up to 32] (extra entries zero), or nil for none.
///   - weight: w, [classes × depth], row-major.
///   - shifts: [rows].
///   - output: `exponentialsCount(rows:classes:)` initialized floats, in tiles of 32
///     classes (see `exponentialsTileStride`); the padding rows are read, never
///     written, and do not affect the results.
///   - sums, maxima: [rows].
///   - products: [rows × depth], added to; nil to skip the product.
///
/// The caller must check that the CPU has AVX-512F: this module is compiled for it.
@inline(never)
public func exponentiatedLogits(x: UnsafePointer<Float>, rows: Int, depth: Int,
                                transposedWeight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                                weight: UnsafePointer<Float>, classes: Int, shifts: UnsafePointer<Float>,
                                output: UnsafeMutablePointer<Float>,
                                sums: UnsafeMutablePointer<Float>, maxima: UnsafeMutablePointer<Float>,
                                products: UnsafeMutablePointer<Float>?) {
    guard rows > 0, classes > 0 else { return }
    // Per row, sixteen running sums and maxima, reduced across lanes at the end; and one
    // class tile's logits for every row (13 KB for 104 rows), which stay in L1.
    let laneSums = UnsafeMutablePointer<WideVector>.allocate(capacity: rows)
    let laneMaxima = UnsafeMutablePointer<WideVector>.allocate(capacity: rows)
    let tileLogits = UnsafeMutablePointer<Float>.allocate(capacity: exponentialsTileStride(rows: rows))
    defer { laneSums.deallocate(); laneMaxima.deallocate(); tileLogits.deallocate() }
    laneSums.initialize(repeating: WideVector(), count: rows)
    laneMaxima.initialize(repeating: WideVector(repeating: -.infinity), count: rows)

    for tile in stride(from: 0, to: classes, by: 32) {
        let panel = transposedWeight + tile * depth
        let biasLow = bias.map { loadWide($0 + tile) } ?? WideVector()
        let biasHigh = bias.map { loadWide($0 + tile + 16) } ?? WideVector()
        for first in stride(from: 0, to: rows, by: 8) {
            // Eight rows; a last group with fewer repeats its last row (results unused).
            let last = rows - 1
            let x0 = x + min(first, last) * depth, x1 = x + min(first + 1, last) * depth
            let x2 = x + min(first + 2, last) * depth, x3 = x + min(first + 3, last) * depth
            let x4 = x + min(first + 4, last) * depth, x5 = x + min(first + 5, last) * depth
            let x6 = x + min(first + 6, last) * depth, x7 = x + min(first + 7, last) * depth
            var (l0, h0, l1, h1, l2, h2, l3, h3) = (biasLow, biasHigh, biasLow, biasHigh, biasLow, biasHigh, biasLow, biasHigh)
            var (l4, h4, l5, h5, l6, h6, l7, h7) = (biasLow, biasHigh, biasLow, biasHigh, biasLow, biasHigh, biasLow, biasHigh)
            for d in 0..<depth {
                let wLow = loadWide(panel + 32 * d), wHigh = loadWide(panel + 32 * d + 16)
                multiplyAdd(&l0, &h0, x0[d], wLow, wHigh); multiplyAdd(&l1, &h1, x1[d], wLow, wHigh)
                multiplyAdd(&l2, &h2, x2[d], wLow, wHigh); multiplyAdd(&l3, &h3, x3[d], wLow, wHigh)
                multiplyAdd(&l4, &h4, x4[d], wLow, wHigh); multiplyAdd(&l5, &h5, x5[d], wLow, wHigh)
                multiplyAdd(&l6, &h6, x6[d], wLow, wHigh); multiplyAdd(&l7, &h7, x7[d], wLow, wHigh)
            }
            let group = tileLogits + 32 * first
            storeWide(l0, group); storeWide(h0, group + 16); storeWide(l1, group + 32); storeWide(h1, group + 48)
            storeWide(l2, group + 64); storeWide(h2, group + 80); storeWide(l3, group + 96); storeWide(h3, group + 112)
            storeWide(l4, group + 128); storeWide(h4, group + 144); storeWide(l5, group + 160); storeWide(h5, group + 176)
            storeWide(l6, group + 192); storeWide(h6, group + 208); storeWide(l7, group + 224); storeWide(h7, group + 240)
        }
        let valid = min(32, classes - tile)
        let exponentials = output + tile / 32 * exponentialsTileStride(rows: rows)
        exponentiateTile(tileLogits, rows: rows, valid: valid, shifts: shifts,
                         output: exponentials, laneSums: laneSums, laneMaxima: laneMaxima)
        if let products {
            accumulateProducts(exponentials: exponentials, rows: rows, classes: valid, weight: weight + tile * depth,
                               depth: depth, into: products)
        }
    }
    for r in 0..<rows {
        sums[r] = laneSums[r].sum()
        maxima[r] = laneMaxima[r].max()
    }
}

/// For each row r of one class tile's logits ([rows × 32]): e = exp(ℓ − shifts[r]),
/// zero beyond the first `valid` classes, stored at output[32·r …], and added to the
/// row's lane sums and maxima (lanes beyond `valid` are the last tile's padding, left
/// out). A function of its own, called once per tile, so that the exponential's
/// constants are loaded once for all the rows.
@inline(never)
private func exponentiateTile(_ tileLogits: UnsafePointer<Float>, rows: Int, valid: Int, shifts: UnsafePointer<Float>,
                              output: UnsafeMutablePointer<Float>,
                              laneSums: UnsafeMutablePointer<WideVector>, laneMaxima: UnsafeMutablePointer<WideVector>) {
    let lane = WideVector(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
    let outLow = lane .>= WideVector(repeating: Float(valid))
    let outHigh = lane .>= WideVector(repeating: Float(valid - 16))
    for r in 0..<rows {
        let (low, high) = (loadWide(tileLogits + 32 * r), loadWide(tileLogits + 32 * r + 16))
        let shift = WideVector(repeating: shifts[r])
        var (eLow, eHigh) = (wideExp(low - shift), wideExp(high - shift))
        var (mLow, mHigh) = (low, high)
        if valid < 32 {
            (eLow, eHigh) = (eLow.replacing(with: 0, where: outLow), eHigh.replacing(with: 0, where: outHigh))
            (mLow, mHigh) = (mLow.replacing(with: -.infinity, where: outLow), mHigh.replacing(with: -.infinity, where: outHigh))
        }
        storeWide(eLow, output + 32 * r)
        storeWide(eHigh, output + 32 * r + 16)
        laneSums[r] += eLow + eHigh
        laneMaxima[r] = maximum(laneMaxima[r], maximum(mLow, mHigh))
    }
}

/// products[r, :] += Σ_v e[r, v]·w[v, :] over one tile's `classes` (≤ 32) classes, for
/// every row: the exponentials [rows × 32] by the tile's rows of w [classes × depth],
/// eight rows and 32 columns of the products at a time (16 accumulators, as in the
/// logits' loop). `depth` is a multiple of 32.
@inline(never)
private func accumulateProducts(exponentials: UnsafePointer<Float>, rows: Int, classes: Int,
                                weight: UnsafePointer<Float>, depth: Int, into products: UnsafeMutablePointer<Float>) {
    for first in stride(from: 0, to: rows, by: 8) {
        let count = min(8, rows - first)
        let e = exponentials + 32 * first
        for column in stride(from: 0, to: depth, by: 32) {
            // Rows past `count` read the tile's padding rows; their sums are not stored.
            let out = products + first * depth + column
            var (l0, h0, l1, h1, l2, h2, l3, h3) = (WideVector(), WideVector(), WideVector(), WideVector(),
                                                    WideVector(), WideVector(), WideVector(), WideVector())
            var (l4, h4, l5, h5, l6, h6, l7, h7) = (l0, h0, l1, h1, l2, h2, l3, h3)
            for v in 0..<classes {
                let w = weight + v * depth + column
                let (wLow, wHigh) = (loadWide(w), loadWide(w + 16))
                multiplyAdd(&l0, &h0, e[v], wLow, wHigh); multiplyAdd(&l1, &h1, e[32 + v], wLow, wHigh)
                multiplyAdd(&l2, &h2, e[64 + v], wLow, wHigh); multiplyAdd(&l3, &h3, e[96 + v], wLow, wHigh)
                multiplyAdd(&l4, &h4, e[128 + v], wLow, wHigh); multiplyAdd(&l5, &h5, e[160 + v], wLow, wHigh)
                multiplyAdd(&l6, &h6, e[192 + v], wLow, wHigh); multiplyAdd(&l7, &h7, e[224 + v], wLow, wHigh)
            }
            addRows(count, to: out, stride: depth, (l0, h0), (l1, h1), (l2, h2), (l3, h3), (l4, h4), (l5, h5), (l6, h6), (l7, h7))
        }
    }
}

/// The layout of `exponentiatedLogits`'s output: tiles of 32 classes, each [rows × 32]
/// with rows rounded up to 8 (the padding rows are never written), so that e[r, v] is at
/// `exponentialIndex(row: r, class: v, rows: rows)`. The logits' and the products'
/// loops read a tile as one contiguous block.
public func exponentialsTileStride(rows: Int) -> Int { (rows + 7) / 8 * 8 * 32 }

/// Floats `exponentiatedLogits` writes for `rows` rows of `classes` classes.
public func exponentialsCount(rows: Int, classes: Int) -> Int { paddedClassCount(classes) / 32 * exponentialsTileStride(rows: rows) }

/// Where e[row, class] is in `exponentiatedLogits`'s output.
@inline(__always)
public func exponentialIndex(row: Int, class v: Int, rows: Int) -> Int {
    v / 32 * exponentialsTileStride(rows: rows) + 32 * row + v % 32
}

/// `classes` rounded up to the kernel's tile of 32: the row length of the transposed
/// weight and the length of the bias that `exponentiatedLogits` reads.
public func paddedClassCount(_ classes: Int) -> Int { (classes + 31) & ~31 }
