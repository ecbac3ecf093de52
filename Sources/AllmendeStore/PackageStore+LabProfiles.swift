// PackageStore+LabProfiles.swift: AllmendeStore. The labs' current profiles, read from the catalog log.
// Spec: Protocol/lab-profile.md "Current profile".

import AllmendeCrypto
import AllmendeModel
import Synchronization

/// A lab's current profile as this node knows it.
public struct KnownLabProfile: Sendable {
    public let signed: SignedLabProfile
    /// Its catalog entry ID.
    public let id: ContentID
    public var profile: LabProfile { signed.profile }
}

/// What was read of one catalog log: its generation, how far, and the profiles found.
private struct ProfileScan: Sendable {
    var generation: Int
    var scanned: Int
    var found: [(SignedLabProfile, ContentID)]
}

/// Scans per catalog path, so that repeated questions read only what was appended since.
private let profileScans = Mutex<[String: ProfileScan]>([:])

extension PackageStore {
    /// Every lab's current profile (withdrawn ones left out; signed by a revoked key — claimed time or first
    /// seen after the revocation — not counted), by name.
    public func labProfiles() -> [KnownLabProfile] {
        let set = labProfileSet()
        return set.current.compactMap { signed in set.latest[signed.profile.identity].map { KnownLabProfile(signed: $0.profile, id: $0.id) } }
    }

    /// Every lab's latest profile entry, withdrawals included (what a new profile of that lab must be newer than).
    public func labProfileSet() -> LabProfileSet {
        let rule = revocationRule()
        var set = LabProfileSet()
        for (signed, id) in scannedProfiles() where rule.revocation(against: signed, firstSeen: catalog.firstSeen(id)) == nil {
            set.consider(signed, id: id)
        }
        return set
    }

    /// The current profile of `identity`, if it has one.
    public func labProfile(of identity: NodeID) -> KnownLabProfile? { labProfiles().first { $0.profile.identity == identity } }

    /// Bytes of the catalog's lab profile entries (every one, not only current ones) per lab identity: with
    /// `catalogBytesByIdentity` (statements), what each identity holds of the catalog.
    public func labProfileBytesByIdentity() -> [NodeID: Int] {
        var bytes: [NodeID: Int] = [:]
        for (signed, _) in scannedProfiles() { bytes[signed.profile.identity, default: 0] += (try? signed.canonicalBytes().count) ?? 0 }
        return bytes
    }

    /// Every validly signed profile entry in the catalog, in log order.
    private func scannedProfiles() -> [(SignedLabProfile, ContentID)] {
        let (count, generation) = catalog.countAndGeneration
        var scan = profileScans.withLock { $0[catalog.path] } ?? ProfileScan(generation: generation, scanned: 0, found: [])
        if scan.generation != generation || scan.scanned > count { scan = ProfileScan(generation: generation, scanned: 0, found: []) }
        // In pages, so a large catalog is never read into memory at once.
        while scan.scanned < count {
            let page = catalog.entryPayloads(from: scan.scanned, limit: 4096)
            guard !page.isEmpty else { break }
            // Entries in this node's own log were verified when they were accepted (and a damaged record never
            // reads back), as the catalog index trusts them too: parsed, not verified again.
            for (id, bytes) in page where Self.mayBeProfile(bytes) {
                guard case let .profile(signed)? = try? CatalogEntry(parsingStored: bytes) else { continue }
                scan.found.append((signed, id))
            }
            scan.scanned += page.count
        }
        let result = scan
        profileScans.withLock { scans in
            if scans.count > 64 { scans.removeAll() }
            scans[catalog.path] = result
        }
        return scan.found
    }

    /// A cheap test on canonical bytes: a profile entry's first key is `profile`, or `delegation` then `profile`.
    static func mayBeProfile(_ bytes: [UInt8]) -> Bool {
        let start = Array("{\"profile\":".utf8), marker = Array("},\"profile\":{".utf8)
        if bytes.starts(with: start) { return true }
        guard bytes.starts(with: Array("{\"delegation\":".utf8)) else { return false }
        let window = bytes.prefix(2048)
        guard window.count >= marker.count else { return false }
        for index in window.startIndex...(window.endIndex - marker.count) where window[index] == UInt8(ascii: "}") {
            if window[index..<(index + marker.count)].elementsEqual(marker) { return true }
        }
        return false
    }
}
