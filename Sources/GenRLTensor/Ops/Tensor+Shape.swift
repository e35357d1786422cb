/// Operations that rearrange elements: reshape, broadcast, transpose and permute,
/// slicing and indexing along an axis, concatenate, stack and split.
///
/// Reshape shares storage; everything else copies into a new contiguous tensor. The
/// derivative of a rearrangement is the inverse rearrangement of the gradient (a slice
/// scatters its gradient into zeros, a broadcast sums it back, a permutation applies the
/// inverse permutation).
extension Tensor {
    // MARK: Reshape

    /// The same elements under a new shape (one entry may be −1); shares storage.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        let resolved = resolveReshape(newShape, count: count, from: shape)
        if resolved == shape { return self }
        let original = shape
        return Tensor.result("reshape", shape: resolved, storage: storage, inputs: [self]) { g, _ in
            [g.reshaped(original)]
        }
    }

    /// A rank-1 view of all elements.
    public func flattened() -> Tensor { reshaped([-1]) }

    /// Inserts an axis of size 1 at `axis`.
    public func expandingDimension(at axis: Int) -> Tensor {
        let a = axis < 0 ? axis + rank + 1 : axis
        if a < 0 || a > rank { shapeFailure("expandingDimension", "axis \(axis) out of range for shape \(shape)") }
        var newShape = shape
        newShape.insert(1, at: a)
        return reshaped(newShape)
    }

    /// Removes an axis of size 1.
    public func squeezing(axis: Int) -> Tensor {
        let a = normalizedAxis(axis, operation: "squeezing")
        if shape[a] != 1 { shapeFailure("squeezing", "axis \(axis) of shape \(shape) has size \(shape[a]), not 1") }
        var newShape = shape
        newShape.remove(at: a)
        return reshaped(newShape)
    }

    // MARK: Broadcast

    /// The elements repeated along broadcast axes to `target` shape.
    public func broadcasted(to target: [Int]) -> Tensor {
        if target == shape { return self }
        if broadcastShapes(shape, target, operation: "broadcasted") != target {
            shapeFailure("broadcasted", "shape \(shape) cannot be broadcast to \(target)")
        }
        let (_, out) = broadcastBinary(self, Tensor.zeros(target), operation: "broadcasted") { a, _ in a }
        let original = shape
        return Tensor.result("broadcast", shape: target, storage: out, inputs: [self]) { g, _ in
            [g.summed(toShape: original)]
        }
    }

    // MARK: Transpose and permute

    /// The axes reordered: result axis i is input axis `permutation[i]`.
    public func permuted(_ permutation: [Int]) -> Tensor {
        let axes = permutation.map { normalizedAxis($0, operation: "permuted") }
        if axes.sorted() != Array(0..<rank) {
            shapeFailure("permuted", "\(permutation) is not a permutation of the axes of shape \(shape)")
        }
        if axes == Array(0..<rank) { return self }
        let newShape = axes.map { shape[$0] }
        let sourceStrides = contiguousStrides(shape)
        let out = TensorStorage(uninitializedCount: count)
        copyStrided(from: storage.pointer, strides: axes.map { sourceStrides[$0] }, shape: newShape, to: out.pointer)
        var inverse = [Int](repeating: 0, count: rank)
        for (i, a) in axes.enumerated() { inverse[a] = i }
        return Tensor.result("permute", shape: newShape, storage: out, inputs: [self]) { g, _ in
            [g.permuted(inverse)]
        }
    }

    /// The last two axes swapped (a matrix transpose for rank 2).
    public func transposed() -> Tensor {
        if rank < 2 { shapeFailure("transposed", "needs at least 2 axes, shape is \(shape)") }
        return transposed(rank - 2, rank - 1)
    }

    /// Axes `a` and `b` swapped.
    public func transposed(_ a: Int, _ b: Int) -> Tensor {
        var axes = Array(0..<rank)
        axes.swapAt(normalizedAxis(a, operation: "transposed"), normalizedAxis(b, operation: "transposed"))
        return permuted(axes)
    }

    /// `axis` moved to the end, the others keeping their order.
    func movingAxisToEnd(_ axis: Int) -> Tensor {
        var axes = Array(0..<rank)
        axes.remove(at: axis)
        return permuted(axes + [axis])
    }

    // MARK: Slicing

    /// The elements with index in `range` along `axis`.
    public func sliced(axis: Int, _ range: Range<Int>) -> Tensor {
        let a = normalizedAxis(axis, operation: "sliced")
        if range.lowerBound < 0 || range.upperBound > shape[a] {
            shapeFailure("sliced", "range \(range) out of bounds for axis \(axis) of shape \(shape)")
        }
        let (outer, size, inner) = splitAroundAxis(shape, a)
        var newShape = shape
        newShape[a] = range.count
        let out = TensorStorage(uninitializedCount: outer * range.count * inner)
        for o in 0..<outer {
            (out.pointer + o * range.count * inner)
                .update(from: storage.pointer + (o * size + range.lowerBound) * inner, count: range.count * inner)
        }
        let original = shape
        return Tensor.result("slice", shape: newShape, storage: out, inputs: [self]) { g, _ in
            let gradient = Tensor.zeros(original)
            for o in 0..<outer {
                (gradient.storage.pointer + (o * size + range.lowerBound) * inner)
                    .update(from: g.storage.pointer + o * range.count * inner, count: range.count * inner)
            }
            return [gradient]
        }
    }

    /// The sub-tensor at `index` along `axis`, with that axis removed.
    public func selecting(axis: Int, index: Int) -> Tensor {
        let a = normalizedAxis(axis, operation: "selecting")
        let i = index < 0 ? index + shape[a] : index
        return sliced(axis: a, i..<(i + 1)).squeezing(axis: a)
    }

    /// Pieces of the given sizes along `axis`, which must add up to the axis' size.
    public func split(sizes: [Int], axis: Int) -> [Tensor] {
        let a = normalizedAxis(axis, operation: "split")
        if sizes.reduce(0, +) != shape[a] {
            shapeFailure("split", "sizes \(sizes) do not add up to \(shape[a]) along axis \(axis) of shape \(shape)")
        }
        var start = 0
        return sizes.map { size in
            defer { start += size }
            return sliced(axis: a, start..<(start + size))
        }
    }

    // MARK: Joining

    /// The tensors joined along an existing axis; other axes must agree.
    public static func concatenate(_ tensors: [Tensor], axis: Int) -> Tensor {
        guard let first = tensors.first else { shapeFailure("concatenate", "no tensors") }
        let a = first.normalizedAxis(axis, operation: "concatenate")
        for t in tensors where t.rank != first.rank || t.shape.enumerated().contains(where: { $0.offset != a && $0.element != first.shape[$0.offset] }) {
            shapeFailure("concatenate", "shapes \(tensors.map(\.shape)) differ outside axis \(axis)")
        }
        let sizes = tensors.map { $0.shape[a] }
        var newShape = first.shape
        newShape[a] = sizes.reduce(0, +)
        let (outer, _, inner) = splitAroundAxis(first.shape, a)
        let total = newShape[a]
        let out = TensorStorage(uninitializedCount: elementCount(newShape))
        var offset = 0
        for (t, size) in zip(tensors, sizes) {
            for o in 0..<outer {
                (out.pointer + (o * total + offset) * inner)
                    .update(from: t.storage.pointer + o * size * inner, count: size * inner)
            }
            offset += size
        }
        return result("concatenate", shape: newShape, storage: out, inputs: tensors) { g, needed in
            var start = 0
            return zip(sizes, needed).map { size, need in
                defer { start += size }
                return need ? g.sliced(axis: a, start..<(start + size)) : nil
            }
        }
    }

    /// The tensors, which must have equal shapes, stacked along a new axis.
    public static func stack(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        guard let first = tensors.first else { shapeFailure("stack", "no tensors") }
        if tensors.contains(where: { $0.shape != first.shape }) {
            shapeFailure("stack", "shapes differ: \(tensors.map(\.shape))")
        }
        return concatenate(tensors.map { $0.expandingDimension(at: axis) }, axis: axis)
    }
}

/// Copies a strided view (shape, strides in elements) into contiguous memory.
func copyStrided(from source: UnsafePointer<Float>, strides: [Int], shape: [Int], to destination: UnsafeMutablePointer<Float>) {
    let rank = shape.count
    if rank == 0 { destination[0] = source[0]; return }
    let inner = shape[rank - 1], innerStride = strides[rank - 1]
    let rows = shape.dropLast().reduce(1, *)
    if inner == 0 || rows == 0 { return }
    Parallel.forEachChunk(rows, grain: Swift.max(1, 16_384 / inner)) { range in
        var index = [Int](repeating: 0, count: rank - 1)
        var remainder = range.lowerBound
        var offset = 0
        for axis in stride(from: rank - 2, through: 0, by: -1) {
            index[axis] = remainder % shape[axis]
            remainder /= shape[axis]
            offset += index[axis] * strides[axis]
        }
        for row in range {
            let out = destination + row * inner
            if innerStride == 1 {
                out.update(from: source + offset, count: inner)
            } else {
                var s = offset
                for j in 0..<inner { out[j] = source[s]; s += innerStride }
            }
            // Advance the odometer over the outer axes.
            var axis = rank - 2
            while axis >= 0 {
                index[axis] += 1
                offset += strides[axis]
                if index[axis] < shape[axis] { break }
                offset -= strides[axis] * shape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }
}
