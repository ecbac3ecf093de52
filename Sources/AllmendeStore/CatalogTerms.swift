// CatalogTerms.swift: AllmendeStore. Pure: the search terms of a catalog listing and what a query asks for.
// The catalog index stores these terms; listings not yet in the index are matched with the same functions.

import AllmendeCrypto
import AllmendeModel

/// Terms are lower-case strings with a one-letter kind: `w:` a word of the title, category, license or a tag,
/// `t:` a whole tag, `l:` a license ID of the license expression, `c:` the category, `p:` the publisher's key,
/// `s:` the hex ID of the package it supersedes, `d:` the hex ID of each parent it derives from.
enum CatalogTerms {
    /// The words of `text`: runs of letters and digits, lower-cased (so "Wall-Block 2.0" gives wall, block, 2, 0).
    static func words(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        for character in text.lowercased() {
            if character.isLetter || character.isNumber {
                current.append(character)
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    /// Every term of `listing`.
    static func terms(of listing: CatalogListing) -> Set<String> {
        let summary = listing.summary
        var terms: Set<String> = []
        for text in [summary.title, summary.category, summary.license] + summary.tags {
            for word in words(text) { terms.insert("w:" + word) }
        }
        for tag in summary.tags { terms.insert("t:" + tag.lowercased()) }
        for id in licenseIDs(summary.license) { terms.insert("l:" + id) }
        terms.insert("c:" + summary.category.lowercased())
        terms.insert(publisherTerm(listing.publisher.text))
        if let supersedes = summary.supersedes { terms.insert(supersedesTerm(supersedes)) }
        for parent in summary.derivedFrom { terms.insert(derivedFromTerm(parent)) }
        return terms
    }

    static func publisherTerm(_ text: String) -> String { "p:" + text.lowercased() }
    static func supersedesTerm(_ package: ContentID) -> String { "s:" + package.hex }
    static func derivedFromTerm(_ package: ContentID) -> String { "d:" + package.hex }

    /// The license IDs of an SPDX expression, lower-cased (none if it does not parse).
    static func licenseIDs(_ expression: String) -> Set<String> {
        Set(((try? SPDXExpression(parsing: expression))?.licenseIDs ?? []).map { $0.lowercased() })
    }
}

/// What a search asks for; every part given must match.
public struct CatalogQuery: Sendable, Equatable {
    /// Words that must each start a word of the listing (title, category, license, tags).
    public var words: [String] = []
    /// A tag the listing must carry.
    public var tag: String?
    /// Any of these license IDs (from an SPDX expression).
    public var licenseIDs: Set<String>?
    /// The publisher's key (node or lab ID text).
    public var publisher: String?
    /// The category (e.g. `furniture`).
    public var category: String?
    /// Listings that name this package as the version they supersede (whoever published them).
    public var supersedes: ContentID?
    /// Listings that name this package as a parent (`derivedFrom`).
    public var derivedFrom: ContentID?

    public init(text: String? = nil, tag: String? = nil, licenseIDs: Set<String>? = nil, publisher: String? = nil) {
        words = text.map(CatalogTerms.words) ?? []
        self.tag = tag?.lowercased()
        self.licenseIDs = licenseIDs.map { Set($0.map { $0.lowercased() }) }
        self.publisher = publisher
    }

    /// True if nothing narrows the search.
    var isEmpty: Bool { words.isEmpty && tag == nil && licenseIDs == nil && publisher == nil && category == nil && supersedes == nil && derivedFrom == nil }

    /// True if `listing` matches (the same rule the index applies through its terms).
    func matches(_ listing: CatalogListing) -> Bool {
        // The parts that compare one field first, without the terms (words and a parsed license): a version or
        // lineage lookup runs for every listing a command shows, against every listing not yet in the index.
        let summary = listing.summary
        if let supersedes, summary.supersedes != supersedes { return false }
        if let derivedFrom, !summary.derivedFrom.contains(derivedFrom) { return false }
        if let publisher, publisher.lowercased() != listing.publisher.text.lowercased() { return false }
        if let category, category.lowercased() != summary.category.lowercased() { return false }
        if let tag, !summary.tags.contains(where: { $0.lowercased() == tag }) { return false }
        guard !words.isEmpty || licenseIDs != nil else { return true }
        let terms = CatalogTerms.terms(of: listing)
        for word in words where !terms.contains(where: { $0.hasPrefix("w:" + word) }) { return false }
        if let licenseIDs, !licenseIDs.contains(where: { terms.contains("l:" + $0) }) { return false }
        return true
    }
}
