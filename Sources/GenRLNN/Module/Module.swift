import GenRLTensor
import Synchronization

/// The base of every layer and model: finds its parameters, sub-modules and random
/// generators by reflection and names them by their path (`blocks.0.attention.query.weight`),
/// the names used by checkpoints, optimizers and gradients.
///
/// Stored properties are discovered with `Mirror`: a `Tensor` is a parameter, a `Module`
/// a child, and arrays or optionals of either are followed with the index as a path
/// component. A subclass whose checkpoint names must differ from its property names
/// (recurrent layers use PyTorch's `weight_ih_l0`) overrides `ownParameters()`.
///
/// The reflection runs once per module, on first use, and its answer is kept: a training
/// step asks for the parameters several times, and `Mirror` with its dynamic casts took
/// about 1 ms per ask for a small GPT. So a module's parameters and children are fixed
/// when it is first asked for them: declare them with `let` (or never reassign a `var`
/// that holds one), and change a parameter's values in place (`assign`), as the
/// optimizers and checkpoints do.
///
/// Parameters are leaves with `requiresGradient == true` unless frozen. Training mode
/// (on by default) matters to layers such as `Dropout`.
open class Module {
    /// Whether the module is in training mode; set for the whole tree with `train(_:)`.
    public private(set) var isTraining = true

    /// What reflection found, once it has run.
    private let reflection = Mutex<ReflectedProperties?>(nil)

    public init() {}

    // MARK: Reflection

    /// This module's own parameters (not its children's) with their local names. By
    /// default every stored `Tensor` property (and arrays or optionals of them).
    open func ownParameters() -> [(name: String, tensor: Tensor)] {
        reflectedProperties().parameters
    }

    /// The direct sub-modules with their local names (arrays give `name.0`, `name.1`, …).
    open func children() -> [(name: String, module: Module)] {
        reflectedProperties().children
    }

    /// Every parameter of the tree under its full dotted name, children after the
    /// module's own, in declaration order.
    public func namedParameters() -> [(name: String, tensor: Tensor)] {
        var all = ownParameters()
        for (childName, child) in children() {
            all += child.namedParameters().map { ("\(childName).\($0.name)", $0.tensor) }
        }
        return all
    }

    /// Parameters whose gradients are computed (not frozen).
    public func trainableParameters() -> [(name: String, tensor: Tensor)] {
        namedParameters().filter { $0.tensor.requiresGradient }
    }

    /// Every module of the tree, this one first, with dotted paths ("" for this one).
    public func namedModules() -> [(name: String, module: Module)] {
        var all: [(String, Module)] = [("", self)]
        for (childName, child) in children() {
            all += child.namedModules().map { ($0.name.isEmpty ? childName : "\(childName).\($0.name)", $0.module) }
        }
        return all
    }

    /// Number of scalar parameters.
    public var parameterCount: Int { namedParameters().reduce(0) { $0 + $1.tensor.count } }

    // MARK: Modes

    /// Training mode (`true`) or evaluation mode for this module and all below it.
    public func train(_ training: Bool = true) {
        for (_, module) in namedModules() { module.isTraining = training }
    }

    /// Evaluation mode: dropout off.
    public func eval() { train(false) }

    /// Stops gradients to every parameter (all when `names` is nil, else those whose full
    /// name starts with one of the prefixes).
    public func freeze(_ prefixes: [String]? = nil) { setTrainable(false, prefixes) }

    /// Lets gradients flow again to the parameters `freeze` stopped.
    public func unfreeze(_ prefixes: [String]? = nil) { setTrainable(true, prefixes) }

    private func setTrainable(_ trainable: Bool, _ prefixes: [String]?) {
        for (name, tensor) in namedParameters() where prefixes == nil || prefixes!.contains(where: { name.hasPrefix($0) }) {
            tensor.requiresGradient = trainable
        }
    }

    // MARK: Mirror walking

    /// The tensors and modules of the stored properties: reflected on the first call, then
    /// kept (see the type's documentation).
    private func reflectedProperties() -> ReflectedProperties {
        reflection.withLock { kept in
            if let kept { return kept }
            var parameters: [(String, Tensor)] = [], children: [(String, Module)] = []
            for (label, value) in storedProperties() {
                collectTensors(value, name: label, into: &parameters)
                collectModules(value, name: label, into: &children)
            }
            let found = ReflectedProperties(parameters: parameters, children: children)
            kept = found
            return found
        }
    }

    private func storedProperties() -> [(String, Any)] {
        var properties: [(String, Any)] = []
        var mirror: Mirror? = Mirror(reflecting: self)
        var chain: [Mirror] = []
        while let m = mirror {
            chain.append(m)
            mirror = m.superclassMirror
        }
        // Base-class properties first, then subclass properties, each in declaration order.
        for m in chain.reversed() {
            for child in m.children {
                guard let label = child.label, label != "isTraining", label != "reflection" else { continue }
                properties.append((label.hasPrefix("_") ? String(label.dropFirst()) : label, child.value))
            }
        }
        return properties
    }
}

/// A module's own parameters and direct children, as reflection finds them (unchecked
/// Sendable: immutable once made, and the references in it are the module's own).
private struct ReflectedProperties: @unchecked Sendable {
    let parameters: [(name: String, tensor: Tensor)]
    let children: [(name: String, module: Module)]
}

private func collectTensors(_ value: Any, name: String, into found: inout [(String, Tensor)]) {
    switch value {
    case let tensor as Tensor:
        found.append((name, tensor))
    case let tensors as [Tensor]:
        for (i, tensor) in tensors.enumerated() { found.append(("\(name).\(i)", tensor)) }
    case let optional as Tensor?:
        if let tensor = optional { found.append((name, tensor)) }
    default:
        break
    }
}

private func collectModules(_ value: Any, name: String, into found: inout [(String, Module)]) {
    switch value {
    case let module as Module:
        found.append((name, module))
    case let modules as [Module]:
        for (i, module) in modules.enumerated() { found.append(("\(name).\(i)", module)) }
    default:
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .optional, let wrapped = mirror.children.first?.value {
            collectModules(wrapped, name: name, into: &found)
        } else if mirror.displayStyle == .collection {
            for (i, element) in mirror.children.enumerated() {
                if let module = element.value as? Module { found.append(("\(name).\(i)", module)) }
            }
        }
    }
}
