// MirrorPlanner.swift: AllmendeNode. Whether a package fits a mirror policy's quota, and what to evict to make
// room. Pure: the runtime gathers the facts from the store and performs the plan. Spec: README "Mirroring".

import AllmendeCrypto

/// Decides mirroring under quotas: a package is mirrored if a matching policy has no quota, or if one has room
/// for it after evicting that policy's oldest mirrored packages that no other policy also matches. Only packages
/// fetched by mirroring count against a quota or can be evicted (what the operator published or fetched is not).
/// Preservation: packages that fewer than the policy's minimum of other nodes hold (by default: none, i.e. this
/// node has the last known copy) are evicted only when dropping the well-held ones is not enough.
public enum MirrorPlanner {
    /// A package by ID and its size in bytes (the signed summary's claim, at most 2^53).
    public struct Item: Equatable, Sendable {
        public let package: ContentID
        public let size: Int
        /// Other nodes known to hold it (this node not counted).
        public let otherHolders: Int
        public init(package: ContentID, size: Int, otherHolders: Int = .max) {
            self.package = package
            self.size = size
            self.otherHolders = otherHolders
        }
    }

    /// One policy that matches the candidate, as the planner needs it.
    public struct Policy: Equatable, Sendable {
        /// Bytes the policy may hold; nil: no limit.
        public let quota: Int?
        /// Mirrored packages this policy matches, oldest first.
        public let held: [Item]
        /// Which of `held` another policy also matches (those are never evicted for this one).
        public let pinnedElsewhere: Set<ContentID>
        /// Held packages with fewer other holders than this are rare: evicted last.
        public let minHolders: Int
        public init(quota: Int?, held: [Item] = [], pinnedElsewhere: Set<ContentID> = [], minHolders: Int = 1) {
            self.quota = quota
            self.held = held
            self.pinnedElsewhere = pinnedElsewhere
            self.minHolders = minHolders
        }
    }

    public enum Plan: Equatable, Sendable {
        /// Mirror the candidate after removing these packages (oldest first; often none).
        case mirror(evicting: [ContentID])
        /// No matching policy has room, even after evictions.
        case overQuota
        /// No policy matches.
        case noPolicy
    }

    /// The plan for `candidate` given the policies that match it (in configuration order; the first that can
    /// take it wins).
    public static func plan(_ candidate: Item, policies: [Policy]) -> Plan {
        guard !policies.isEmpty else { return .noPolicy }
        if policies.contains(where: { $0.quota == nil }) { return .mirror(evicting: []) }
        for policy in policies {
            guard let quota = policy.quota, candidate.size <= quota else { continue }
            // Sizes are at most 2^53 each: the sum saturates far below Int.max, so it cannot trap.
            var used = policy.held.reduce(0) { min($0 + $1.size, Int.max / 2) }
            var evict: [ContentID] = []
            // Well-held packages first (oldest first), the rare ones only if that is not enough.
            let order = policy.held.filter { $0.otherHolders >= policy.minHolders } + policy.held.filter { $0.otherHolders < policy.minHolders }
            for item in order where used + candidate.size > quota && !policy.pinnedElsewhere.contains(item.package) {
                evict.append(item.package)
                used -= item.size
            }
            if used + candidate.size <= quota { return .mirror(evicting: evict) }
        }
        return .overQuota
    }
}
