// NodeRuntime+Mirror.swift: AllmendeRuntime. Mirroring: fetch in full what matches the operator's policies.

import AllmendeCrypto
import AllmendeModel
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

    /// True if a policy matches `package`, it is neither stored nor retracted, and a matching policy's quota
    /// still has room for it (what the policy already holds plus this package).
    private func shouldMirror(_ package: ContentID, from peer: NodeID?) -> Bool {
        guard !options.mirrors.isEmpty, !store.hasManifest(package) else { return false }
        let listings = store.catalogListings()
        guard let listing = listings.first(where: { $0.package == package }), listing.retraction == nil else { return false }
        let policies = options.mirrors.filter { $0.matches(publisher: listing.publisher, tags: listing.summary.tags, from: peer) }
        guard !policies.isEmpty else { return false }
        let fits = policies.contains { policy in
            guard let quota = policy.quota else { return true }
            let used = listings.filter { $0.isStored && policy.matches(publisher: $0.publisher, tags: $0.summary.tags, from: nil) }
                .reduce(0) { $0 + $1.summary.size }
            return used + listing.summary.size <= quota
        }
        if !fits { logger.info("not mirroring: over quota", ["package": package.shortHex(), "size": String(listing.summary.size)]) }
        return fits
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
                    logger.info("mirrored package", ["package": next.package.hex, "title": result.manifest.info.title])
                } catch {
                    logger.warning("mirroring failed", ["package": next.package.shortHex(), "reason": "\(error)"])
                }
                _ = state.withLock { $0.mirrorQueued.remove(next.package) }
            }
        }
    }
}
