// LineageGraph.swift: AllmendeStore. The family of a design as the catalog knows it: ancestors up to the roots,
// every derivative and version below, with who published each, its licence, builds and retractions. Pure: built
// from lookups, rendered as JSON and Graphviz DOT here (text in the CLI). Spec: Protocol/statements.md "Lineage".

import AllmendeCrypto
import AllmendeModel
import CanonicalJSON

/// One package in a lineage graph.
public struct LineageNode: Sendable, Equatable {
    public let package: ContentID
    /// Nil for a package named as a parent that this node knows nothing else about.
    public let listing: CatalogListing?
    /// Parents it names (`derivedFrom`), in order.
    public var parents: [ContentID] { listing?.summary.derivedFrom ?? [] }
}

/// An edge from a package to one it builds on.
public struct LineageEdge: Sendable, Equatable, Hashable {
    public enum Kind: String, Sendable { case derivedFrom, supersedes }
    /// The newer package (the derivative or new version).
    public let from: ContentID
    /// The package it builds on (the parent or previous version).
    public let to: ContentID
    public let kind: Kind
}

public struct LineageGraph: Sendable {
    /// Most packages in one graph.
    public static let maximumNodes = 500

    public let focus: ContentID
    public private(set) var nodes: [ContentID: LineageNode] = [:]
    public private(set) var edges: Set<LineageEdge> = []
    /// True if the bound stopped the walk.
    public private(set) var isTruncated = false

    /// Builds the family of `focus`: its versions (older and newer), every ancestor of them (parents and their
    /// older versions, up to packages with no known parent) with the ancestors' newer versions, and every
    /// descendant of the focus's versions (derivatives and their versions, down to packages nothing names).
    /// - listing: a package's catalog listing. derivatives: listings naming a package in `derivedFrom`.
    ///   newer/older: honoured version claims (VersionWalk), one step.
    public init(focus: ContentID, listing: (ContentID) -> CatalogListing?, derivatives: (ContentID) -> [CatalogListing],
                newerVersions: (CatalogListing) -> [CatalogListing], previousVersion: (CatalogListing) -> CatalogListing?) {
        self.focus = focus
        // Upwards: parents and previous versions.
        var queue = [focus]
        var up: Set<ContentID> = []
        while let package = queue.popLast() {
            guard up.insert(package).inserted, admit(package, listing: listing(package)) else { continue }
            guard let node = nodes[package], let known = node.listing else { continue }
            for parent in node.parents {
                edges.insert(LineageEdge(from: package, to: parent, kind: .derivedFrom))
                queue.append(parent)
            }
            if let previous = previousVersion(known) {
                edges.insert(LineageEdge(from: package, to: previous.package, kind: .supersedes))
                queue.append(previous.package)
            }
            // An ancestor's newer versions (upstream moved on), without their own descendants.
            guard package != focus else { continue }
            for newer in newerVersions(known) where admit(newer.package, listing: newer) {
                edges.insert(LineageEdge(from: newer.package, to: package, kind: .supersedes))
            }
        }
        // Downwards from the focus and its versions: derivatives and newer versions.
        var versions = [focus]
        var cursor = nodes[focus]?.listing
        while let current = cursor, let previous = previousVersion(current), !versions.contains(previous.package) {
            versions.append(previous.package)
            cursor = previous
        }
        queue = versions
        var down: Set<ContentID> = []
        while let package = queue.popLast() {
            guard down.insert(package).inserted, let known = nodes[package]?.listing ?? listing(package) else { continue }
            for child in derivatives(package) where admit(child.package, listing: child) {
                // Its other parents, where they are in the family already (a design that merges two branches).
                for parent in child.summary.derivedFrom where nodes[parent] != nil {
                    edges.insert(LineageEdge(from: child.package, to: parent, kind: .derivedFrom))
                }
                queue.append(child.package)
            }
            for newer in newerVersions(known) where admit(newer.package, listing: newer) {
                edges.insert(LineageEdge(from: newer.package, to: package, kind: .supersedes))
                queue.append(newer.package)
            }
        }
        edges = edges.filter { nodes[$0.from] != nil && nodes[$0.to] != nil }
    }

    /// Adds `package` if there is room; false if the bound was reached (the walk stops there).
    private mutating func admit(_ package: ContentID, listing: CatalogListing?) -> Bool {
        if nodes[package] != nil { return true }
        guard nodes.count < Self.maximumNodes else {
            isTruncated = true
            return false
        }
        nodes[package] = LineageNode(package: package, listing: listing)
        return true
    }

    /// Packages that build on nothing in the graph, oldest first.
    public var roots: [ContentID] {
        let withParents = Set(edges.map(\.from))
        return nodes.keys.filter { !withParents.contains($0) }.sorted(by: Self.older(nodes))
    }

    /// The packages that build on `package`, oldest first, with how.
    public func children(of package: ContentID) -> [(ContentID, LineageEdge.Kind)] {
        edges.filter { $0.to == package }.sorted { Self.older(nodes)($0.from, $1.from) }.map { ($0.from, $0.kind) }
    }

    static func older(_ nodes: [ContentID: LineageNode]) -> (ContentID, ContentID) -> Bool {
        { a, b in
            let (ta, tb) = (nodes[a]?.listing?.publishedAt.secondsSinceEpoch ?? 0, nodes[b]?.listing?.publishedAt.secondsSinceEpoch ?? 0)
            return ta != tb ? ta < tb : a < b
        }
    }

    /// `lineage --json`: the focus, every node and every edge (Protocol/statements.md "Lineage").
    public var json: JSONValue {
        let sortedNodes = nodes.values.sorted { Self.older(nodes)($0.package, $1.package) }
        return ["focus": .string(focus.hex), "truncated": .bool(isTruncated),
                "nodes": .array(sortedNodes.map { node in
                    var members: [String: JSONValue] = ["package": .string(node.package.hex), "known": .bool(node.listing != nil)]
                    if let listing = node.listing {
                        members["title"] = .string(listing.summary.title)
                        members["version"] = .string(listing.summary.version)
                        members["license"] = .string(listing.summary.license)
                        members["publisher"] = .string(listing.publisher.text)
                        members["publishedAt"] = .string(listing.publishedAt.description)
                        members["attestations"] = .integer(listing.attestations)
                        members["stored"] = .bool(listing.isStored)
                        if let reason = listing.retraction { members["retracted"] = .string(reason) }
                        if listing.isSignerRevoked { members["signerRevoked"] = .bool(true) }
                    }
                    return .object(members)
                }),
                "edges": .array(edges.sorted { ($0.from, $0.to, $0.kind.rawValue) < ($1.from, $1.to, $1.kind.rawValue) }.map { edge in
                    ["from": .string(edge.from.hex), "to": .string(edge.to.hex), "kind": .string(edge.kind.rawValue)]
                })]
    }

    /// `lineage --dot`: a Graphviz digraph, arrows from each package to what it builds on; the focus bold,
    /// retracted packages dashed, packages known only by ID grey.
    public var dot: String {
        var lines = ["digraph lineage {", "  rankdir=BT;", "  node [shape=box, fontname=\"Helvetica\"];"]
        for node in nodes.values.sorted(by: { Self.older(nodes)($0.package, $1.package) }) {
            var label = node.package.shortHex(12)
            var style: [String] = []
            if let listing = node.listing {
                label = "\(listing.summary.title) \(listing.summary.version)\n\(listing.summary.license)\nby \(listing.publisher.text.prefix(12))…"
                if listing.attestations > 0 { label += "\nbuilt by \(listing.attestations) lab(s)" }
                if listing.retraction != nil {
                    label += "\nRETRACTED"
                    style.append("dashed")
                }
            } else {
                style.append("filled")
            }
            if node.package == focus { style.append("bold") }
            var attributes = "label=\"\(Self.dotEscape(label))\""
            if !style.isEmpty { attributes += ", style=\"\(style.joined(separator: ","))\"" }
            if node.listing == nil { attributes += ", fillcolor=\"#dddddd\"" }
            lines.append("  \"\(node.package.hex)\" [\(attributes)];")
        }
        for edge in edges.sorted(by: { ($0.from, $0.to) < ($1.from, $1.to) }) {
            let label = edge.kind == .supersedes ? "new version of" : "derived from"
            lines.append("  \"\(edge.from.hex)\" -> \"\(edge.to.hex)\" [label=\"\(label)\"\(edge.kind == .supersedes ? ", style=dashed" : "")];")
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Text inside a DOT double-quoted string: backslash and quote escaped, newlines as \n, other control
    /// characters dropped.
    static func dotEscape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: if scalar.value >= 0x20 && scalar.value != 0x7f { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }
}

extension PackageStore {
    /// The family of `package` as this node's catalog knows it (nothing needs to be fetched).
    public func lineage(of package: ContentID) -> LineageGraph {
        LineageGraph(focus: package, listing: markedListing, derivatives: { parent in
            var query = CatalogQuery()
            query.derivedFrom = parent
            return (try? searchCatalog(query, limit: 200)) ?? []
        }, newerVersions: { listing in
            versionClaims(listing.package).filter { VersionWalk.isHonoured($0, supersedingPackageOf: listing.publisher, listing.package) }
        }, previousVersion: { listing in
            guard let previous = listing.summary.supersedes, let earlier = markedListing(previous),
                  VersionWalk.isHonoured(listing, supersedingPackageOf: earlier.publisher, previous) else { return nil }
            return earlier
        })
    }
}
