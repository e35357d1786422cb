/// Shape arithmetic shared by the operations: element counts, strides, broadcasting.

/// Number of elements of a shape.
@inline(__always)
func elementCount(_ shape: [Int]) -> Int { shape.reduce(1, *) }

/// Row-major strides of a shape (in elements).
func contiguousStrides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var running = 1
    for axis in stride(from: shape.count - 1, through: 0, by: -1) {
        strides[axis] = running
        running *= shape[axis]
    }
    return strides
}

/// The shape that `newShape` means for `count` elements, filling in one `-1`.
func resolveReshape(_ newShape: [Int], count: Int, from shape: [Int]) -> [Int] {
    let unknown = newShape.indices.filter { newShape[$0] == -1 }
    if unknown.count > 1 || newShape.contains(where: { $0 < -1 }) {
        shapeFailure("reshape", "invalid target shape \(newShape) for shape \(shape)")
    }
    var resolved = newShape
    if let axis = unknown.first {
        let known = newShape.filter { $0 != -1 }.reduce(1, *)
        if known == 0 || count % known != 0 {
            shapeFailure("reshape", "cannot reshape \(shape) (\(count) elements) to \(newShape)")
        }
        resolved[axis] = count / known
    }
    if elementCount(resolved) != count {
        shapeFailure("reshape", "cannot reshape \(shape) (\(count) elements) to \(newShape)")
    }
    return resolved
}

/// The broadcast of two shapes under NumPy's rules: align from the right; sizes must be
/// equal or one of them 1.
func broadcastShapes(_ a: [Int], _ b: [Int], operation: String) -> [Int] {
    if a == b { return a }
    let rank = max(a.count, b.count)
    var result = [Int](repeating: 1, count: rank)
    for i in 0..<rank {
        let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
        let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
        if da != db && da != 1 && db != 1 {
            shapeFailure(operation, "shapes \(a) and \(b) cannot be broadcast together (axis \(i - rank): \(da) vs \(db))")
        }
        result[i] = da == 1 ? db : da
    }
    return result
}

/// Strides for reading a tensor of `shape` as if it had `target` shape (broadcast axes get
/// stride 0). `shape` must broadcast to `target`.
func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
    let own = contiguousStrides(shape)
    let offset = target.count - shape.count
    return (0..<target.count).map { axis in
        axis < offset || shape[axis - offset] == 1 ? 0 : own[axis - offset]
    }
}

/// Splits a shape around `axis` into (outer, size, inner) element counts: the layout
/// every single-axis kernel works with.
func splitAroundAxis(_ shape: [Int], _ axis: Int) -> (outer: Int, size: Int, inner: Int) {
    let outer = shape[..<axis].reduce(1, *)
    let inner = shape[(axis + 1)...].reduce(1, *)
    return (outer, shape[axis], inner)
}
