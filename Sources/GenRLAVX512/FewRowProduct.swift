import GenRLCPrefetch

/// A matrix product with few rows and a transposed right operand, on AVX-512:
///
///     c[i, j] = addend[i·addendStride + j] + Σ_k x[i, k]·w[j, k]   (no addend when it is nil)
///
/// for rows i < `rows` ≤ 32 and columns j in `columns`: a linear layer's forward product
/// (w is the weight in PyTorch's [out, in] layout, row stride `ldw`) for a batch of up to
/// 32 rows, the shape of one step of cached decoding. `sgemm` copies all of w into packed
/// panels for every call, which is most of the work when x has 32 rows; here w is read
/// once, in place, and only x is rearranged: `xT` holds it transposed and padded,
/// xT[k·32 + i] = x[i, k] (0 for i ≥ rows), for `depth` values of k (`transposeForFewRows`
/// writes it).
///
/// A tile is 8 columns × 32 rows: 16 accumulators, two loads of xT and eight broadcasts
/// of w per k; while it runs, the next tile's rows of w are prefetched, a cache line every
/// other k (without it, reading w from memory halved the speed). Two tiles' results (16
/// columns) are transposed in registers and go to c a row of 16 at a time. The addend is C
/// itself (stride ldc) to accumulate, or a bias row (stride 0). Each result is a sum over k
/// in order, whatever the tiles and threads. The caller must check that the CPU has
/// AVX-512F: this module is compiled for it.
@inline(never)
public func fewRowProduct(transposedRows xT: UnsafePointer<Float>, rows: Int, depth: Int,
                          weights w: UnsafePointer<Float>, ldw: Int, columns: Range<Int>,
                          into c: UnsafeMutablePointer<Float>, ldc: Int,
                          adding addend: UnsafePointer<Float>?, addendStride: Int) {
    // Two tiles' results, column after column (32 floats each), before they go to c.
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 16 * 32) { buffer in
        let tiles = buffer.baseAddress!
        var j = columns.lowerBound
        while j + 16 <= columns.upperBound {
            productTile(xT, depth: depth, weights: w, ldw: ldw, firstColumn: j, prefetchEnd: columns.upperBound, into: tiles)
            productTile(xT, depth: depth, weights: w, ldw: ldw, firstColumn: j + 8, prefetchEnd: columns.upperBound,
                        into: tiles + 256)
            storeRows(tiles, rows: rows, into: c + j, ldc: ldc, adding: addend.map { $0 + j }, addendStride: addendStride)
            j += 16
        }
        if j + 8 <= columns.upperBound {
            productTile(xT, depth: depth, weights: w, ldw: ldw, firstColumn: j, prefetchEnd: columns.upperBound, into: tiles)
            storeColumns(tiles, count: 8, rows: rows, into: c + j, ldc: ldc, adding: addend.map { $0 + j }, addendStride: addendStride)
            j += 8
        }
        while j < columns.upperBound {
            var (low, high) = (WideVector(), WideVector())
            let wj = w + j * ldw
            for k in 0..<depth { multiplyAdd(&low, &high, wj[k], loadWide(xT + 32 * k), loadWide(xT + 32 * k + 16)) }
            storeWide(low, tiles)
            storeWide(high, tiles + 16)
            storeColumns(tiles, count: 1, rows: rows, into: c + j, ldc: ldc, adding: addend.map { $0 + j }, addendStride: addendStride)
            j += 1
        }
    }
}

/// One tile: columns `j..<j + 8` of the product for all 32 lanes of xT, written column
/// after column (32 floats each) to `tile`; the next tile's rows of w, below
/// `prefetchEnd`, are prefetched meanwhile.
@inline(__always)
private func productTile(_ xT: UnsafePointer<Float>, depth: Int, weights w: UnsafePointer<Float>, ldw: Int,
                         firstColumn j: Int, prefetchEnd: Int, into tile: UnsafeMutablePointer<Float>) {
    var (l0, h0, l1, h1, l2, h2, l3, h3) = (WideVector(), WideVector(), WideVector(), WideVector(),
                                            WideVector(), WideVector(), WideVector(), WideVector())
    var (l4, h4, l5, h5, l6, h6, l7, h7) = (l0, h0, l1, h1, l2, h2, l3, h3)
    let w0 = w + j * ldw, w1 = w0 + ldw, w2 = w1 + ldw, w3 = w2 + ldw
    let w4 = w3 + ldw, w5 = w4 + ldw, w6 = w5 + ldw, w7 = w6 + ldw
    // The next tile's rows, one line (16 floats) of one row every other k: 8 rows of
    // depth floats are depth / 2 lines.
    var (prefetchRow, prefetchOffset) = (j + 8, 0)
    for k in 0..<depth {
        if k & 1 == 0, prefetchRow < prefetchEnd {
            genrl_prefetch(w + prefetchRow * ldw + prefetchOffset)
            prefetchOffset += 16
            if prefetchOffset >= depth { (prefetchRow, prefetchOffset) = (prefetchRow + 1, 0) }
        }
        let (low, high) = (loadWide(xT + 32 * k), loadWide(xT + 32 * k + 16))
        multiplyAdd(&l0, &h0, w0[k], low, high); multiplyAdd(&l1, &h1, w1[k], low, high)
        multiplyAdd(&l2, &h2, w2[k], low, high); multiplyAdd(&l3, &h3, w3[k], low, high)
        multiplyAdd(&l4, &h4, w4[k], low, high); multiplyAdd(&l5, &h5, w5[k], low, high)
        multiplyAdd(&l6, &h6, w6[k], low, high); multiplyAdd(&l7, &h7, w7[k], low, high)
    }
    storeWide(l0, tile); storeWide(h0, tile + 16); storeWide(l1, tile + 32); storeWide(h1, tile + 48)
    storeWide(l2, tile + 64); storeWide(h2, tile + 80); storeWide(l3, tile + 96); storeWide(h3, tile + 112)
    storeWide(l4, tile + 128); storeWide(h4, tile + 144); storeWide(l5, tile + 160); storeWide(h5, tile + 176)
    storeWide(l6, tile + 192); storeWide(h6, tile + 208); storeWide(l7, tile + 224); storeWide(h7, tile + 240)
}

/// `xT[k·32 + i] = x[i, k]` for i < `rows` ≤ 32 and k < `depth` (x row-major with row
/// stride `ldx`), and 0 for rows `rows..<32`: the left operand as `fewRowProduct` reads it.
/// Blocks of 16 rows × 16 values of k are transposed in registers (`transposeBlock`).
public func transposeForFewRows(_ x: UnsafePointer<Float>, rows: Int, depth: Int, ldx: Int,
                                into xT: UnsafeMutablePointer<Float>) {
    var k = 0
    while k + 16 <= depth {
        for first in stride(from: 0, to: 32, by: 16) {
            transposeBlock(x + first * ldx + k, sourceStride: ldx, sourceRows: max(0, min(16, rows - first)),
                           into: xT + 32 * k + first, destinationStride: 32)
        }
        k += 16
    }
    for k in k..<depth {
        for i in 0..<32 { xT[32 * k + i] = i < rows ? x[i * ldx + k] : 0 }
    }
}

/// Writes 16 columns of results, `tiles` (32 floats per column, row i at lane i), into 16
/// consecutive columns of c for the first `rows` rows, each added to the addend's element
/// (rows `addendStride` apart) when there is one: each half of the rows is transposed in
/// registers and goes to c a row of 16 at a time.
@inline(__always)
private func storeRows(_ tiles: UnsafePointer<Float>, rows: Int, into c: UnsafeMutablePointer<Float>, ldc: Int,
                       adding addend: UnsafePointer<Float>?, addendStride: Int) {
    withUnsafeTemporaryAllocation(of: WideVector.self, capacity: 16) { buffer in
        let block = buffer.baseAddress!
        for first in stride(from: 0, to: rows, by: 16) {
            for column in 0..<16 { block[column] = loadWide(tiles + 32 * column + first) }
            transpose16(block)
            for r in 0..<Swift.min(16, rows - first) {
                let i = first + r
                storeWide(addend.map { loadWide($0 + i * addendStride) + block[r] } ?? block[r], c + i * ldc)
            }
        }
    }
}

/// Writes `count` columns of a tile (32 floats each in `tile`, row i at lane i) into
/// consecutive columns of c for the first `rows` rows, each added to the addend's element
/// when there is one.
@inline(__always)
private func storeColumns(_ tile: UnsafePointer<Float>, count: Int, rows: Int, into c: UnsafeMutablePointer<Float>,
                          ldc: Int, adding addend: UnsafePointer<Float>?, addendStride: Int) {
    for i in 0..<rows {
        let row = c + i * ldc
        for column in 0..<count {
            let value = tile[32 * column + i]
            row[column] = addend.map { $0[i * addendStride + column] + value } ?? value
        }
    }
}
