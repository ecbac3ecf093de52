// LineageGraphTests.swift: the family of a design from catalog listings (pure): ancestors, versions, derivatives,
// merges, packages known only as parents, the bound, and the JSON and DOT forms.

import AllmendeCrypto
import AllmendeModel
@testable import AllmendeStore
import CanonicalJSON
import Testing

@Suite("Lineage graph")
struct LineageGraphTests {
    static let lab = NodeID(publicKey: try! Ed25519PrivateKey().publicKey)
    static let otherLab = NodeID(publicKey: try! Ed25519PrivateKey().publicKey)
    static func id(_ byte: UInt8) -> ContentID { VersionTests.id(byte) }

    static func listing(_ byte: UInt8, title: String = "Trailer", parents: [UInt8] = [], supersedes: UInt8? = nil, by publisher: NodeID = lab,
                        at time: Int64) -> CatalogListing {
        let summary = PackageSummary(title: title, version: "\(byte)", license: "CERN-OHL-S-2.0", category: "mobility", tags: [], size: 1, files: 1,
                                     supersedes: supersedes.map(id), derivedFrom: parents.map(id))
        return CatalogListing(package: id(byte), summary: summary, publisher: publisher, publishedAt: Timestamp(secondsSinceEpoch: time))
    }

    static func graph(_ listings: [CatalogListing], focus: UInt8) -> LineageGraph {
        let byID = Dictionary(uniqueKeysWithValues: listings.map { ($0.package, $0) })
        return LineageGraph(focus: id(focus), listing: { byID[$0] }, derivatives: { parent in listings.filter { $0.summary.derivedFrom.contains(parent) } },
                            newerVersions: { old in listings.filter { VersionWalk.isHonoured($0, supersedingPackageOf: old.publisher, old.package) } },
                            previousVersion: { new in
                                guard let previous = new.summary.supersedes, let earlier = byID[previous],
                                      VersionWalk.isHonoured(new, supersedingPackageOf: earlier.publisher, previous) else { return nil }
                                return earlier
                            })
    }

    // 1 ← 2 (derivative of 1, by another lab) ← 4 (derivative of 2 and of 3); 3 = new version of 1; 5 a version of 2 claimed
    // by the wrong lab; 9 a parent of 1 nobody lists; 7 unrelated.
    static let family = [
        listing(1, parents: [9], at: 100), listing(2, parents: [1], by: otherLab, at: 200), listing(3, supersedes: 1, at: 300),
        listing(4, parents: [2, 3], by: otherLab, at: 400), listing(5, supersedes: 2, at: 500), listing(7, at: 50),
    ]

    @Test("from the middle: ancestors to the root, versions, derivatives and a merge; the wrong lab's version and unrelated packages left out")
    func family() {
        let graph = Self.graph(Self.family, focus: 2)
        #expect(Set(graph.nodes.keys) == Set([9, 1, 2, 3, 4].map(Self.id)))
        #expect(graph.nodes[Self.id(9)]?.listing == nil)
        #expect(graph.roots == [Self.id(9)])
        #expect(graph.edges.contains(LineageEdge(from: Self.id(4), to: Self.id(3), kind: .derivedFrom)))
        #expect(graph.children(of: Self.id(1)).map(\.0) == [Self.id(2), Self.id(3)])
        // From the old version: its new version and the new version's derivatives.
        let fromOld = Self.graph(Self.family, focus: 1)
        #expect(fromOld.children(of: Self.id(1)).map(\.1) == [.derivedFrom, .supersedes])
        #expect(fromOld.nodes[Self.id(4)] != nil && fromOld.nodes[Self.id(5)] == nil && fromOld.nodes[Self.id(7)] == nil)
        // From the newest version: its older version's derivatives are family too.
        #expect(Set(Self.graph(Self.family, focus: 3).nodes.keys) == Set([9, 1, 2, 3, 4].map(Self.id)))
    }

    @Test("a family larger than the bound is cut and says so; every edge joins two nodes of the graph")
    func bound() {
        var listings = [Self.listing(0, at: 0)]
        for byte in 1...255 as ClosedRange<UInt8> { listings.append(Self.listing(byte, parents: [0], at: Int64(byte))) }
        let graph = Self.graph(listings, focus: 0)
        #expect(graph.nodes.count == 256 && !graph.isTruncated)
        let wide = LineageGraph(focus: Self.id(0), listing: { _ in Self.listing(0, at: 0) },
                                derivatives: { _ in (0..<600).map { n in
                                    let package = try! ContentID(validatingDigest: [UInt8](repeating: UInt8(n % 256), count: 30) + [UInt8(n / 256), 1])
                                    return CatalogListing(package: package, summary: Self.listing(0, parents: [0], at: 0).summary, publisher: Self.lab,
                                                          publishedAt: Timestamp(secondsSinceEpoch: Int64(n)))
                                } }, newerVersions: { _ in [] }, previousVersion: { _ in nil })
        #expect(wide.isTruncated && wide.nodes.count == LineageGraph.maximumNodes)
        #expect(wide.edges.allSatisfy { wide.nodes[$0.from] != nil && wide.nodes[$0.to] != nil })
    }

    @Test("JSON names every node and edge; DOT escapes hostile titles")
    func renderings() throws {
        var listings = Self.family
        listings[0] = Self.listing(1, title: "Evil\" ] ; x -> y [label=\"\\\n", parents: [9], at: 100)
        let graph = Self.graph(listings, focus: 2)
        let json = try JSONParser.parse(try CanonicalEncoder.encode(graph.json))
        #expect(json["nodes"]?.arrayValue?.count == 5 && json["edges"]?.arrayValue?.count == 5)
        #expect(json["focus"]?.stringValue == Self.id(2).hex)
        let dot = graph.dot
        #expect(dot.contains("label=\"Evil\\\" ] ; x -> y [label=\\\"\\\\\\n"))
        // Every line but the frame is a node or an edge statement.
        let body = dot.split(separator: "\n").dropFirst(3).dropLast()
        #expect(body.count == 10 && body.allSatisfy { $0.hasSuffix("];") })
    }
}
