import Foundation

/// The matrix product in plain Swift, used when no BLAS library is found.
///
/// It follows the blocked layout of Goto & van de Geijn, "Anatomy of high-performance
/// matrix multiplication" (ACM TOMS 2008), as refined by BLIS (Van Zee & van de Geijn,
/// 2015): C is updated in tiles of `tileRows × tileColumns` by a micro-kernel that keeps
/// the tile in SIMD registers and, per step of the shared dimension, broadcasts one
/// element of A against one row of B (`tileRows` fused multiply-adds of 16 lanes).
/// Around it, five loops walk over blocks sized for the caches:
///
/// ```
/// for jc in columns of C, step blockColumns        (packed B block: L3)
///   for pc in depth, step blockDepth               pack B[pc, jc] into column panels
///     for ic in rows of C, step blockRows          pack A[ic, pc] into row panels (L2)
///       for jr in the block's columns, step 16     one panel of B (L1)
///         for ir in the block's rows, step 6       micro-kernel: C[ir, jr] += A·B
/// ```
///
/// Packing copies each block into the order the micro-kernel reads it, so the kernel
/// streams contiguous memory whatever the transposes and leading dimensions. Threads
/// take disjoint rectangles of C (split along the larger of m and n); every element of
/// C is summed in the same order for any thread count, so results are bitwise
/// reproducible across `GENRL_THREADS` settings.
enum PortableGEMM {
    /// Rows of C per micro-kernel tile (broadcasts of A per step).
    static let tileRows = 6
    /// Columns of C per micro-kernel tile (one `SIMD16<Float>`, two AVX registers).
    static let tileColumns = 16
    /// Largest slice of the shared dimension per packed block: a B panel of
    /// `blockDepth × 16` floats (16 KiB) stays in the L1 cache.
    static let blockDepth = 256
    /// Largest number of rows of A per packed block: `blockRows × blockDepth` floats
    /// (about 190 KiB) stay in the L2 cache.
    static let blockRows = 192
    /// Largest number of columns of B per packed block (2 MiB at full depth). Each block
    /// limit is a multiple of its tile size, so packed blocks never exceed the buffers.
    static let blockColumns = 2048
    /// Multiply-adds below which a product runs on one thread.
    static let multiplyAddsPerTask = 1 << 19

    /// Row-major `C[m×n] = alpha · op(A) · op(B) + beta · C`; see `MatrixMultiply.gemm`.
    static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        if k == 0 || alpha == 0 {
            scale(c, rows: 0..<m, columns: 0..<n, ldc: ldc, by: beta)
            return
        }
        let left = StridedMatrix(base: a, rowStride: transposeA ? 1 : lda, columnStride: transposeA ? lda : 1)
        let right = StridedMatrix(base: b, rowStride: transposeB ? 1 : ldb, columnStride: transposeB ? ldb : 1)
        if n == 1 {
            // C's column = op(A) · (op(B)'s column).
            MatrixVectorProduct(matrix: left, rows: m, depth: k, alpha: alpha, beta: beta)
                .compute(vector: b, vectorStride: right.rowStride, result: c, resultStride: ldc)
            return
        }
        if m == 1 {
            // C's row = op(B)ᵀ · (op(A)'s row).
            let rightTransposed = StridedMatrix(base: b, rowStride: right.columnStride, columnStride: right.rowStride)
            MatrixVectorProduct(matrix: rightTransposed, rows: n, depth: k, alpha: alpha, beta: beta)
                .compute(vector: a, vectorStride: left.columnStride, result: c, resultStride: 1)
            return
        }
        let product = BlockedProduct(left: left, right: right, c: c, ldc: ldc, depth: k, alpha: alpha, beta: beta)

        let (rowTasks, columnTasks) = taskGrid(m: m, n: n, k: k)
        Parallel.forEachTask(rowTasks * columnTasks) { task in
            let rows = Parallel.chunkRange(task / columnTasks, of: rowTasks, count: (m + tileRows - 1) / tileRows)
            let columns = Parallel.chunkRange(task % columnTasks, of: columnTasks, count: (n + tileColumns - 1) / tileColumns)
            product.compute(
                rows: rows.lowerBound * tileRows..<min(m, rows.upperBound * tileRows),
                columns: columns.lowerBound * tileColumns..<min(n, columns.upperBound * tileColumns))
        }
    }

    /// How many row and column slices of C the threads take. Each thread packs the
    /// whole operand along the dimension it does not split, so the split goes along the
    /// larger dimension to keep that duplicated packing small.
    static func taskGrid(m: Int, n: Int, k: Int) -> (rows: Int, columns: Int) {
        let rowTiles = (m + tileRows - 1) / tileRows, columnTiles = (n + tileColumns - 1) / tileColumns
        let work = Double(m) * Double(n) * Double(k) / Double(multiplyAddsPerTask)
        let affordable = max(1, min(Parallel.threadCount, Int(min(work, 1e6))))
        var best = (rows: 1, columns: 1), bestCost = (tasks: 1, packing: Double.infinity)
        for rows in 1...min(affordable, rowTiles) {
            let columns = min(affordable / rows, columnTiles)
            let cost = (tasks: rows * columns, packing: Double(m * k * columns + k * n * rows))
            if cost.tasks > bestCost.tasks || (cost.tasks == bestCost.tasks && cost.packing < bestCost.packing) {
                (best, bestCost) = ((rows, columns), cost)
            }
        }
        return best
    }

    /// `C[rows, columns] *= beta`, writing zeros when `beta == 0` (even over NaN).
    static func scale(_ c: UnsafeMutablePointer<Float>, rows: Range<Int>, columns: Range<Int>, ldc: Int, by beta: Float) {
        guard beta != 1 else { return }
        for i in rows {
            let row = c + i * ldc
            for j in columns { row[j] = beta == 0 ? 0 : beta * row[j] }
        }
    }

    /// Splits `total` into near-equal blocks of at most `limit`, each a multiple of
    /// `multiple` except the last, so that no block is a thin remainder.
    static func blockSize(_ total: Int, limit: Int, multiple: Int) -> Int {
        let blocks = (total + limit - 1) / limit
        let size = (total + blocks - 1) / blocks
        return min(limit, (size + multiple - 1) / multiple * multiple)
    }
}

/// A matrix read through element strides: element `(row, column)` is at
/// `base[row * rowStride + column * columnStride]`. A transposed operand is the same
/// memory with the two strides swapped.
struct StridedMatrix {
    let base: UnsafePointer<Float>
    let rowStride: Int
    let columnStride: Int
}

/// One product's operands, shared read-only by the threads that compute its slices.
struct BlockedProduct: @unchecked Sendable {
    let left: StridedMatrix
    let right: StridedMatrix
    let c: UnsafeMutablePointer<Float>
    let ldc: Int
    let depth: Int
    let alpha: Float
    let beta: Float

    /// Computes the rectangle `C[rows, columns]`, packing into buffers from the pool.
    func compute(rows: Range<Int>, columns: Range<Int>) {
        guard !rows.isEmpty, !columns.isEmpty else { return }
        let tileRows = PortableGEMM.tileRows, tileColumns = PortableGEMM.tileColumns
        let depthStep = PortableGEMM.blockSize(depth, limit: PortableGEMM.blockDepth, multiple: 8)
        let rowStep = PortableGEMM.blockSize(rows.count, limit: PortableGEMM.blockRows, multiple: tileRows)
        let columnStep = PortableGEMM.blockSize(columns.count, limit: PortableGEMM.blockColumns, multiple: tileColumns)
        PackingWorkspace.shared.withBuffers { packedA, packedB in
            compute(rows: rows, columns: columns, depthStep: depthStep, rowStep: rowStep, columnStep: columnStep,
                    packedA: packedA, packedB: packedB)
        }
    }

    /// The five loops of `PortableGEMM` over one rectangle of C.
    func compute(
        rows: Range<Int>, columns: Range<Int>, depthStep: Int, rowStep: Int, columnStep: Int,
        packedA: UnsafeMutablePointer<Float>, packedB: UnsafeMutablePointer<Float>
    ) {
        let tileRows = PortableGEMM.tileRows, tileColumns = PortableGEMM.tileColumns
        for jc in stride(from: columns.lowerBound, to: columns.upperBound, by: columnStep) {
            let blockColumns = jc..<min(columns.upperBound, jc + columnStep)
            for pc in stride(from: 0, to: depth, by: depthStep) {
                let blockDepth = pc..<min(depth, pc + depthStep)
                let blockBeta: Float = pc == 0 ? beta : 1
                packColumnPanels(of: right, depth: blockDepth, columns: blockColumns, into: packedB)
                for ic in stride(from: rows.lowerBound, to: rows.upperBound, by: rowStep) {
                    let blockRows = ic..<min(rows.upperBound, ic + rowStep)
                    packRowPanels(of: left, rows: blockRows, depth: blockDepth, into: packedA)
                    for jr in stride(from: 0, to: blockColumns.count, by: tileColumns) {
                        let panelB = packedB + jr * blockDepth.count
                        let width = min(tileColumns, blockColumns.count - jr)
                        for ir in stride(from: 0, to: blockRows.count, by: tileRows) {
                            multiplyTile(
                                depth: blockDepth.count, panelA: packedA + ir * blockDepth.count, panelB: panelB,
                                c: c + (ic + ir) * ldc + jc + jr, height: min(tileRows, blockRows.count - ir),
                                width: width, beta: blockBeta)
                        }
                    }
                }
            }
        }
    }

    /// Copies `op(A)[rows, depth]` into panels of 6 rows; within a panel, the 6
    /// elements of each depth step are adjacent. Rows past the end are zero.
    func packRowPanels(of a: StridedMatrix, rows: Range<Int>, depth: Range<Int>, into packed: UnsafeMutablePointer<Float>) {
        PanelPacking.packBlock(
            from: a.base + rows.lowerBound * a.rowStride + depth.lowerBound * a.columnStride,
            lineStride: a.rowStride, stepStride: a.columnStride,
            lines: rows.count, steps: depth.count, width: PortableGEMM.tileRows, into: packed)
    }

    /// Copies `op(B)[depth, columns]` into panels of 16 columns; within a panel, the 16
    /// elements of each depth step are adjacent. Columns past the end are zero.
    func packColumnPanels(of b: StridedMatrix, depth: Range<Int>, columns: Range<Int>, into packed: UnsafeMutablePointer<Float>) {
        PanelPacking.packBlock(
            from: b.base + depth.lowerBound * b.rowStride + columns.lowerBound * b.columnStride,
            lineStride: b.columnStride, stepStride: b.rowStride,
            lines: columns.count, steps: depth.count, width: PortableGEMM.tileColumns, into: packed)
    }

    /// The micro-kernel: `C[6×16 tile] = alpha · Apanel · Bpanel + beta · C`, with the
    /// tile's 6 rows held in `SIMD16<Float>` accumulators (12 AVX registers). Only the
    /// top-left `height × width` part of the tile is written.
    @inline(__always)
    func multiplyTile(
        depth steps: Int, panelA: UnsafePointer<Float>, panelB: UnsafePointer<Float>,
        c tile: UnsafeMutablePointer<Float>, height: Int, width: Int, beta: Float
    ) {
        typealias Row = SIMD16<Float>
        var c0 = Row(), c1 = Row(), c2 = Row(), c3 = Row(), c4 = Row(), c5 = Row()
        var a = panelA, b = UnsafeRawPointer(panelB)
        for _ in 0..<steps {
            let bRow = b.loadUnaligned(as: Row.self)
            c0.addProduct(a[0], bRow)
            c1.addProduct(a[1], bRow)
            c2.addProduct(a[2], bRow)
            c3.addProduct(a[3], bRow)
            c4.addProduct(a[4], bRow)
            c5.addProduct(a[5], bRow)
            a += 6
            b += MemoryLayout<Row>.stride
        }
        if height == 6 && width == 16 {
            update(tile, with: c0, beta: beta)
            update(tile + ldc, with: c1, beta: beta)
            update(tile + 2 * ldc, with: c2, beta: beta)
            update(tile + 3 * ldc, with: c3, beta: beta)
            update(tile + 4 * ldc, with: c4, beta: beta)
            update(tile + 5 * ldc, with: c5, beta: beta)
            return
        }
        let sums = (c0, c1, c2, c3, c4, c5)
        withUnsafeBytes(of: sums) { raw in
            for r in 0..<height {
                let destination = tile + r * ldc
                for j in 0..<width {
                    let value = alpha * raw.load(fromByteOffset: (r * 16 + j) * MemoryLayout<Float>.stride, as: Float.self)
                    destination[j] = beta == 0 ? value : value.addingProduct(beta, destination[j])
                }
            }
        }
    }

    /// One full row of a tile: `C[0..<16] = alpha · sum + beta · C[0..<16]`.
    @inline(__always)
    func update(_ destination: UnsafeMutablePointer<Float>, with sum: SIMD16<Float>, beta: Float) {
        let raw = UnsafeMutableRawPointer(destination)
        var value = alpha * sum
        if beta != 0 { value.addProduct(beta, raw.loadUnaligned(as: SIMD16<Float>.self)) }
        raw.storeBytes(of: value, as: SIMD16<Float>.self)
    }
}

/// Copies a block of an operand into panels in the order the micro-kernel reads them.
///
/// A block is `lines` lines (rows of A or columns of B) over `steps` depth steps; line
/// `l` at step `p` is read from `source[l · lineStride + p · stepStride]`. Panel `q`
/// holds lines `q·width ..< (q+1)·width`, step after step: line `l` of step `p` goes to
/// `packed[q · width · steps + p · width + (l - q·width)]`; lines past `lines` are zero.
///
/// When each step's elements are contiguous (A transposed, or B as stored), a panel's
/// steps are copied with vector moves; when the lines are contiguous along the depth (A
/// as stored, or B transposed), a panel is built from 8 × 8 blocks transposed in
/// registers. (Copying a whole block step by step, to read memory strictly in order,
/// measured slower: its writes scatter over all the panels.)
enum PanelPacking {
    typealias Vector = SIMD8<Float>
    typealias Block = (Vector, Vector, Vector, Vector, Vector, Vector, Vector, Vector)

    /// Packs the block described above into `packed`, which has room for
    /// `width × steps` floats per panel.
    static func packBlock(
        from source: UnsafePointer<Float>, lineStride: Int, stepStride: Int,
        lines: Int, steps: Int, width: Int, into packed: UnsafeMutablePointer<Float>
    ) {
        for first in stride(from: 0, to: lines, by: width) {
            let panel = packed + first * steps, panelSource = source + first * lineStride
            let count = min(width, lines - first)
            if count == width && lineStride == 1 {
                for p in 0..<steps { copy(from: panelSource + p * stepStride, to: panel + p * width, count: width) }
            } else if count == width && stepStride == 1 {
                var p = 0
                while p + 8 <= steps {
                    for group in stride(from: 0, to: width, by: 8) {
                        transposeBlock(
                            from: panelSource + group * lineStride + p, lineStride: lineStride,
                            lines: min(8, width - group), into: panel + p * width + group, width: width)
                    }
                    p += 8
                }
                packScalar(from: panelSource, lineStride: lineStride, stepStride: 1, lines: count, steps: p..<steps, width: width, into: panel)
            } else {
                packScalar(from: panelSource, lineStride: lineStride, stepStride: stepStride,
                           lines: count, steps: 0..<steps, width: width, into: panel)
            }
        }
    }

    /// Copies `count` floats with the widest vector moves that fit.
    @inline(__always)
    static func copy(from source: UnsafePointer<Float>, to destination: UnsafeMutablePointer<Float>, count: Int) {
        let from = UnsafeRawPointer(source), to = UnsafeMutableRawPointer(destination), bytes = 4 * count
        var offset = 0
        while offset + 32 <= bytes {
            to.storeBytes(of: from.loadUnaligned(fromByteOffset: offset, as: Vector.self), toByteOffset: offset, as: Vector.self)
            offset += 32
        }
        if offset + 16 <= bytes {
            to.storeBytes(of: from.loadUnaligned(fromByteOffset: offset, as: SIMD4<Float>.self), toByteOffset: offset, as: SIMD4<Float>.self)
            offset += 16
        }
        if offset + 8 <= bytes {
            to.storeBytes(of: from.loadUnaligned(fromByteOffset: offset, as: SIMD2<Float>.self), toByteOffset: offset, as: SIMD2<Float>.self)
            offset += 8
        }
        if offset < bytes {
            to.storeBytes(of: from.loadUnaligned(fromByteOffset: offset, as: Float.self), toByteOffset: offset, as: Float.self)
        }
    }

    /// The element-by-element packing of steps `steps`, for partial panels and remainders.
    static func packScalar(
        from source: UnsafePointer<Float>, lineStride: Int, stepStride: Int,
        lines: Int, steps: Range<Int>, width: Int, into panel: UnsafeMutablePointer<Float>
    ) {
        for p in steps {
            for line in 0..<width {
                panel[p * width + line] = line < lines ? source[line * lineStride + p * stepStride] : 0
            }
        }
    }

    /// Transposes 8 depth steps of `lines` (6 or 8) contiguous lines into 8 rows of the
    /// panel, writing `lines` elements per row; missing lines read as zero.
    @inline(__always)
    static func transposeBlock(
        from source: UnsafePointer<Float>, lineStride: Int, lines: Int,
        into destination: UnsafeMutablePointer<Float>, width: Int
    ) {
        let raw = UnsafeRawPointer(source), stride = 4 * lineStride
        @inline(__always) func line(_ index: Int) -> Vector {
            index < lines ? raw.loadUnaligned(fromByteOffset: index * stride, as: Vector.self) : Vector()
        }
        let block = transposed((line(0), line(1), line(2), line(3), line(4), line(5), line(6), line(7)))
        @inline(__always) func store(_ row: Vector, _ step: Int) {
            let to = UnsafeMutableRawPointer(destination + step * width)
            if lines == 8 {
                to.storeBytes(of: row, as: Vector.self)
            } else {
                to.storeBytes(of: row.lowHalf, as: SIMD4<Float>.self)
                to.storeBytes(of: SIMD2(row[4], row[5]), toByteOffset: 16, as: SIMD2<Float>.self)
            }
        }
        store(block.0, 0); store(block.1, 1); store(block.2, 2); store(block.3, 3)
        store(block.4, 4); store(block.5, 5); store(block.6, 6); store(block.7, 7)
    }

    /// The transpose of an 8 × 8 block held as 8 rows, by the usual three rounds of
    /// lane shuffles: interleave pairs of rows, then pairs of pairs, then 128-bit halves.
    @inline(__always)
    static func transposed(_ r: Block) -> Block {
        func interleaveLow(_ a: Vector, _ b: Vector) -> Vector { Vector(a[0], b[0], a[1], b[1], a[4], b[4], a[5], b[5]) }
        func interleaveHigh(_ a: Vector, _ b: Vector) -> Vector { Vector(a[2], b[2], a[3], b[3], a[6], b[6], a[7], b[7]) }
        func pairsLow(_ a: Vector, _ b: Vector) -> Vector { Vector(a[0], a[1], b[0], b[1], a[4], a[5], b[4], b[5]) }
        func pairsHigh(_ a: Vector, _ b: Vector) -> Vector { Vector(a[2], a[3], b[2], b[3], a[6], a[7], b[6], b[7]) }
        func lowHalves(_ a: Vector, _ b: Vector) -> Vector { Vector(lowHalf: a.lowHalf, highHalf: b.lowHalf) }
        func highHalves(_ a: Vector, _ b: Vector) -> Vector { Vector(lowHalf: a.highHalf, highHalf: b.highHalf) }
        let t0 = interleaveLow(r.0, r.1), t1 = interleaveHigh(r.0, r.1)
        let t2 = interleaveLow(r.2, r.3), t3 = interleaveHigh(r.2, r.3)
        let t4 = interleaveLow(r.4, r.5), t5 = interleaveHigh(r.4, r.5)
        let t6 = interleaveLow(r.6, r.7), t7 = interleaveHigh(r.6, r.7)
        let s0 = pairsLow(t0, t2), s1 = pairsHigh(t0, t2), s2 = pairsLow(t1, t3), s3 = pairsHigh(t1, t3)
        let s4 = pairsLow(t4, t6), s5 = pairsHigh(t4, t6), s6 = pairsLow(t5, t7), s7 = pairsHigh(t5, t7)
        return (lowHalves(s0, s4), lowHalves(s1, s5), lowHalves(s2, s6), lowHalves(s3, s7),
                highHalves(s0, s4), highHalves(s1, s5), highHalves(s2, s6), highHalves(s3, s7))
    }
}

/// Packing buffers reused across products. Allocating them per product would make the
/// allocator hand freshly mapped pages back and forth with the system, and the page
/// faults cost more than small products themselves.
final class PackingWorkspace: @unchecked Sendable {
    // @unchecked: `free` is only touched under `lock`.

    /// The process-wide pool; it grows to as many buffers as slices ever ran at once.
    static let shared = PackingWorkspace()

    /// Floats for the largest packed block of A (rows × depth).
    static let capacityA = PortableGEMM.blockRows * PortableGEMM.blockDepth
    /// Floats for the largest packed block of B (columns × depth).
    static let capacityB = PortableGEMM.blockColumns * PortableGEMM.blockDepth

    private let lock = NSLock()
    private var free: [UnsafeMutableRawPointer] = []

    /// Runs `body` with a buffer for packed A and one for packed B, both 64-byte aligned,
    /// taken from the pool (or allocated) and returned to it afterwards.
    func withBuffers<Result>(_ body: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Result) -> Result {
        let floats = Self.capacityA + Self.capacityB
        let buffer = lock.withLock { free.popLast() }
            ?? UnsafeMutableRawPointer.allocate(byteCount: floats * MemoryLayout<Float>.stride, alignment: 64)
        defer { lock.withLock { free.append(buffer) } }
        let packedA = buffer.bindMemory(to: Float.self, capacity: floats)
        return body(packedA, packedA + Self.capacityA)
    }
}

/// `y = alpha · M · x + beta · y` for an m × k matrix M: the product when C has a single
/// column (M = op(A)) or a single row (M = op(B)ᵀ), where packing for the blocked kernel
/// would cost as much as the arithmetic. Rows with contiguous elements are dot products;
/// columns with contiguous elements are accumulated column by column. Each element of y
/// is summed in an order that depends only on its row, whatever the thread count.
struct MatrixVectorProduct {
    let matrix: StridedMatrix
    let rows: Int
    let depth: Int
    let alpha: Float
    let beta: Float

    func compute(vector: UnsafePointer<Float>, vectorStride: Int, result: UnsafeMutablePointer<Float>, resultStride: Int) {
        guard vectorStride != 1 else {
            return compute(x: vector, result: result, resultStride: resultStride)
        }
        let contiguous = (0..<depth).map { vector[$0 * vectorStride] }
        contiguous.withUnsafeBufferPointer { compute(x: $0.baseAddress!, result: result, resultStride: resultStride) }
    }

    private func compute(x: UnsafePointer<Float>, result: UnsafeMutablePointer<Float>, resultStride: Int) {
        @inline(__always) func store(_ sum: Float, row: Int) {
            let value = alpha * sum, destination = result + row * resultStride
            destination.pointee = beta == 0 ? value : value.addingProduct(beta, destination.pointee)
        }
        let grain = max(8, PortableGEMM.multiplyAddsPerTask / max(depth, 1))
        Parallel.forEachChunk(rows, grain: grain) { chunk in
            if matrix.columnStride == 1 {
                for row in chunk { store(dot(matrix.base + row * matrix.rowStride, x), row: row) }
                return
            }
            // Otherwise the rows are strided and the columns contiguous (rowStride == 1):
            // `gemm` only builds matrices with one unit stride.
            withUnsafeTemporaryAllocation(of: Float.self, capacity: chunk.count) { sums in
                accumulateColumns(rows: chunk, x: x, into: sums.baseAddress!)
                for (offset, sum) in sums.enumerated() { store(sum, row: chunk.lowerBound + offset) }
            }
        }
    }

    /// `Σ_p row[p] · x[p]` with four 8-lane accumulators.
    @inline(__always)
    private func dot(_ row: UnsafePointer<Float>, _ x: UnsafePointer<Float>) -> Float {
        typealias Vector = SIMD8<Float>
        let rowBytes = UnsafeRawPointer(row), xBytes = UnsafeRawPointer(x)
        var s0 = Vector(), s1 = Vector(), s2 = Vector(), s3 = Vector()
        var p = 0
        while p + 32 <= depth {
            let offset = 4 * p
            s0.addProduct(rowBytes.loadUnaligned(fromByteOffset: offset, as: Vector.self), xBytes.loadUnaligned(fromByteOffset: offset, as: Vector.self))
            s1.addProduct(rowBytes.loadUnaligned(fromByteOffset: offset + 32, as: Vector.self), xBytes.loadUnaligned(fromByteOffset: offset + 32, as: Vector.self))
            s2.addProduct(rowBytes.loadUnaligned(fromByteOffset: offset + 64, as: Vector.self), xBytes.loadUnaligned(fromByteOffset: offset + 64, as: Vector.self))
            s3.addProduct(rowBytes.loadUnaligned(fromByteOffset: offset + 96, as: Vector.self), xBytes.loadUnaligned(fromByteOffset: offset + 96, as: Vector.self))
            p += 32
        }
        var sum = ((s0 + s1) + (s2 + s3)).sum()
        while p < depth {
            sum.addProduct(row[p], x[p])
            p += 1
        }
        return sum
    }

    /// `sums[i] = Σ_p M[rows.lowerBound + i, p] · x[p]` for a matrix whose columns are
    /// contiguous: one pass over each column's slice per step, so the matrix is read
    /// in order while the sums stay in cache.
    private func accumulateColumns(rows: Range<Int>, x: UnsafePointer<Float>, into sums: UnsafeMutablePointer<Float>) {
        typealias Vector = SIMD8<Float>
        let count = rows.count, sumBytes = UnsafeMutableRawPointer(sums)
        sums.initialize(repeating: 0, count: count)
        for p in 0..<depth {
            let xp = x[p], column = matrix.base + p * matrix.columnStride + rows.lowerBound
            let columnBytes = UnsafeRawPointer(column)
            var i = 0
            while i + 8 <= count {
                var sum = sumBytes.loadUnaligned(fromByteOffset: 4 * i, as: Vector.self)
                sum.addProduct(xp, columnBytes.loadUnaligned(fromByteOffset: 4 * i, as: Vector.self))
                sumBytes.storeBytes(of: sum, toByteOffset: 4 * i, as: Vector.self)
                i += 8
            }
            while i < count {
                sums[i].addProduct(xp, column[i])
                i += 1
            }
        }
    }
}
