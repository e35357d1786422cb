/// Indexing with integer tensors: `indexSelect` (embedding lookups), `gather` and
/// `scatterAdding` along an axis (as `torch.gather` / `torch.scatter_add`).
///
/// Derivatives: indexSelect and gather scatter-add their gradient back to the positions
/// they read (a row read twice gets both gradients); scatterAdding passes g to the base
/// and g gathered at the indices to the values.
extension Tensor {
    /// Slices along `axis` picked by `indices`: the result has shape
    /// `shape[..<axis] + indices.shape + shape[(axis+1)...]`. With a [V, D] table and
    /// [B, T] token ids along axis 0 this is an embedding lookup giving [B, T, D].
    public func indexSelect(_ indices: IntTensor, axis: Int = 0) -> Tensor {
        let a = normalizedAxis(axis, operation: "indexSelect")
        let (outer, size, inner) = splitAroundAxis(shape, a)
        let ids = indices.scalars
        if let bad = ids.first(where: { $0 < 0 || Int($0) >= size }) {
            shapeFailure("indexSelect", "index \(bad) out of range 0..<\(size) for axis \(axis) of shape \(shape)")
        }
        let n = ids.count
        let newShape = Array(shape[..<a]) + indices.shape + Array(shape[(a + 1)...])
        let out = TensorStorage(uninitializedCount: outer * n * inner)
        let source = storage.pointer
        ids.withUnsafeBufferPointer { idx in
            for o in 0..<outer {
                for (j, id) in idx.enumerated() {
                    (out.pointer + (o * n + j) * inner).update(from: source + (o * size + Int(id)) * inner, count: inner)
                }
            }
        }
        let original = shape
        return Tensor.result("indexSelect", shape: newShape, storage: out, inputs: [self]) { g, _ in
            let gradient = Tensor.zeros(original)
            let pg = g.storage.pointer, destination = gradient.storage.pointer
            ids.withUnsafeBufferPointer { idx in
                for o in 0..<outer {
                    for (j, id) in idx.enumerated() {
                        let row = destination + (o * size + Int(id)) * inner
                        zipVectors(row, pg + (o * n + j) * inner, row, count: inner) { $0 + $1 }
                    }
                }
            }
            return [gradient]
        }
    }

    /// `out[..., j, ...] = self[..., indices[..., j, ...], ...]` along `axis`: `indices` has
    /// this tensor's rank and its shape outside `axis` equals this tensor's.
    public func gather(_ indices: IntTensor, axis: Int) -> Tensor {
        let a = normalizedAxis(axis, operation: "gather")
        checkIndexShape(indices, axis: a, operation: "gather")
        let (outer, size, inner) = splitAroundAxis(shape, a)
        let picked = indices.shape[a]
        let out = TensorStorage(uninitializedCount: indices.count)
        let source = storage.pointer
        indices.scalars.withUnsafeBufferPointer { idx in
            for o in 0..<outer {
                for j in 0..<picked {
                    for i in 0..<inner {
                        let k = Int(idx[(o * picked + j) * inner + i])
                        if k < 0 || k >= size { shapeFailure("gather", "index \(k) out of range 0..<\(size) along axis \(axis) of shape \(shape)") }
                        out.pointer[(o * picked + j) * inner + i] = source[(o * size + k) * inner + i]
                    }
                }
            }
        }
        let original = shape
        return Tensor.result("gather", shape: indices.shape, storage: out, inputs: [self]) { g, _ in
            [Tensor.zeros(original).detached().scatterAdding(indices, g, axis: a)]
        }
    }

    /// This tensor plus `values` added at `indices` along `axis` (indices and values have
    /// equal shapes; repeated indices accumulate).
    public func scatterAdding(_ indices: IntTensor, _ values: Tensor, axis: Int) -> Tensor {
        let a = normalizedAxis(axis, operation: "scatterAdding")
        checkIndexShape(indices, axis: a, operation: "scatterAdding")
        if values.shape != indices.shape {
            shapeFailure("scatterAdding", "values shape \(values.shape) differs from indices shape \(indices.shape)")
        }
        let (outer, size, inner) = splitAroundAxis(shape, a)
        let picked = indices.shape[a]
        let out = TensorStorage(storage.buffer)
        let pv = values.storage.pointer
        indices.scalars.withUnsafeBufferPointer { idx in
            for o in 0..<outer {
                for j in 0..<picked {
                    for i in 0..<inner {
                        let k = Int(idx[(o * picked + j) * inner + i])
                        if k < 0 || k >= size { shapeFailure("scatterAdding", "index \(k) out of range 0..<\(size) along axis \(axis) of shape \(shape)") }
                        out.pointer[(o * size + k) * inner + i] += pv[(o * picked + j) * inner + i]
                    }
                }
            }
        }
        return Tensor.result("scatterAdd", shape: shape, storage: out, inputs: [self, values]) { g, needed in
            [needed[0] ? g : nil, needed[1] ? g.gather(indices, axis: a) : nil]
        }
    }

    private func checkIndexShape(_ indices: IntTensor, axis: Int, operation: String) {
        if indices.rank != rank || indices.shape.enumerated().contains(where: { $0.offset != axis && $0.element != shape[$0.offset] }) {
            shapeFailure(operation, "indices shape \(indices.shape) must match shape \(shape) outside axis \(axis)")
        }
    }
}
