import GenRLTensor

/// Why a set of named tensors could not be loaded into a module.
public enum ModuleStateError: Error, CustomStringConvertible, Equatable {
    /// The model has parameters that the state does not hold.
    case missingParameters([String])
    /// The state holds tensors the model has no parameter for.
    case unexpectedParameters([String])
    /// A tensor's shape differs from the parameter's.
    case shapeMismatch(name: String, expected: [Int], found: [Int])

    /// The message, naming the parameters at fault.
    public var description: String {
        switch self {
        case .missingParameters(let names): "missing parameters: \(names.joined(separator: ", "))"
        case .unexpectedParameters(let names): "unexpected parameters: \(names.joined(separator: ", "))"
        case .shapeMismatch(let name, let expected, let found): "parameter \(name) has shape \(expected), the state has \(found)"
        }
    }
}

/// A module whose behaviour draws random numbers (dropout). Its generator is part of the
/// state that checkpoints save so that a resumed run continues the same sequence.
public protocol RandomStateful: AnyObject {
    /// The generator the module draws from.
    var generator: RandomGenerator { get set }
}

extension Module {
    /// Every parameter by its dotted name (the tensors themselves, not copies).
    public func parameterDictionary() -> [String: Tensor] {
        Dictionary(namedParameters().map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
    }

    /// Copies the values of `state` into the parameters with the same names. With
    /// `strict`, a missing or unexpected name is an error; shapes must always match.
    /// Nothing is changed unless every check passes.
    public func load(_ state: [String: Tensor], strict: Bool = true) throws {
        let parameters = namedParameters()
        let names = Set(parameters.map(\.name))
        if strict {
            let missing = parameters.map(\.name).filter { state[$0] == nil }
            if !missing.isEmpty { throw ModuleStateError.missingParameters(missing) }
            let unexpected = state.keys.filter { !names.contains($0) }.sorted()
            if !unexpected.isEmpty { throw ModuleStateError.unexpectedParameters(unexpected) }
        }
        for (name, tensor) in parameters {
            if let value = state[name], value.shape != tensor.shape {
                throw ModuleStateError.shapeMismatch(name: name, expected: tensor.shape, found: value.shape)
            }
        }
        for (name, tensor) in parameters {
            if let value = state[name] { tensor.assign(value) }
        }
    }

    /// Copies every parameter value from `other`, a module of the same structure (to
    /// create a reference model, or SeqGAN's rollout network).
    public func copyParameters(from other: Module) {
        try! load(other.parameterDictionary())
    }

    /// The random generators of the tree by module path.
    public func randomStates() -> [String: RandomGenerator] {
        var states: [String: RandomGenerator] = [:]
        for (name, module) in namedModules() {
            if let stateful = module as? RandomStateful { states[name] = stateful.generator }
        }
        return states
    }

    /// Restores generators saved by `randomStates()`.
    public func restoreRandomStates(_ states: [String: RandomGenerator]) {
        for (name, module) in namedModules() {
            if let stateful = module as? RandomStateful, let state = states[name] { stateful.generator = state }
        }
    }

    /// Gives every random module of the tree its own generator derived from `seed`, in
    /// tree order.
    public func seedRandomState(_ seed: UInt64) {
        var root = RandomGenerator(seed: seed)
        for (_, module) in namedModules() {
            if let stateful = module as? RandomStateful { stateful.generator = root.split() }
        }
    }
}
