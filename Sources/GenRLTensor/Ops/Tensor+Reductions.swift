import Foundation

/// Reductions over axes: sum, mean, max, min, argmax, logsumexp, variance.
///
/// Every reduction works on one axis at a time with the tensor viewed as
/// [outer, size, inner]; several axes are reduced one after another. Derivatives:
///   d sum = g broadcast back;  d mean = g/n broadcast back;
///   d max = g at the (first) position of the maximum, 0 elsewhere;
///   d logsumexp = g·softmax(x);  d var = g·2(x − x̄)/(n − correction).
extension Tensor {
    // MARK: Sum and mean

    /// Σ of all elements, a scalar.
    public func sum() -> Tensor { sum(alongAxes: Array(0..<rank)) }

    /// Σ along one axis.
    public func sum(axis: Int, keepingDimensions: Bool = false) -> Tensor {
        sum(alongAxes: [axis], keepingDimensions: keepingDimensions)
    }

    /// Σ along the given axes (all axes when empty is not intended: pass them).
    public func sum(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        let normalized = Set(axes.map { normalizedAxis($0, operation: "sum") }).sorted()
        var kept = shape
        var storage = self.storage
        var current = shape
        for axis in normalized {
            storage = sumAlongAxis(storage, shape: current, axis: axis)
            current[axis] = 1
            kept[axis] = 1
        }
        let outShape = keepingDimensions ? kept : shape.enumerated().filter { !normalized.contains($0.offset) }.map(\.element)
        let inputShape = shape
        return Tensor.result("sum", shape: outShape, storage: storage, inputs: [self]) { g, _ in
            [g.reshaped(kept).broadcasted(to: inputShape)]
        }
    }

    /// Mean of all elements, a scalar.
    public func mean() -> Tensor { mean(alongAxes: Array(0..<rank)) }

    /// Mean along one axis.
    public func mean(axis: Int, keepingDimensions: Bool = false) -> Tensor {
        mean(alongAxes: [axis], keepingDimensions: keepingDimensions)
    }

    /// Mean along the given axes.
    public func mean(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        let n = Set(axes.map { normalizedAxis($0, operation: "mean") }).reduce(1) { $0 * shape[$1] }
        return sum(alongAxes: axes, keepingDimensions: keepingDimensions) / Float(Swift.max(n, 1))
    }

    /// Variance along the given axes: Σ(x − x̄)² / (n − correction). `correction` 1 is the
    /// unbiased estimate (PyTorch's default), 0 the population variance (layer norm).
    public func variance(alongAxes axes: [Int], keepingDimensions: Bool = false, correction: Int = 1) -> Tensor {
        let n = Set(axes.map { normalizedAxis($0, operation: "variance") }).reduce(1) { $0 * shape[$1] }
        let centered = self - mean(alongAxes: axes, keepingDimensions: true)
        return centered.squared().sum(alongAxes: axes, keepingDimensions: keepingDimensions) / Float(Swift.max(n - correction, 1))
    }

    /// Variance of all elements.
    public func variance(correction: Int = 1) -> Tensor {
        variance(alongAxes: Array(0..<rank), correction: correction)
    }

    // MARK: Max, min, argmax

    /// The largest element along `axis`; the gradient goes to the first maximal position.
    public func max(axis: Int, keepingDimensions: Bool = false) -> Tensor {
        let a = normalizedAxis(axis, operation: "max")
        let (values, indices) = maxAlongAxis(self, axis: a)
        var kept = shape
        kept[a] = 1
        let outShape = keepingDimensions ? kept : shape.enumerated().filter { $0.offset != a }.map(\.element)
        let inputShape = shape
        return Tensor.result("max", shape: outShape, storage: values, inputs: [self]) { g, _ in
            let gradient = Tensor.zeros(inputShape)
            let (outer, size, inner) = splitAroundAxis(inputShape, a)
            let pg = g.storage.pointer, out = gradient.storage.pointer
            for o in 0..<outer {
                for i in 0..<inner {
                    let k = Int(indices[o * inner + i])
                    out[(o * size + k) * inner + i] = pg[o * inner + i]
                }
            }
            return [gradient]
        }
    }

    /// The largest element.
    public func max() -> Tensor { reshaped([-1]).max(axis: 0) }

    /// The smallest element along `axis`.
    public func min(axis: Int, keepingDimensions: Bool = false) -> Tensor {
        -(-self).max(axis: axis, keepingDimensions: keepingDimensions)
    }

    /// The index of the first largest element along `axis`.
    public func argmax(axis: Int) -> IntTensor {
        let a = normalizedAxis(axis, operation: "argmax")
        let (_, indices) = maxAlongAxis(self, axis: a)
        return IntTensor(indices, shape: shape.enumerated().filter { $0.offset != a }.map(\.element))
    }

    // MARK: Log-sum-exp

    /// log Σ exp(x) along `axis`, computed as m + log Σ exp(x − m) with m the maximum
    /// (a row that is all −∞ gives −∞).
    public func logSumExp(axis: Int, keepingDimensions: Bool = false) -> Tensor {
        let a = normalizedAxis(axis, operation: "logSumExp")
        if a != rank - 1 {
            let moved = movingAxisToEnd(a)
            let reduced = moved.logSumExp(axis: -1, keepingDimensions: false)
            if !keepingDimensions { return reduced }
            var kept = shape
            kept[a] = 1
            return reduced.reshaped(kept)
        }
        let (rows, width) = (count / Swift.max(shape[a], 1), shape[a])
        let out = TensorStorage(uninitializedCount: rows)
        let source = storage.pointer
        Parallel.forEachChunk(rows, grain: Swift.max(1, 16_384 / Swift.max(width, 1))) { range in
            for row in range {
                out.pointer[row] = logSumExpRow(source + row * width, count: width)
            }
        }
        var kept = shape
        kept[a] = 1
        let outShape = keepingDimensions ? kept : Array(shape.dropLast())
        return Tensor.result("logSumExp", shape: outShape, storage: out, inputs: [self]) { [self] g, _ in
            let probabilities = self.detached().softmax(axis: -1)
            return [probabilities * g.reshaped(kept)]
        }
    }
}

// MARK: - Kernels

/// Σ along `axis` of a tensor of `shape` held in `storage`; the axis keeps size 1.
func sumAlongAxis(_ storage: TensorStorage, shape: [Int], axis: Int) -> TensorStorage {
    let (outer, size, inner) = splitAroundAxis(shape, axis)
    let out = TensorStorage(uninitializedCount: outer * inner)
    let source = storage.pointer, destination = out.pointer
    if inner == 1 {
        Parallel.forEachChunk(outer, grain: Swift.max(1, 32_768 / Swift.max(size, 1))) { range in
            for o in range { destination[o] = sumVectors(source + o * size, count: size) }
        }
    } else if outer == 1 {
        sumOfRows(source, rows: size, columns: inner, into: destination)
    } else {
        // Tasks are blocks of columns of one outer index: whole rows when there are enough
        // of them for the threads, else each row cut in blocks.
        let blockWidth = outer >= Parallel.threadCount ? inner : columnBlockWidth(inner)
        let blocksPerRow = (inner + blockWidth - 1) / blockWidth
        Parallel.forEachChunk(outer * blocksPerRow, grain: Swift.max(1, 32_768 / Swift.max(size * blockWidth, 1))) { range in
            for task in range {
                let o = task / blocksPerRow, first = (task % blocksPerRow) * blockWidth
                let width = Swift.min(blockWidth, inner - first)
                let row = destination + o * inner + first
                let base = source + o * size * inner + first
                if size == 0 {
                    row.update(repeating: 0, count: width)
                    continue
                }
                row.update(from: base, count: width)
                for s in 1..<Swift.max(size, 1) {
                    zipVectors(row, base + s * inner, row, count: width) { $0 + $1 }
                }
            }
        }
    }
    return out
}

/// The column sums of a row-major `rows` × `columns` matrix (a bias's gradient: the
/// output gradient [rows, out] summed along axis 0). The rows are summed in blocks of
/// `sumOfRowsBlock`, the blocks spread over the threads, and the blocks' sums are added in
/// order: the result depends on the shape only, not on the thread count. Each thread reads
/// whole rows, the ones the operation before it most likely wrote (splitting by columns
/// instead had both threads read half of each other's rows, and took a third longer).
func sumOfRows(_ source: UnsafePointer<Float>, rows: Int, columns: Int, into destination: UnsafeMutablePointer<Float>) {
    guard rows > 0 else {
        destination.update(repeating: 0, count: columns)
        return
    }
    let blocks = (rows + sumOfRowsBlock - 1) / sumOfRowsBlock
    guard blocks > 1 else {
        sumOfRowBlock(source, rows: rows, columns: columns, into: destination)
        return
    }
    let partial = TensorStorage(uninitializedCount: blocks * columns)
    Parallel.forEachChunk(blocks, grain: Swift.max(1, 32_768 / Swift.max(sumOfRowsBlock * columns, 1))) { range in
        for block in range {
            let first = block * sumOfRowsBlock
            sumOfRowBlock(source + first * columns, rows: Swift.min(sumOfRowsBlock, rows - first), columns: columns,
                          into: partial.pointer + block * columns)
        }
    }
    destination.update(from: partial.pointer, count: columns)
    for block in 1..<blocks {
        zipVectors(destination, partial.pointer + block * columns, destination, count: columns) { $0 + $1 }
    }
}

/// Rows per block of `sumOfRows`.
let sumOfRowsBlock = 64

/// The column sums of `rows` ≥ 1 rows of `columns`, each column summed in row order: strips
/// of 32 columns kept in four vectors while the rows go by.
@inline(__always)
private func sumOfRowBlock(_ source: UnsafePointer<Float>, rows: Int, columns: Int,
                           into destination: UnsafeMutablePointer<Float>) {
    func load(_ p: UnsafePointer<Float>) -> FloatVector { UnsafeRawPointer(p).loadUnaligned(as: FloatVector.self) }
    func store(_ v: FloatVector, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: FloatVector.self) }
    var j = 0
    while j + 32 <= columns {
        var (s0, s1, s2, s3) = (load(source + j), load(source + j + 8), load(source + j + 16), load(source + j + 24))
        for r in 1..<rows {
            let row = source + r * columns + j
            s0 += load(row); s1 += load(row + 8); s2 += load(row + 16); s3 += load(row + 24)
        }
        store(s0, destination + j); store(s1, destination + j + 8); store(s2, destination + j + 16); store(s3, destination + j + 24)
        j += 32
    }
    while j < columns {
        var total = source[j]
        for r in 1..<rows { total += source[r * columns + j] }
        destination[j] = total
        j += 1
    }
}

/// The width of the blocks that split `columns` columns over the threads, for sums down
/// the columns of a matrix: an even share rounded up to a multiple of 8, at least 64.
func columnBlockWidth(_ columns: Int) -> Int {
    Swift.max(64, (columns / Parallel.threadCount + 7) & ~7)
}

/// Maximum values and their first indices along `axis`.
func maxAlongAxis(_ x: Tensor, axis: Int) -> (TensorStorage, [Int32]) {
    let (outer, size, inner) = splitAroundAxis(x.shape, axis)
    if size == 0 { shapeFailure("max", "cannot reduce an empty axis of shape \(x.shape)") }
    let values = TensorStorage(uninitializedCount: outer * inner)
    var indices = [Int32](repeating: 0, count: outer * inner)
    let source = x.storage.pointer
    indices.withUnsafeMutableBufferPointer { idx in
        let idxBase = idx.baseAddress!
        Parallel.forEachChunk(outer, grain: Swift.max(1, 16_384 / Swift.max(size * inner, 1))) { range in
            for o in range {
                for i in 0..<inner {
                    var best = source[o * size * inner + i], bestIndex = 0
                    for s in 1..<size {
                        let v = source[(o * size + s) * inner + i]
                        if v > best || (v.isNaN && !best.isNaN) { best = v; bestIndex = s }
                    }
                    values.pointer[o * inner + i] = best
                    idxBase[o * inner + i] = Int32(bestIndex)
                }
            }
        }
    }
    return (values, indices)
}

/// log Σ exp over one contiguous row.
@inline(__always)
func logSumExpRow(_ row: UnsafePointer<Float>, count: Int) -> Float {
    let m = maxVectors(row, count: count)
    if m == -.infinity || !m.isFinite { return m }
    let total = sumExpShifted(row, count: count, shift: m)
    return m + Foundation.log(total)
}

/// Replaces each xᵢ of a row by exp(xᵢ − shift) and returns their sum, vectorised.
@inline(__always)
func exponentiateShifted(_ row: UnsafeMutablePointer<Float>, count: Int, shift: Float) -> Float {
    let s = FloatVector(repeating: shift)
    var acc = FloatVector()
    var i = 0
    while i + 8 <= count {
        let e = VectorMath.exp(UnsafeRawPointer(row + i).loadUnaligned(as: FloatVector.self) - s)
        UnsafeMutableRawPointer(row + i).storeBytes(of: e, as: FloatVector.self)
        acc += e
        i += 8
    }
    if i < count {
        var v = FloatVector(repeating: -.infinity)
        for lane in 0..<(count - i) { v[lane] = row[i + lane] }
        let e = VectorMath.exp(v - s)
        for lane in 0..<(count - i) { row[i + lane] = e[lane] }
        acc += e
    }
    return acc.sum()
}

/// Replaces each xᵢ of a row by eᵢ = exp(xᵢ + bᵢ − shift), with `bias` b when given,
/// and returns Σeᵢ and max(xᵢ + bᵢ), in one pass. A maximum more than about 88 above the
/// shift makes some eᵢ overflow; the caller checks the returned maximum for that. A NaN
/// element gives a NaN sum (the maximum ignores it).
@inline(__always)
func exponentiateShiftedTrackingMaximum(_ row: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?, count: Int,
                                        shift: Float) -> (sum: Float, maximum: Float) {
    guard let bias else {
        return exponentiateShiftedTrackingMaximum(row, count: count, shift: shift, { _, v in v }, scalar: { _, x in x })
    }
    return exponentiateShiftedTrackingMaximum(row, count: count, shift: shift, { i, v in
        v + UnsafeRawPointer(bias + i).loadUnaligned(as: FloatVector.self)
    }, scalar: { i, x in x + bias[i] })
}

/// The pass above with the bias added by `addend(i, xᵢ…ᵢ₊₇)`, and by `scalar(i, xᵢ)` on
/// the tail.
@inline(__always)
private func exponentiateShiftedTrackingMaximum(_ row: UnsafeMutablePointer<Float>, count: Int, shift: Float,
                                                _ addend: (Int, FloatVector) -> FloatVector,
                                                scalar: (Int, Float) -> Float) -> (sum: Float, maximum: Float) {
    let s = FloatVector(repeating: shift)
    var acc = FloatVector(), best = FloatVector(repeating: -.infinity)
    var i = 0
    while i + 8 <= count {
        let v = addend(i, UnsafeRawPointer(row + i).loadUnaligned(as: FloatVector.self))
        let e = VectorMath.exp(v - s)
        UnsafeMutableRawPointer(row + i).storeBytes(of: e, as: FloatVector.self)
        acc += e
        best = VectorMath.maximum(best, v)
        i += 8
    }
    if i < count {
        var v = FloatVector(repeating: -.infinity)
        for lane in 0..<(count - i) { v[lane] = scalar(i + lane, row[i + lane]) }
        let e = VectorMath.exp(v - s)
        for lane in 0..<(count - i) { row[i + lane] = e[lane] }
        acc += e
        best = VectorMath.maximum(best, v)
    }
    return (acc.sum(), best.max())
}

/// Σ exp(x − shift) over a row, vectorised.
@inline(__always)
func sumExpShifted(_ row: UnsafePointer<Float>, count: Int, shift: Float) -> Float {
    let s = FloatVector(repeating: shift)
    var acc = FloatVector()
    var i = 0
    while i + 8 <= count {
        acc += VectorMath.exp(UnsafeRawPointer(row + i).loadUnaligned(as: FloatVector.self) - s)
        i += 8
    }
    if i < count {
        var v = FloatVector(repeating: -.infinity)
        for lane in 0..<(count - i) { v[lane] = row[i + lane] }
        acc += VectorMath.exp(v - s)
    }
    return acc.sum()
}
