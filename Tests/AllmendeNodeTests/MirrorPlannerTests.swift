// MirrorPlannerTests.swift: quotas and eviction as a pure function.

import AllmendeCrypto
import AllmendeNode
import Testing

@Suite("Mirror planner")
struct MirrorPlannerTests {
    static func item(_ number: UInt8, _ size: Int) -> MirrorPlanner.Item { MirrorPlanner.Item(package: SHA256Hasher.hash([number]), size: size) }

    @Test("no matching policy: nothing; a policy without quota: always, evicting nothing")
    func basics() {
        #expect(MirrorPlanner.plan(Self.item(1, 10), policies: []) == .noPolicy)
        let full = MirrorPlanner.Policy(quota: 10, held: [Self.item(2, 10)])
        #expect(MirrorPlanner.plan(Self.item(1, 1 << 40), policies: [full, MirrorPlanner.Policy(quota: nil)]) == .mirror(evicting: []))
    }

    @Test("room is made by evicting the oldest held packages, only as many as needed")
    func evictsOldestFirst() {
        let policy = MirrorPlanner.Policy(quota: 100, held: [Self.item(2, 40), Self.item(3, 40), Self.item(4, 10)])
        #expect(MirrorPlanner.plan(Self.item(1, 10), policies: [policy]) == .mirror(evicting: []))
        #expect(MirrorPlanner.plan(Self.item(1, 30), policies: [policy]) == .mirror(evicting: [Self.item(2, 40).package]))
        #expect(MirrorPlanner.plan(Self.item(1, 60), policies: [policy]) == .mirror(evicting: [Self.item(2, 40).package, Self.item(3, 40).package]))
    }

    @Test("a package another policy also matches is never evicted; a package larger than every quota is over quota")
    func pinnedAndTooLarge() {
        let pinned = MirrorPlanner.Policy(quota: 100, held: [Self.item(2, 60), Self.item(3, 40)], pinnedElsewhere: [Self.item(2, 60).package])
        #expect(MirrorPlanner.plan(Self.item(1, 40), policies: [pinned]) == .mirror(evicting: [Self.item(3, 40).package]))
        #expect(MirrorPlanner.plan(Self.item(1, 50), policies: [pinned]) == .overQuota)
        #expect(MirrorPlanner.plan(Self.item(1, 101), policies: [MirrorPlanner.Policy(quota: 100)]) == .overQuota)
        // The first policy that can take it wins; a later one with room is used when the first cannot.
        let roomy = MirrorPlanner.Policy(quota: 1000, held: [Self.item(5, 10)])
        #expect(MirrorPlanner.plan(Self.item(1, 50), policies: [pinned, roomy]) == .mirror(evicting: []))
    }

    @Test("sizes near 2^53 saturate instead of trapping")
    func hugeSizes() {
        let huge = MirrorPlanner.Policy(quota: 1 << 53, held: (0..<2000).map { Self.item(UInt8($0 % 250), 1 << 53) })
        if case .mirror = MirrorPlanner.plan(Self.item(1, 1), policies: [huge]) {} else { Issue.record("expected a plan that evicts") }
    }

    @Test("rare packages are evicted last: the well-held ones go first (oldest first), the last copies only if that is not enough")
    func rareLast() {
        let rare = MirrorPlanner.Item(package: SHA256Hasher.hash([2]), size: 40, otherHolders: 0)
        let held = MirrorPlanner.Item(package: SHA256Hasher.hash([3]), size: 40, otherHolders: 5)
        let few = MirrorPlanner.Item(package: SHA256Hasher.hash([4]), size: 20, otherHolders: 1)
        let policy = MirrorPlanner.Policy(quota: 100, held: [rare, held, few], minHolders: 2)
        #expect(MirrorPlanner.plan(Self.item(1, 30), policies: [policy]) == .mirror(evicting: [held.package]))
        #expect(MirrorPlanner.plan(Self.item(1, 60), policies: [policy]) == .mirror(evicting: [held.package, rare.package]))
        // By default only a package nobody else holds counts as rare.
        let plain = MirrorPlanner.Policy(quota: 100, held: [rare, held, few])
        #expect(MirrorPlanner.plan(Self.item(1, 55), policies: [plain]) == .mirror(evicting: [held.package, few.package]))
    }
}
