/// An n-dimensional array of 32-bit integers (token ids, sampled actions, indices),
/// row-major. A value type: copies are independent.
public struct IntTensor: Sendable, Equatable, CustomStringConvertible {
    /// The size of each dimension.
    public let shape: [Int]
    /// The elements, row-major.
    public var scalars: [Int32]

    /// A tensor holding `scalars` with the given shape.
    public init(_ scalars: [Int32], shape: [Int]) {
        let count = shape.reduce(1, *)
        if count != scalars.count {
            shapeFailure("IntTensor", "\(scalars.count) scalars do not fill shape \(shape) (\(count) elements)")
        }
        self.shape = shape
        self.scalars = scalars
    }

    /// A tensor from `Int`s, which must fit in 32 bits.
    public init(_ values: [Int], shape: [Int]) {
        self.init(values.map { Int32($0) }, shape: shape)
    }

    /// A vector.
    public init(_ values: [Int]) {
        self.init(values, shape: [values.count])
    }

    /// A matrix from rows of equal length.
    public init(_ rows: [[Int]]) {
        let width = rows.first?.count ?? 0
        if rows.contains(where: { $0.count != width }) {
            shapeFailure("IntTensor", "rows have different lengths \(rows.map(\.count))")
        }
        self.init(rows.flatMap { $0 }, shape: [rows.count, width])
    }

    /// A tensor of `shape` filled with `value`.
    public init(repeating value: Int32, shape: [Int]) {
        self.init([Int32](repeating: value, count: shape.reduce(1, *)), shape: shape)
    }

    /// Number of dimensions.
    public var rank: Int { shape.count }
    /// Number of elements.
    public var count: Int { scalars.count }

    /// The element at a full index.
    public subscript(_ index: Int...) -> Int32 {
        var offset = 0
        for (position, size) in zip(index, shape) {
            precondition(position >= 0 && position < size, "IntTensor: index \(index) out of range for shape \(shape)")
            offset = offset * size + position
        }
        return scalars[offset]
    }

    /// The same elements under a new shape with the same element count (one entry may be -1).
    public func reshaped(_ newShape: [Int]) -> IntTensor {
        IntTensor(scalars, shape: resolveReshape(newShape, count: count, from: shape))
    }

    /// Row `i` of a matrix as `Int`s.
    public func row(_ i: Int) -> [Int] {
        precondition(rank == 2, "IntTensor.row: needs a matrix, shape is \(shape)")
        let width = shape[1]
        return scalars[(i * width)..<((i + 1) * width)].map { Int($0) }
    }

    /// The elements converted to `Float`.
    public var asFloat: Tensor { Tensor(scalars.map { Float($0) }, shape: shape) }

    /// The shape and the first 16 elements, for debugging.
    public var description: String {
        "IntTensor(shape: \(shape), \(Array(scalars.prefix(16)))\(count > 16 ? " …" : ""))"
    }
}
