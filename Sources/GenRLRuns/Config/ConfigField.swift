import TOMLKit

/// One key of a ``ConfigSection``: its TOML name, a one-line doc, its value kind and
/// the writable key path of the struct property it sets. Build fields with
/// ``value(_:_:_:doc:required:)``, ``optionalValue(_:_:_:doc:)``,
/// ``section(_:_:doc:)``, ``optionalSection(_:_:doc:)`` and
/// ``sectionArray(_:_:doc:required:)``.
public struct ConfigField<Root>: Sendable {
    /// The TOML key.
    public let key: String
    /// What the field means, one line, with the paper default where there is one.
    public let doc: String
    /// Whether the field is a table or array of tables (written after the values).
    let isTable: Bool
    /// Reads the field's TOML value (`nil`: the key is absent) into the struct.
    let decode: @Sendable (inout Root, TOMLValue?, ConfigKeyPath, ConfigDecodingSession) -> Void
    /// Writes the field (doc comment, then key and value, or header and table).
    let encode: @Sendable (Root, ConfigKeyPath, inout ConfigTextBuilder) -> Void
}

extension ConfigField {
    /// A value of kind `kind` (a number, string, choice, path, or array of those).
    /// Absent from the file, the property keeps its default, unless `required`.
    public static func value<Value>(
        _ key: String, _ keyPath: WritableKeyPath<Root, Value> & Sendable, _ kind: ConfigValueKind<Value>,
        doc: String, required: Bool = false
    ) -> Self {
        ConfigField(
            key: key, doc: doc, isTable: false,
            decode: { root, value, path, session in
                guard let value else {
                    if required { session.reportMissing(path) }
                    return
                }
                switch kind.decode(value, session.valueContext) {
                case .success(let decoded): root[keyPath: keyPath] = decoded
                case .failure(let problem): session.report(problem, at: path)
                }
            },
            encode: { root, _, out in
                out.field(doc: "\(doc) [\(kind.summary)\(required ? ", required" : "")]",
                          line: "\(TOMLSyntax.renderKey(key)) = \(kind.encode(root[keyPath: keyPath]))")
            })
    }

    /// A value that may be left unset (`nil`, which should be the default): absent from
    /// the file, the property keeps its default; unset, it is written as a comment.
    public static func optionalValue<Value>(
        _ key: String, _ keyPath: WritableKeyPath<Root, Value?> & Sendable, _ kind: ConfigValueKind<Value>,
        doc: String
    ) -> Self {
        ConfigField(
            key: key, doc: doc, isTable: false,
            decode: { root, value, path, session in
                guard let value else { return }
                switch kind.decode(value, session.valueContext) {
                case .success(let decoded): root[keyPath: keyPath] = decoded
                case .failure(let problem): session.report(problem, at: path)
                }
            },
            encode: { root, _, out in
                let written = root[keyPath: keyPath].map(kind.encode)
                out.field(doc: "\(doc) [\(kind.summary), optional]",
                          line: written.map { "\(TOMLSyntax.renderKey(key)) = \($0)" },
                          unsetKey: TOMLSyntax.renderKey(key))
            })
    }

    /// A nested table, `[key]` (or an inline table, or dotted keys). Absent from the
    /// file, the property keeps its default, whose required keys are still reported.
    public static func section<Section: ConfigTable>(
        _ key: String, _ keyPath: WritableKeyPath<Root, Section> & Sendable, doc: String
    ) -> Self {
        ConfigField(
            key: key, doc: doc, isTable: true,
            decode: { root, value, path, session in
                var table: TOMLTable?
                if let value {
                    guard let present = session.tableOrReport(value, at: path) else { return }
                    table = present
                }
                if let decoded = Section.tableSchema.decode(table, root[keyPath: keyPath], path, session) {
                    root[keyPath: keyPath] = decoded
                }
            },
            encode: { root, path, out in
                out.table(doc: doc, header: "[\(path.headerName)]") { out in
                    Section.tableSchema.encode(root[keyPath: keyPath], path, &out)
                }
            })
    }

    /// A nested table that may be absent (`nil`, which should be the default). Present,
    /// it starts from `Section()`; unset, it is written commented out with its defaults.
    public static func optionalSection<Section: ConfigTable>(
        _ key: String, _ keyPath: WritableKeyPath<Root, Section?> & Sendable, doc: String
    ) -> Self {
        ConfigField(
            key: key, doc: doc, isTable: true,
            decode: { root, value, path, session in
                guard let value, let table = session.tableOrReport(value, at: path) else { return }
                if let decoded = Section.tableSchema.decode(table, root[keyPath: keyPath], path, session) {
                    root[keyPath: keyPath] = decoded
                }
            },
            encode: { root, path, out in
                let examples = root[keyPath: keyPath].map { [$0] } ?? Section.tableSchema.examples()
                for example in examples {
                    out.table(doc: doc + (root[keyPath: keyPath] == nil ? " [optional section, not set]" : ""),
                              header: "[\(path.headerName)]", commentedOut: root[keyPath: keyPath] == nil) { out in
                        Section.tableSchema.encode(example, path, &out)
                    }
                }
            })
    }

    /// An array of tables, `[[key]]` (or an array of inline tables). Present in the
    /// file, it replaces the default array; empty, it is written as commented-out
    /// examples (one per case of a ``TaggedConfigSection``).
    public static func sectionArray<Section: ConfigTable>(
        _ key: String, _ keyPath: WritableKeyPath<Root, [Section]> & Sendable, doc: String, required: Bool = false
    ) -> Self {
        ConfigField(
            key: key, doc: doc, isTable: true,
            decode: { root, value, path, session in
                guard let value else {
                    if required { session.reportMissing(path) }
                    return
                }
                guard let array = value.array else {
                    session.report(.wrongType(expected: "an array of tables", found: describeFound(value)), at: path)
                    return
                }
                var elements: [Section] = []
                for index in 0..<array.count {
                    let elementPath = path.appending(index: index)
                    let element = array[index].tomlValue
                    guard let table = element.table else {
                        session.report(.wrongType(expected: "a table", found: describeFound(element)), at: elementPath)
                        continue
                    }
                    if let decoded = Section.tableSchema.decode(table, nil, elementPath, session) {
                        elements.append(decoded)
                    }
                }
                root[keyPath: keyPath] = elements
            },
            encode: { root, path, out in
                let elements = root[keyPath: keyPath]
                let isEmpty = elements.isEmpty
                let shown = isEmpty ? Section.tableSchema.examples() : elements
                for (index, element) in shown.enumerated() {
                    out.table(doc: doc + (isEmpty ? " [array of sections, empty; example]" : ""),
                              header: "[[\(path.headerName)]]", commentedOut: isEmpty) { out in
                        Section.tableSchema.encode(element, path.appending(index: index), &out)
                    }
                }
            })
    }
}
