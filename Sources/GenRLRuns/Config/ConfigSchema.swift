import TOMLKit

/// A type that a TOML table configures. Conform through ``ConfigSection`` (a struct of
/// fields) or ``TaggedConfigSection`` (an enum whose case a `type` key picks); both
/// provide ``tableSchema``.
public protocol ConfigTable: Equatable, Sendable {
    /// The defaults, used for every key the file leaves out.
    init()
    /// How the table is read and written. Provided by ``ConfigSection`` and
    /// ``TaggedConfigSection``; do not implement it yourself.
    static var tableSchema: ConfigTableSchema<Self> { get }
}

/// A struct configured by a TOML table, one declared field per key. Its `init()`
/// holds the defaults (with the paper defaults in the fields' docs):
///
/// ```swift
/// struct PPOSection: ConfigSection {
///     var learningRate = 1.41e-5
///     var clipEpsilon = 0.2
///     var klEstimator = KLEstimator.exact
///
///     static var fields: [ConfigField<Self>] {[
///         .value("learning_rate", \.learningRate, .double(.greaterThan(0)),
///                doc: "Adam step size (Ziegler et al. 2019: 1.41e-5)."),
///         .value("clip_epsilon", \.clipEpsilon, .double(.greaterThan(0)),
///                doc: "PPO ratio clip range ε (Schulman et al. 2017: 0.2)."),
///         .value("kl_estimator", \.klEstimator, .choice(KLEstimator.self),
///                doc: "How the KL to the reference is computed."),
///     ]}
/// }
/// ```
public protocol ConfigSection: ConfigTable {
    /// The keys of the table, in the order the writer writes them (values first, then
    /// sub-tables, whatever the order here).
    static var fields: [ConfigField<Self>] { get }
}

/// An enum configured by a TOML table whose discriminator key (`type` by default)
/// names the case, each case with its own ``ConfigSection`` of fields:
///
/// ```swift
/// enum RewardSection: TaggedConfigSection {
///     case bleu(BLEURewardSection)
///     case length(LengthRewardSection)
///
///     init() { self = .bleu(BLEURewardSection()) }
///
///     static var variants: [ConfigVariant<Self>] {[
///         ConfigVariant("bleu", doc: "Corpus BLEU against references (sacreBLEU).",
///                       wrap: Self.bleu, unwrap: { if case .bleu(let s) = $0 { s } else { nil } }),
///         ConfigVariant("length", doc: "Distance to a target length.",
///                       wrap: Self.length, unwrap: { if case .length(let s) = $0 { s } else { nil } }),
///     ]}
/// }
/// ```
///
/// A table in the file must name its case, except a single (non-array) section whose
/// current value already has one: `[optimizer]` with only `learning_rate` keeps the
/// default case and changes its field.
public protocol TaggedConfigSection: ConfigTable {
    /// The key that names the case: `type` unless overridden.
    static var discriminator: String { get }
    /// The cases, each with its tag and fields.
    static var variants: [ConfigVariant<Self>] { get }
}

extension TaggedConfigSection {
    /// `type`.
    public static var discriminator: String { "type" }
}

/// One case of a ``TaggedConfigSection``: its tag (`"bleu"`), a one-line doc, and how
/// to get its ``ConfigSection`` in and out of the enum.
public struct ConfigVariant<Tagged>: Sendable {
    /// The value of the discriminator key that selects this case.
    public let tag: String
    /// What this case is, one line.
    public let doc: String
    let matches: @Sendable (Tagged) -> Bool
    let makeDefault: @Sendable () -> Tagged
    let decode: @Sendable (TOMLTable?, Tagged?, ConfigKeyPath, ConfigDecodingSession, _ extraKeys: [String]) -> Tagged
    let encode: @Sendable (Tagged, ConfigKeyPath, inout ConfigTextBuilder) -> Void

    /// Declares the case tagged `tag`, whose fields are `Section`'s; `wrap` is the enum
    /// case (`Self.bleu`), `unwrap` its inverse.
    public init<Section: ConfigSection>(
        _ tag: String, doc: String,
        wrap: @escaping @Sendable (Section) -> Tagged,
        unwrap: @escaping @Sendable (Tagged) -> Section?
    ) {
        self.tag = tag
        self.doc = doc
        matches = { unwrap($0) != nil }
        makeDefault = { wrap(Section()) }
        decode = { table, start, path, session, extraKeys in
            wrap(decodeSection(Section.self, table: table, start: start.flatMap(unwrap), path: path,
                               session: session, extraKeys: extraKeys))
        }
        encode = { value, path, out in
            if let section = unwrap(value) { encodeSection(section, path: path, out: &out) }
        }
    }
}

/// How a ``ConfigTable`` type is read from and written to TOML (opaque).
public struct ConfigTableSchema<Table>: Sendable {
    /// Reads `table` (`nil`: not in the file) starting from `start` (`nil`: `init()`);
    /// `nil` when the table is unusable (its problems are reported to the session).
    let decode: @Sendable (TOMLTable?, Table?, ConfigKeyPath, ConfigDecodingSession) -> Table?
    /// Writes the table's keys (not its header).
    let encode: @Sendable (Table, ConfigKeyPath, inout ConfigTextBuilder) -> Void
    /// Values to show, commented out, where an optional section or array is empty.
    let examples: @Sendable () -> [Table]
}

extension ConfigSection {
    /// Reads and writes the ``fields``.
    public static var tableSchema: ConfigTableSchema<Self> {
        ConfigTableSchema(
            decode: { table, start, path, session in
                decodeSection(Self.self, table: table, start: start, path: path, session: session, extraKeys: [])
            },
            encode: { value, path, out in encodeSection(value, path: path, out: &out) },
            examples: { [Self()] })
    }
}

extension TaggedConfigSection {
    /// Reads the discriminator, then the chosen case's fields.
    public static var tableSchema: ConfigTableSchema<Self> {
        ConfigTableSchema(decode: decodeTagged, encode: encodeTagged,
                          examples: { variants.map { $0.makeDefault() } })
    }

    private static func decodeTagged(
        table: TOMLTable?, start: Self?, path: ConfigKeyPath, session: ConfigDecodingSession
    ) -> Self? {
        let variants = Self.variants
        let tagPath = path.appending(key: discriminator)
        let chosen: ConfigVariant<Self>
        var startValue: Self?
        if let tagValue = table?[discriminator]?.tomlValue {
            let tags = variants.map(\.tag)
            guard let tag = tagValue.string else {
                let list = tags.map(TOMLSyntax.renderString).joined(separator: ", ")
                session.report(.wrongType(expected: "one of \(list)", found: describeFound(tagValue)), at: tagPath)
                return nil
            }
            guard let variant = variants.first(where: { $0.tag == tag }) else {
                session.report(.unknownChoice(value: tag, choices: tags), at: tagPath)
                return nil
            }
            chosen = variant
            startValue = start.flatMap { variant.matches($0) ? $0 : nil }
        } else if let current = start ?? (table == nil ? Self() : nil),
                  let variant = variants.first(where: { $0.matches(current) }) {
            chosen = variant
            startValue = current
        } else {
            session.reportMissing(tagPath)
            return nil
        }
        return chosen.decode(table, startValue, path, session, [discriminator])
    }

    private static func encodeTagged(_ value: Self, path: ConfigKeyPath, out: inout ConfigTextBuilder) {
        guard let variant = variants.first(where: { $0.matches(value) }) else { return }
        let list = variants.map { TOMLSyntax.renderString($0.tag) }.joined(separator: ", ")
        out.field(doc: "\(variant.doc) [one of \(list)]",
                  line: "\(TOMLSyntax.renderKey(discriminator)) = \(TOMLSyntax.renderString(variant.tag))")
        variant.encode(value, path, &out)
    }
}

// MARK: - Sections

/// Reads a section's fields from `table` into `start` (or `Section()`), reporting keys
/// the section does not declare (`extraKeys` are allowed besides the fields).
func decodeSection<Section: ConfigSection>(
    _ type: Section.Type, table: TOMLTable?, start: Section?, path: ConfigKeyPath,
    session: ConfigDecodingSession, extraKeys: [String]
) -> Section {
    var value = start ?? Section()
    let fields = Section.fields
    if let table {
        let known = fields.map(\.key) + extraKeys
        for key in table.keys where !known.contains(key) {
            session.reportUnknownKey(path.appending(key: key), value: table[key]?.tomlValue, known: known)
        }
    }
    for field in fields {
        field.decode(&value, table?[field.key]?.tomlValue, path.appending(key: field.key), session)
    }
    return value
}

/// Writes a section's value fields, then its sub-tables.
func encodeSection<Section: ConfigSection>(_ value: Section, path: ConfigKeyPath, out: inout ConfigTextBuilder) {
    let fields = Section.fields
    for field in fields where !field.isTable { field.encode(value, path.appending(key: field.key), &out) }
    for field in fields where field.isTable { field.encode(value, path.appending(key: field.key), &out) }
}
