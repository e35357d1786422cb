/// Broadcasting arithmetic: `+ - * /`, minimum and maximum, with tensors and scalars.
///
/// Derivatives (each summed back to the operand's shape with `summed(toShape:)`):
///   d(a+b) = (g, g),  d(a−b) = (g, −g),  d(a·b) = (g·b, g·a),  d(a/b) = (g/b, −g·a/b²),
///   d max(a, b) = g to whichever operand is larger (to `a` on ties), likewise min.

extension Tensor {
    /// A binary operation recorded with its derivative.
    static func binary(_ a: Tensor, _ b: Tensor, _ name: String,
                       _ f: @escaping (FloatVector, FloatVector) -> FloatVector,
                       backward: @escaping (Tensor, Tensor, Tensor, [Bool]) -> [Tensor?]) -> Tensor {
        let (shape, storage) = broadcastBinary(a, b, operation: name, f)
        return result(name, shape: shape, storage: storage, inputs: [a, b]) { g, needed in
            backward(g, a, b, needed)
        }
    }

    /// This gradient summed over the axes along which an operand of `target` shape was
    /// broadcast to this tensor's shape.
    public func summed(toShape target: [Int]) -> Tensor {
        if shape == target { return self }
        let leading = rank - target.count
        var axes = Array(0..<leading)
        for (i, size) in target.enumerated() where size == 1 && shape[leading + i] != 1 {
            axes.append(leading + i)
        }
        return sum(alongAxes: axes).reshaped(target)
    }

    /// Element-wise sum, broadcasting the shapes.
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        binary(a, b, "add", { $0 + $1 }) { g, a, b, needed in
            [needed[0] ? g.summed(toShape: a.shape) : nil, needed[1] ? g.summed(toShape: b.shape) : nil]
        }
    }

    /// Element-wise difference, broadcasting the shapes.
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        binary(a, b, "subtract", { $0 - $1 }) { g, a, b, needed in
            [needed[0] ? g.summed(toShape: a.shape) : nil, needed[1] ? (-g).summed(toShape: b.shape) : nil]
        }
    }

    /// Element-wise product, broadcasting the shapes.
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        binary(a, b, "multiply", { $0 * $1 }) { g, a, b, needed in
            [needed[0] ? (g * b).summed(toShape: a.shape) : nil, needed[1] ? (g * a).summed(toShape: b.shape) : nil]
        }
    }

    /// Element-wise quotient, broadcasting the shapes.
    public static func / (a: Tensor, b: Tensor) -> Tensor {
        binary(a, b, "divide", { $0 / $1 }) { g, a, b, needed in
            [needed[0] ? (g / b).summed(toShape: a.shape) : nil,
             needed[1] ? (-(g * a) / (b * b)).summed(toShape: b.shape) : nil]
        }
    }

    /// The larger of the two at each position.
    public static func maximum(_ a: Tensor, _ b: Tensor) -> Tensor {
        binary(a, b, "maximum", { VectorMath.maximum($0, $1) }) { g, a, b, needed in
            let takeA = a .>= b
            return [needed[0] ? (g * takeA).summed(toShape: a.shape) : nil,
                    needed[1] ? (g * (1 - takeA)).summed(toShape: b.shape) : nil]
        }
    }

    /// The smaller of the two at each position.
    public static func minimum(_ a: Tensor, _ b: Tensor) -> Tensor {
        binary(a, b, "minimum", { VectorMath.minimum($0, $1) }) { g, a, b, needed in
            let takeA = a .<= b
            return [needed[0] ? (g * takeA).summed(toShape: a.shape) : nil,
                    needed[1] ? (g * (1 - takeA)).summed(toShape: b.shape) : nil]
        }
    }

    // MARK: With scalars

    /// An element-wise operation with a constant, recorded with derivative `g·slope`
    /// where `slope` is computed from the input.
    static func affine(_ x: Tensor, _ name: String, _ f: @escaping (FloatVector) -> FloatVector,
                       gradientScale: Float) -> Tensor {
        result(name, shape: x.shape, storage: mapStorage(x, f), inputs: [x]) { g, _ in
            [gradientScale == 1 ? g : g * gradientScale]
        }
    }

    /// `b` added to every element.
    public static func + (a: Tensor, b: Float) -> Tensor {
        affine(a, "add", { $0 + b }, gradientScale: 1)
    }
    /// `a` added to every element.
    public static func + (a: Float, b: Tensor) -> Tensor { b + a }

    /// `b` subtracted from every element.
    public static func - (a: Tensor, b: Float) -> Tensor {
        affine(a, "subtract", { $0 - b }, gradientScale: 1)
    }
    /// `a` minus each element.
    public static func - (a: Float, b: Tensor) -> Tensor {
        affine(b, "subtract", { a - $0 }, gradientScale: -1)
    }

    /// Every element times `b`.
    public static func * (a: Tensor, b: Float) -> Tensor {
        affine(a, "multiply", { $0 * b }, gradientScale: b)
    }
    /// Every element times `a`.
    public static func * (a: Float, b: Tensor) -> Tensor { b * a }

    /// Every element divided by `b`.
    public static func / (a: Tensor, b: Float) -> Tensor {
        affine(a, "divide", { $0 / b }, gradientScale: 1 / b)
    }
    /// `a` divided by each element; derivative −g·a/b².
    public static func / (a: Float, b: Tensor) -> Tensor {
        let out = mapStorage(b) { a / $0 }
        return result("divide", shape: b.shape, storage: out, inputs: [b]) { g, _ in
            let y = Tensor(shape: b.shape, storage: out)
            return [-(g * y * y) / a]
        }
    }

    /// Element-wise negation.
    public static prefix func - (x: Tensor) -> Tensor {
        affine(x, "negate", { -$0 }, gradientScale: -1)
    }

    /// a = a + b (a new tensor: nothing is modified in place).
    public static func += (a: inout Tensor, b: Tensor) { a = a + b }
    /// a = a − b (a new tensor).
    public static func -= (a: inout Tensor, b: Tensor) { a = a - b }
    /// a = a · b (a new tensor).
    public static func *= (a: inout Tensor, b: Tensor) { a = a * b }
    /// a = a · b (a new tensor).
    public static func *= (a: inout Tensor, b: Float) { a = a * b }
}

// MARK: - Comparisons and selection

extension Tensor {
    /// 1 where `predicate(a, b)` holds, 0 elsewhere; never tracked.
    static func compare(_ a: Tensor, _ b: Tensor, _ name: String,
                        _ predicate: @escaping (FloatVector, FloatVector) -> SIMDMask<SIMD8<Int32>>) -> Tensor {
        let (shape, storage) = broadcastBinary(a, b, operation: name) { x, y in
            FloatVector(repeating: 0).replacing(with: 1, where: predicate(x, y))
        }
        return Tensor(shape: shape, storage: storage)
    }

    /// 1 where a < b, 0 elsewhere, broadcasting the shapes; not tracked.
    public static func .< (a: Tensor, b: Tensor) -> Tensor { compare(a, b, "less") { $0 .< $1 } }
    /// 1 where a ≤ b, 0 elsewhere, broadcasting the shapes; not tracked.
    public static func .<= (a: Tensor, b: Tensor) -> Tensor { compare(a, b, "lessOrEqual") { $0 .<= $1 } }
    /// 1 where a > b, 0 elsewhere, broadcasting the shapes; not tracked.
    public static func .> (a: Tensor, b: Tensor) -> Tensor { compare(a, b, "greater") { $0 .> $1 } }
    /// 1 where a ≥ b, 0 elsewhere, broadcasting the shapes; not tracked.
    public static func .>= (a: Tensor, b: Tensor) -> Tensor { compare(a, b, "greaterOrEqual") { $0 .>= $1 } }
    /// 1 where a = b, 0 elsewhere, broadcasting the shapes; not tracked.
    public static func .== (a: Tensor, b: Tensor) -> Tensor { compare(a, b, "equal") { $0 .== $1 } }
    /// 1 where a ≠ b, 0 elsewhere, broadcasting the shapes; not tracked.
    public static func .!= (a: Tensor, b: Tensor) -> Tensor { compare(a, b, "notEqual") { $0 .!= $1 } }

    /// 1 where an element is < b, 0 elsewhere; not tracked.
    public static func .< (a: Tensor, b: Float) -> Tensor { a .< Tensor(scalar: b) }
    /// 1 where an element is ≤ b, 0 elsewhere; not tracked.
    public static func .<= (a: Tensor, b: Float) -> Tensor { a .<= Tensor(scalar: b) }
    /// 1 where an element is > b, 0 elsewhere; not tracked.
    public static func .> (a: Tensor, b: Float) -> Tensor { a .> Tensor(scalar: b) }
    /// 1 where an element is ≥ b, 0 elsewhere; not tracked.
    public static func .>= (a: Tensor, b: Float) -> Tensor { a .>= Tensor(scalar: b) }
    /// 1 where an element equals b, 0 elsewhere; not tracked.
    public static func .== (a: Tensor, b: Float) -> Tensor { a .== Tensor(scalar: b) }
    /// 1 where an element differs from b, 0 elsewhere; not tracked.
    public static func .!= (a: Tensor, b: Float) -> Tensor { a .!= Tensor(scalar: b) }

    /// `a` where `condition` is non-zero, `b` elsewhere (all three broadcast together).
    /// Gradients flow to the chosen operand: d = (g·c, g·(1−c)) with c the 0/1 condition.
    /// Lanes are selected, not blended, so an infinity in the unchosen operand is harmless.
    public static func select(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
        let shape = broadcastShapes(broadcastShapes(condition.shape, a.shape, operation: "select"), b.shape,
                                    operation: "select")
        let chosen = (condition .!= 0).broadcasted(to: shape)
        let x = a.detached().broadcasted(to: shape), y = b.detached().broadcasted(to: shape)
        let out = TensorStorage(uninitializedCount: elementCount(shape))
        let pc = chosen.storage.pointer, px = x.storage.pointer, py = y.storage.pointer
        for i in 0..<out.count { out.pointer[i] = pc[i] != 0 ? px[i] : py[i] }
        return result("select", shape: shape, storage: out, inputs: [a, b]) { g, needed in
            [needed[0] ? (g * chosen).summed(toShape: a.shape) : nil,
             needed[1] ? (g * (1 - chosen)).summed(toShape: b.shape) : nil]
        }
    }
}
