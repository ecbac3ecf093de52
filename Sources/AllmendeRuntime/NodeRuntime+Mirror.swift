// NodeRuntime+Mirror.swift: AllmendeRuntime. Mirroring: fetch in full what matches the operator's policies.

import AllmendeCrypto
import AllmendeModel
import AllmendeNode
import AllmendeStore
import Foundation

extension NodeRuntime {
    /// Queues `package` for fetching if a mirror policy matches it, it is not retracted, and the quota allows.
    func considerMirroring(_ package: ContentID, from peer: NodeID?) {
        guard shouldMirror(package, from: peer) else { return }
        let queued = state.withLock { state -> Bool in
            guard state.mirrorQueued.insert(package).inserted else { return false }
            state.mirrorQueue.append((package, peer))
            return true
        }
        if queued { mirrorWake.signal() }
    }

    /// True if a policy matches `package` and it is neither stored nor retracted; makes room within a matching
    /// policy's quota by evicting that policy's oldest mirrored packages that no other policy also matches.
    /// Only packages this node fetched by mirroring count against a quota and can be evicted: what the operator
    /// published or fetched by hand never is.
    private func shouldMirror(_ package: ContentID, from peer: NodeID?) -> Bool {
        let mirrors = state.withLock { $0.mirrors }
        guard !mirrors.isEmpty, !store.isStoredComplete(package) else { return false }
        guard let listing = store.catalogListing(package), listing.retraction == nil else { return false }
        // A preservation policy takes only what fewer than its minimum of other nodes hold — once holdings had time
        // to arrive (the package published, and this node running, for `holderSettle`).
        let holders = otherHolderCount(of: package)
        let settled = ContinuousClock.now - startedAt >= options.holderSettle
            && Double(listing.publishedAt.secondsSinceEpoch) <= Date().timeIntervalSince1970 - options.holderSettle.inSeconds
        let policies = mirrors.filter { policy in
            guard policy.matches(publisher: listing.publisher, tags: listing.summary.tags, from: peer) else { return false }
            guard let minimum = policy.minHolders else { return true }
            return settled && holders < minimum
        }
        guard !policies.isEmpty else { return false }
        let mirrored = policies.contains(where: { $0.quota == nil }) ? [] : store.mirroredPackages().filter { store.hasManifest($0) }
            .compactMap { store.catalogListing($0) }
        let facts = policies.map { policy in
            let held = mirrored.filter { policy.matches(publisher: $0.publisher, tags: $0.summary.tags, from: nil) }
            let pinned = held.filter { candidate in
                mirrors.contains { $0 != policy && $0.matches(publisher: candidate.publisher, tags: candidate.summary.tags, from: nil) }
            }
            return MirrorPlanner.Policy(quota: policy.quota,
                                        held: held.map { MirrorPlanner.Item(package: $0.package, size: $0.summary.size, otherHolders: otherHolderCount(of: $0.package)) },
                                        pinnedElsewhere: Set(pinned.map(\.package)), minHolders: policy.minHolders ?? 1)
        }
        switch MirrorPlanner.plan(MirrorPlanner.Item(package: package, size: listing.summary.size), policies: facts) {
        case .noPolicy:
            return false
        case .overQuota:
            logger.info("not mirroring: over quota", ["package": package.shortHex(), "size": String(listing.summary.size)])
            events.record(.overQuota(package: package))
            return false
        case let .mirror(evicting):
            for victim in evicting {
                do {
                    try store.removePackage(victim)
                    forgetPackageAnswers(victim)
                    try store.forgetMirrored(victim)
                    logger.info("evicted mirrored package to stay within quota", ["package": victim.hex])
                    events.record(.evicted(package: victim))
                } catch {
                    logger.warning("eviction failed", ["package": victim.shortHex(), "reason": "\(error)"])
                    return false
                }
            }
            return true
        }
    }

    /// Nodes other than this one known to hold `package` now.
    func otherHolderCount(of package: ContentID) -> Int { holders(of: package).filter { $0.node != nodeID }.count }

    /// Looks again at the whole catalog for packages a preservation policy now wants (holders expire or leave),
    /// at most every `rarityScanInterval`.
    func rescanForRarityIfDue() {
        let now = ContinuousClock.now
        let due = state.withLock { state -> Bool in
            guard state.mirrors.contains(where: { $0.minHolders != nil }), now >= state.nextRarityScan else { return false }
            state.nextRarityScan = now + Self.rarityScanInterval
            return true
        }
        if due { scanForMirroring() }
    }

    /// How often preservation policies look at the whole catalog again.
    static let rarityScanInterval: Duration = .seconds(300)

    /// Removes `package` if this node holds it only as a mirror and its publisher retracted it (unless the node
    /// serves retracted packages, as an archive does). What the operator published or fetched by hand stays.
    func dropRetractedMirror(_ package: ContentID) {
        guard !options.servesRetracted, store.catalogListing(package)?.retraction != nil, store.mirroredPackages().contains(package) else { return }
        do {
            try store.removePackage(package)
            try store.forgetMirrored(package)
            forgetPackageAnswers(package)
            logger.info("removed a mirrored package its publisher retracted", ["package": package.hex])
            events.record(.retractedDropped(package: package))
        } catch {
            logger.warning("could not remove a retracted mirrored package", ["package": package.shortHex(), "reason": "\(error)"])
        }
    }

    /// Queues every catalog package the mirror policies match and that is not stored yet, and drops mirrored
    /// packages retracted meanwhile.
    func scanForMirroring() {
        for package in store.mirroredPackages() { dropRetractedMirror(package) }
        guard !state.withLock({ $0.mirrors.isEmpty }) else { return }
        for listing in store.catalogListings() where !listing.isStored { considerMirroring(listing.package, from: nil) }
    }

    /// Queues again the mirror fetches that failed earlier and are due (called from the anti-entropy timer).
    func retryMirroring() {
        let due = state.withLock { state -> [ContentID] in
            let now = ContinuousClock.now
            let ready = state.mirrorRetry.filter { $0.value <= now }.map(\.key)
            for package in ready { state.mirrorRetry[package] = nil }
            return ready
        }
        for package in due { considerMirroring(package, from: nil) }
    }

    func mirrorLoop() {
        while true {
            mirrorWake.wait()
            if state.withLock({ $0.isStopping }) { return }
            while let next = state.withLock({ state in state.mirrorQueue.isEmpty ? nil : state.mirrorQueue.removeFirst() }) {
                if state.withLock({ $0.isStopping }) { return }
                do {
                    // Checked again: packages fetched since this one was queued count against the quota.
                    guard shouldMirror(next.package, from: next.from) else {
                        _ = state.withLock { $0.mirrorQueued.remove(next.package) }
                        continue
                    }
                    let result = try fetch(next.package)
                    try store.recordMirrored(next.package)
                    logger.info("mirrored package", ["package": next.package.hex, "title": result.manifest.info.title])
                    events.record(.mirrored(package: next.package))
                } catch {
                    logger.warning("mirroring failed; will retry", ["package": next.package.shortHex(), "reason": "\(error)"])
                    events.record(.mirrorFailed(package: next.package, reason: "\(error)"))
                    state.withLock { $0.mirrorRetry[next.package] = ContinuousClock.now + options.antiEntropyInterval * 2 }
                }
                _ = state.withLock { $0.mirrorQueued.remove(next.package) }
            }
        }
    }
}
