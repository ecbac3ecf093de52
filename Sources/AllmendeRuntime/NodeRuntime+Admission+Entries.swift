// NodeRuntime+Admission+Entries.swift: AllmendeRuntime. Which identities have standing here, and keeping
// strangers' catalog entries within their budget (the decisions are EntryAdmission's, in AllmendeNode).
// Spec: Protocol/statements.md "Admission".

import AllmendeCrypto
import AllmendeModel
import AllmendeNode
import AllmendeStore
import Foundation

extension NodeRuntime {
    /// How long the set of identities with standing from stored packages is reused before it is read again.
    static let standingLifetime: Duration = .seconds(5)

    /// Reads the identities with standing again at the next check (packages were added or removed).
    func forgetStanding() { state.withLock { $0.standing.removeAll() } }

    /// True if `identity` has standing: this node or its lab, a trusted lab (config), a publisher followed by a
    /// mirror policy, or the publisher of a package stored here.
    func hasStanding(_ identity: NodeID) -> Bool {
        if identity == nodeID || options.trusted.contains(identity) { return true }
        let (mirrors, cached) = state.withLock { ($0.mirrors, $0.standing[identity]) }
        if mirrors.contains(where: { if case let .publisher(followed) = $0.match { followed == identity } else { false } }) { return true }
        // Answers are kept for a few seconds, or until packages are added or removed here (`forgetStanding`).
        if let cached, ContinuousClock.now - cached.at < Self.standingLifetime { return cached.has }
        // The catalog index lists the identity's packages; it has standing if one of them is stored here.
        var has = store.storesPackage(publishedBy: identity)
        if !has, let lab = try? LabIdentity.load(home), lab.identity == identity { has = true }
        state.withLock { state in
            if state.standing.count >= 10_000 { state.standing.removeAll() }
            state.standing[identity] = (ContinuousClock.now, has)
        }
        return has
    }

    /// Bytes of strangers' entries in the catalog now (counted once, at start-up: statements from the catalog
    /// index's bytes per identity, lab profiles from the scan that finds them).
    func countStrangerBytes() -> Int {
        store.catalogBytesByIdentity().merging(store.labProfileBytesByIdentity(), uniquingKeysWith: +)
            .reduce(0) { total, item in hasStanding(item.key) ? total : total + item.value }
    }

    /// The admission decision for a verified entry of `size` bytes by `identity` arriving now.
    func admit(_ identity: NodeID, size: Int, nowSeconds: Int64) -> EntryAdmissionDecision {
        let standing = hasStanding(identity)
        return state.withLock { state in
            state.admission.admit(identity: identity.text, hasStanding: standing, size: size, day: nowSeconds / 86_400)
        }
    }

    /// Evicts strangers' oldest entries until at least `bytes` (plus an eighth of the budget, so that the catalog
    /// is not rewritten for every new entry) are freed. Never evicts `keeping`.
    func evictStrangers(atLeast bytes: Int, keeping: ContentID) {
        let goal = bytes + options.strangerLimits.totalBytes / 8
        var chosen: Set<ContentID> = []
        var freed = 0
        for id in store.catalog.ids where freed < goal && id != keeping {
            guard let entry = store.catalog.entryBytes(id), let identity = Self.signingIdentity(entry), !hasStanding(identity) else { continue }
            chosen.insert(id)
            freed += entry.count
        }
        do {
            let removed = try store.catalog.remove(chosen)
            state.withLock { state in
                // The budget counts entries' bytes; the log also spends 8 bytes of header on each.
                state.admission.evicted(bytes: removed > 0 ? freed : 0)
            }
            // Reconciliation does not ask for them again.
            drive(.declined(Array(chosen)))
            events.record(.strangersEvicted(entries: chosen.count, bytes: freed))
            logger.info("evicted strangers' catalog entries to stay within their budget", ["entries": String(chosen.count), "bytes": String(freed)])
        } catch {
            logger.warning("could not evict strangers' catalog entries", ["reason": "\(error)"])
        }
    }

    /// The identity an entry speaks for (statements and profiles; revocations are never evicted).
    static func signingIdentity(_ bytes: [UInt8]) -> NodeID? {
        switch try? CatalogEntry(parsingStored: bytes) {
        case let .statement(signed)?: return signed.statement.identity
        case let .profile(signed)?: return signed.profile.identity
        case .revocation?, nil: return nil
        }
    }
}
