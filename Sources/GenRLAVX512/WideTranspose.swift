// A 16 × 16 transposition in registers, for kernels that must turn rows into columns
// (the few-row product's operand and its results).

/// Transposes the 16 × 16 block `block` in place: `block[r]` holds row r, and afterwards
/// `block[c]` holds what was column c.
///
/// Four rounds of unzipping: each round puts, for i < 8, the even lanes of rows 2i and
/// 2i + 1 laid side by side into row i and their odd lanes into row i + 8. Written as the
/// 8-bit index r·16 + c of an element, a round rotates the index right by one bit, so four
/// rounds swap the row's four bits with the column's. Each unzip is one two-source
/// permutation (`vpermt2ps`): 64 for the block, instead of 256 single-lane moves.
@inline(__always)
func transpose16(_ block: UnsafeMutablePointer<WideVector>) {
    var rows = (block[0], block[1], block[2], block[3], block[4], block[5], block[6], block[7],
                block[8], block[9], block[10], block[11], block[12], block[13], block[14], block[15])
    for _ in 0..<4 { rows = unzipRound(rows) }
    (block[0], block[1], block[2], block[3], block[4], block[5], block[6], block[7]) =
        (rows.0, rows.1, rows.2, rows.3, rows.4, rows.5, rows.6, rows.7)
    (block[8], block[9], block[10], block[11], block[12], block[13], block[14], block[15]) =
        (rows.8, rows.9, rows.10, rows.11, rows.12, rows.13, rows.14, rows.15)
}

/// Sixteen rows of a block, kept in registers.
typealias WideBlock = (WideVector, WideVector, WideVector, WideVector, WideVector, WideVector, WideVector, WideVector,
                       WideVector, WideVector, WideVector, WideVector, WideVector, WideVector, WideVector, WideVector)

/// One round of `transpose16`: row i < 8 gets the even lanes of rows 2i and 2i + 1 side
/// by side, row i + 8 their odd lanes.
@inline(__always)
private func unzipRound(_ r: WideBlock) -> WideBlock {
    let (n0, n8) = unzip(r.0, r.1), (n1, n9) = unzip(r.2, r.3), (n2, n10) = unzip(r.4, r.5)
    let (n3, n11) = unzip(r.6, r.7), (n4, n12) = unzip(r.8, r.9), (n5, n13) = unzip(r.10, r.11)
    let (n6, n14) = unzip(r.12, r.13), (n7, n15) = unzip(r.14, r.15)
    return (n0, n1, n2, n3, n4, n5, n6, n7, n8, n9, n10, n11, n12, n13, n14, n15)
}

/// The even lanes and the odd lanes of `a` and `b` laid side by side.
@inline(__always)
private func unzip(_ a: WideVector, _ b: WideVector) -> (even: WideVector, odd: WideVector) {
    let pair = SIMD32<Float>(lowHalf: a, highHalf: b)
    return (pair.evenHalf, pair.oddHalf)
}

/// Transposes a 16 × 16 block of floats from `source` (row r at source + r·`sourceStride`,
/// the first `sourceRows` rows read, the rest taken as zeros) to `destination` (column c
/// of the source becomes the row at destination + c·`destinationStride`).
@inline(__always)
func transposeBlock(_ source: UnsafePointer<Float>, sourceStride: Int, sourceRows: Int,
                    into destination: UnsafeMutablePointer<Float>, destinationStride: Int) {
    withUnsafeTemporaryAllocation(of: WideVector.self, capacity: 16) { buffer in
        let block = buffer.baseAddress!
        for r in 0..<16 { block[r] = r < sourceRows ? loadWide(source + r * sourceStride) : WideVector() }
        transpose16(block)
        for c in 0..<16 { storeWide(block[c], destination + c * destinationStride) }
    }
}
