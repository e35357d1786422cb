/// The arguments of one row-major product `C[m×n] = alpha · op(A) · op(B) + beta · C`, as
/// `MatrixMultiply.gemm` takes them (see there for what each one means), for code that
/// hands several products over at once (`MatrixMultiply.gemm(concurrently:)`), or that
/// adds a bias: with `bias` (n values, and beta 0), C = alpha · op(A) · op(B) + 1·biasᵀ, a
/// linear layer's x·Wᵀ + b in one call. The few-row kernel adds the bias as it stores its
/// results; the other paths write it into C first.
public struct MatrixProduct: @unchecked Sendable {
    // @unchecked: the pointers are the caller's; a product only reads A and B and writes C.
    /// Whether A and B are read transposed (op(X) = Xᵀ).
    public var transposeA: Bool, transposeB: Bool
    /// C is m × n; op(A) is m × k and op(B) k × n.
    public var m: Int, n: Int, k: Int
    /// The factor of the product.
    public var alpha: Float
    /// A and its row stride as stored.
    public var a: UnsafePointer<Float>, lda: Int
    /// B and its row stride as stored.
    public var b: UnsafePointer<Float>, ldb: Int
    /// The factor of C's previous content (0: C is overwritten, not read).
    public private(set) var beta: Float
    /// C and its row stride.
    public var c: UnsafeMutablePointer<Float>, ldc: Int
    /// A row of n values added to every row of C (nil for none); beta is then 0.
    public private(set) var bias: UnsafePointer<Float>?

    public init(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>? = nil) {
        MatrixMultiply.require(bias == nil || beta == 0, "gemm: a bias needs beta 0, got \(beta)")
        (self.transposeA, self.transposeB, self.m, self.n, self.k, self.alpha) = (transposeA, transposeB, m, n, k, alpha)
        (self.a, self.lda, self.b, self.ldb, self.beta, self.c, self.ldc) = (a, lda, b, ldb, beta, c, ldc)
        self.bias = bias
    }

    /// m·n·k.
    public var multiplyAdds: Int { m * n * k }

    /// Block `part` of `parts` of this product: a block of C's rows, or of its columns
    /// when C is wider than tall (so that the operand every block reads whole, and each
    /// block's `sgemm` packs again, is the smaller one), with edges at
    /// `MatrixMultiply.blockEdges`. Each element of C belongs to one block and is computed
    /// over the full depth, so the blocks give the product's result whoever computes them.
    public func block(_ part: Int, of parts: Int) -> MatrixProduct {
        var block = self
        let splitRows = m >= n
        let edges = MatrixMultiply.blockEdges(length: splitRows ? m : n, parts: parts)
        let start = edges[part], length = edges[part + 1] - start
        if splitRows {
            block.m = length
            block.a = a + (transposeA ? start : start * lda)
            block.c = c + start * ldc
        } else {
            block.n = length
            block.b = b + (transposeB ? start * ldb : start)
            block.c = c + start
            block.bias = bias.map { $0 + start }
        }
        return block
    }

    /// The same product with the bias written into C: C's rows set to the bias, beta 1 and
    /// no bias (itself when it has none).
    func biasWrittenIntoC() -> MatrixProduct {
        guard let bias else { return self }
        MatrixMultiply.checkArguments(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                                      lda: lda, ldb: ldb, ldc: ldc)
        Parallel.forEachChunk(m, grain: Swift.max(1, 32_768 / Swift.max(n, 1))) { rows in
            for row in rows { (c + row * ldc).update(from: bias, count: n) }
        }
        var product = self
        product.bias = nil
        product.beta = 1
        return product
    }
}
