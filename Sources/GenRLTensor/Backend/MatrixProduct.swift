/// The arguments of one row-major product `C[m×n] = alpha · op(A) · op(B) + beta · C`, as
/// `MatrixMultiply.gemm` takes them (see there for what each one means), for code that
/// hands several products over at once (`MatrixMultiply.gemm(concurrently:)`).
public struct MatrixProduct: @unchecked Sendable {
    // @unchecked: the pointers are the caller's; a product only reads A and B and writes C.
    public var transposeA: Bool
    public var transposeB: Bool
    public var m: Int
    public var n: Int
    public var k: Int
    public var alpha: Float
    public var a: UnsafePointer<Float>
    public var lda: Int
    public var b: UnsafePointer<Float>
    public var ldb: Int
    public var beta: Float
    public var c: UnsafeMutablePointer<Float>
    public var ldc: Int

    public init(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        (self.transposeA, self.transposeB, self.m, self.n, self.k, self.alpha) = (transposeA, transposeB, m, n, k, alpha)
        (self.a, self.lda, self.b, self.ldb, self.beta, self.c, self.ldc) = (a, lda, b, ldb, beta, c, ldc)
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
        }
        return block
    }
}
