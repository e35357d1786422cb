/// The weight gradient's product of a fused linear cross-entropy on AVX-512:
///
///     out[v, c] += Σ_r e[r, v]·a[r, c]      for classes v < `classes`, columns c < `columns`
///
/// with e the exponentials as `exponentiatedLogits` lays them out (tiles of 32 classes,
/// each [rows × 32]), a [rows × stride] (row-major: the inputs scaled by each row's
/// softmax factor, and with `extraColumn` that factor itself in column `columns`, for
/// the bias's gradient), into out [classes × stride]. It replaces `sgemm` with eᵀ, which
/// would first copy e into packed panels: each tile of e is already one contiguous block.
///
/// A tile of the product is 8 classes × 32 columns: 16 accumulators, eight broadcasts
/// of e and two loads of a per row. `columns` must be a multiple of 32. The caller must
/// check that the CPU has AVX-512F: this module is compiled for it.
@inline(never)
public func addTransposedProduct(exponentials e: UnsafePointer<Float>, rows: Int, classes: Int,
                                 inputs a: UnsafePointer<Float>, columns: Int, stride: Int, extraColumn: Bool,
                                 into out: UnsafeMutablePointer<Float>) {
    let tileStride = exponentialsTileStride(rows: rows)
    for first in Swift.stride(from: 0, to: classes, by: 8) {
        // Eight classes of one tile (a last group with fewer adds only its valid classes).
        let count = min(8, classes - first)
        let tile = e + first / 32 * tileStride + first % 32
        for column in Swift.stride(from: 0, to: columns, by: 32) {
            var (l0, h0, l1, h1, l2, h2, l3, h3) = (WideVector(), WideVector(), WideVector(), WideVector(),
                                                    WideVector(), WideVector(), WideVector(), WideVector())
            var (l4, h4, l5, h5, l6, h6, l7, h7) = (l0, h0, l1, h1, l2, h2, l3, h3)
            // The extra column rides along with the first 32 columns.
            let withExtra = extraColumn && column == 0
            var extra = SIMD8<Float>()
            for r in 0..<rows {
                let er = tile + 32 * r, ar = a + r * stride + column
                if withExtra {
                    extra = extra.addingProduct(SIMD8(repeating: a[r * stride + columns]),
                                                UnsafeRawPointer(er).loadUnaligned(as: SIMD8<Float>.self))
                }
                let (aLow, aHigh) = (loadWide(ar), loadWide(ar + 16))
                multiplyAdd(&l0, &h0, er[0], aLow, aHigh); multiplyAdd(&l1, &h1, er[1], aLow, aHigh)
                multiplyAdd(&l2, &h2, er[2], aLow, aHigh); multiplyAdd(&l3, &h3, er[3], aLow, aHigh)
                multiplyAdd(&l4, &h4, er[4], aLow, aHigh); multiplyAdd(&l5, &h5, er[5], aLow, aHigh)
                multiplyAdd(&l6, &h6, er[6], aLow, aHigh); multiplyAdd(&l7, &h7, er[7], aLow, aHigh)
            }
            let o = out + first * stride + column
            addRows(count, to: o, stride: stride, (l0, h0), (l1, h1), (l2, h2), (l3, h3), (l4, h4), (l5, h5), (l6, h6), (l7, h7))
            if withExtra {
                for j in 0..<count { out[(first + j) * stride + columns] += extra[j] }
            }
        }
    }
}
