/// The loop behind every broadcasting binary operation.
///
/// Both operands are read through broadcast strides (0 along broadcast axes). Adjacent
/// axes that both operands traverse contiguously are merged first, so `[B, T, D] + [D]`
/// becomes B·T rows of D elements. Each row is then one vector loop: both operands
/// contiguous, or one of them a repeated scalar. Operands of the same shape skip the plan
/// (they would make a single row) and are split over threads by `zipInParallel`.

/// Element-wise `f(a, b)` of two tensors broadcast together, into new storage of the
/// broadcast shape.
func broadcastBinary(_ a: Tensor, _ b: Tensor, operation: String,
                     _ f: @escaping (FloatVector, FloatVector) -> FloatVector) -> (shape: [Int], storage: TensorStorage) {
    if a.shape == b.shape { return (a.shape, zipStorage(a, b, f)) }
    let shape = broadcastShapes(a.shape, b.shape, operation: operation)
    let out = TensorStorage(uninitializedCount: elementCount(shape))
    let plan = BroadcastPlan(shape: shape, aStrides: broadcastStrides(a.shape, to: shape),
                             bStrides: broadcastStrides(b.shape, to: shape))
    let pa = a.storage.pointer, pb = b.storage.pointer, po = out.pointer
    let rowLength = plan.rowLength
    let grain = max(1, 32_768 / max(rowLength, 1))
    Parallel.forEachChunk(plan.rowCount, grain: grain) { rows in
        for row in rows {
            let (offsetA, offsetB) = plan.offsets(ofRow: row)
            let destination = po + row * rowLength
            switch (plan.aInnerStride, plan.bInnerStride) {
            case (1, 1):
                zipVectors(pa + offsetA, pb + offsetB, destination, count: rowLength, f)
            case (1, 0):
                let scalarB = FloatVector(repeating: pb[offsetB])
                mapVectors(pa + offsetA, destination, count: rowLength) { f($0, scalarB) }
            case (0, 1):
                let scalarA = FloatVector(repeating: pa[offsetA])
                mapVectors(pb + offsetB, destination, count: rowLength) { f(scalarA, $0) }
            default:  // both repeated along the row
                let value = f(FloatVector(repeating: pa[offsetA]), FloatVector(repeating: pb[offsetB]))[0]
                destination.update(repeating: value, count: rowLength)
            }
        }
    }
    return (shape, out)
}

/// Rows of a broadcast iteration after merging axes.
struct BroadcastPlan {
    /// Merged outer axes (all but the innermost), their sizes and the operands' strides.
    let outerSizes: [Int]
    let outerStridesA: [Int]
    let outerStridesB: [Int]
    /// Length of the innermost merged axis and the operands' strides along it (0 or 1).
    let rowLength: Int
    let aInnerStride: Int
    let bInnerStride: Int
    /// Number of rows (product of the outer sizes).
    let rowCount: Int

    init(shape: [Int], aStrides: [Int], bStrides: [Int]) {
        // Drop size-1 axes, then merge axis i into i+1 when both operands step through
        // them as one contiguous (or one repeated) run.
        var sizes: [Int] = [], sa: [Int] = [], sb: [Int] = []
        for axis in shape.indices where shape[axis] != 1 {
            if let last = sizes.indices.last,
               sa[last] == aStrides[axis] * shape[axis], sb[last] == bStrides[axis] * shape[axis] {
                sizes[last] *= shape[axis]
                sa[last] = aStrides[axis]
                sb[last] = bStrides[axis]
            } else {
                sizes.append(shape[axis]); sa.append(aStrides[axis]); sb.append(bStrides[axis])
            }
        }
        if sizes.isEmpty { sizes = [1]; sa = [0]; sb = [0] }
        // The innermost axis must have strides 0 or 1 for the vector loops; otherwise it
        // is iterated as an outer axis with rows of length 1.
        if (sa.last! > 1) || (sb.last! > 1) {
            sizes.append(1); sa.append(0); sb.append(0)
        }
        rowLength = sizes.removeLast()
        aInnerStride = sa.removeLast()
        bInnerStride = sb.removeLast()
        outerSizes = sizes
        outerStridesA = sa
        outerStridesB = sb
        rowCount = sizes.reduce(1, *)
    }

    /// Offsets into the two operands where row `row` starts.
    @inline(__always)
    func offsets(ofRow row: Int) -> (Int, Int) {
        var remainder = row, offsetA = 0, offsetB = 0
        var axis = outerSizes.count - 1
        while axis >= 0 {
            let size = outerSizes[axis]
            let index = remainder % size
            remainder /= size
            offsetA += index * outerStridesA[axis]
            offsetB += index * outerStridesB[axis]
            axis -= 1
        }
        return (offsetA, offsetB)
    }
}

/// `f` of each element into new storage, split over threads for large tensors.
func mapStorage(_ x: Tensor, _ f: @escaping (FloatVector) -> FloatVector) -> TensorStorage {
    let out = TensorStorage(uninitializedCount: x.count)
    let source = x.storage.pointer, destination = out.pointer
    Parallel.forEachChunk(x.count / 8, grain: 4_096) { blocks in
        let start = blocks.lowerBound * 8
        let end = blocks.upperBound == x.count / 8 ? x.count : blocks.upperBound * 8
        mapVectors(source + start, destination + start, count: end - start, f)
    }
    if x.count < 8 { mapVectors(source, destination, count: x.count, f) }
    return out
}

/// `f` of corresponding elements of two equally shaped tensors into new storage.
func zipStorage(_ a: Tensor, _ b: Tensor, _ f: @escaping (FloatVector, FloatVector) -> FloatVector) -> TensorStorage {
    let out = TensorStorage(uninitializedCount: a.count)
    zipInParallel(a.storage.pointer, b.storage.pointer, out.pointer, count: a.count, f)
    return out
}

/// `destination[i] = f(a[i], b[i])` for `i < count`, split over threads in blocks of
/// eight floats for large buffers (from 65,536 floats on). `destination` may be `a` or
/// `b` (each element is read before it is written).
func zipInParallel(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ destination: UnsafeMutablePointer<Float>,
                   count: Int, _ f: @escaping (FloatVector, FloatVector) -> FloatVector) {
    Parallel.forEachChunk(count / 8, grain: 4_096) { blocks in
        let start = blocks.lowerBound * 8
        let end = blocks.upperBound == count / 8 ? count : blocks.upperBound * 8
        zipVectors(a + start, b + start, destination + start, count: end - start, f)
    }
    if count < 8 { zipVectors(a, b, destination, count: count, f) }
}
