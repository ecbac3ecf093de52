// PeerDirectoryTests.swift: whom to dial, with back-off and the outbound target, on a virtual clock.

import AllmendeCrypto
import AllmendeNode
import Testing

@Suite("Peer directory")
struct PeerDirectoryTests {
    static func announcement(_ number: UInt8, time: Int64 = 1000) -> VerifiedAnnouncement {
        VerifiedAnnouncement(node: NodeCoreTests.nodeID(number), addresses: ["192.0.2.\(number):7310"], time: time,
                             bytes: Array("announcement \(number) \(time)".utf8))
    }

    @Test("configured peers are dialled at once and once; a failing one backs off, doubling up to the maximum")
    func backoff() {
        var directory = PeerDirectory()
        var random = SplitMix64(seed: 1)
        let peer = DialTarget(address: "192.0.2.1:7310", node: nil)
        directory.configure(peers: [peer], allowList: nil)
        #expect(directory.dueDials(now: .zero, connectedNodes: [], connectedAddresses: [], outbound: 0, random: &random) == [peer])
        // Being dialled: not again.
        #expect(directory.dueDials(now: .zero, connectedNodes: [], connectedAddresses: [], outbound: 0, random: &random).isEmpty)
        var now = Duration.zero
        var waits: [Duration] = []
        for _ in 0..<12 {
            directory.dialEnded(peer, .failed, now: now, random: &random)
            let wait = directory.retryIn(peer.address, now: now) ?? .zero
            waits.append(wait)
            #expect(directory.dueDials(now: now + wait - .milliseconds(1), connectedNodes: [], connectedAddresses: [], outbound: 0, random: &random).isEmpty)
            now += wait
            #expect(directory.dueDials(now: now, connectedNodes: [], connectedAddresses: [], outbound: 0, random: &random) == [peer])
        }
        #expect(waits[0] >= .milliseconds(500) && waits[0] <= .seconds(1))
        #expect(waits.allSatisfy { $0 <= .seconds(60) })
        #expect(waits.last! >= .seconds(30))
        // Connected: the back-off is forgotten; a second report of the same dial changes nothing.
        directory.dialEnded(peer, .connected, now: now, random: &random)
        directory.dialEnded(peer, .failed, now: now, random: &random)
        #expect(directory.retryIn(peer.address, now: now) == nil)
    }

    @Test("discovered nodes top outbound connections up to the target, never one that is connected or not allowed")
    func outboundTarget() {
        var settings = PeerDirectory.Settings()
        settings.targetOutbound = 3
        var directory = PeerDirectory(settings: settings)
        var random = SplitMix64(seed: 2)
        for number in UInt8(1)...10 {
            let isNew = directory.learn(Self.announcement(number), now: .zero)
            #expect(isNew)
        }
        directory.configure(peers: [], allowList: (1...10).filter { $0 != 4 }.map { NodeCoreTests.nodeID(UInt8($0)) })
        let connected: Set<NodeID> = [NodeCoreTests.nodeID(1)]
        let first = directory.dueDials(now: .zero, connectedNodes: connected, connectedAddresses: [], outbound: 1, random: &random)
        #expect(first.count == 2)
        #expect(!first.contains { $0.node == NodeCoreTests.nodeID(1) || $0.node == NodeCoreTests.nodeID(4) })
        // Dials under way count toward the target.
        #expect(directory.dueDials(now: .zero, connectedNodes: connected, connectedAddresses: [], outbound: 1, random: &random).isEmpty)
    }

    @Test("announcements: newer ones replace older, each is new once, and the book stays within its size")
    func addressBook() {
        var settings = PeerDirectory.Settings()
        settings.addressBookSize = 5
        var directory = PeerDirectory(settings: settings)
        do {
            let isNew = directory.learn(Self.announcement(1, time: 100), now: .zero)
            #expect(isNew)
        }
        do {
            let isNew = directory.learn(Self.announcement(1, time: 100), now: .seconds(1))
            #expect(!isNew)
        }
        do {
            let isNew = directory.learn(Self.announcement(1, time: 50), now: .seconds(1))
            #expect(!isNew)
        }
        do {
            let isNew = directory.learn(Self.announcement(1, time: 200), now: .seconds(1))
            #expect(isNew)
        }
        for number in UInt8(2)...9 { _ = directory.learn(Self.announcement(number, time: Int64(number) * 1000), now: .seconds(2)) }
        #expect(directory.knownNodes.count == 5)
        #expect(!directory.knownNodes.contains(NodeCoreTests.nodeID(1)))
        // Dropped from the book, but still seen: not new again.
        do {
            let isNew = directory.learn(Self.announcement(1, time: 200), now: .seconds(3))
            #expect(!isNew)
        }
    }

    @Test("the core forwards a new announcement to up to 4 peers, never to its sender or the node it announces")
    func coreForwardsAnnouncements() {
        let catalog = DictionaryCatalog()
        var core = NodeCoreTests.core(peers: (1...8).map { (link: Int($0), node: UInt8($0)) })
        let bytes = Array("node 3's announcement".utf8)
        #expect(core.handle(.received(1, .node(announcement: bytes)), at: .seconds(1), catalog: catalog) == [.checkNodeAnnouncement(bytes, from: 1)])
        let verified = VerifiedAnnouncement(node: NodeCoreTests.nodeID(3), addresses: ["192.0.2.3:7310"], time: 1, bytes: bytes)
        let actions = core.handle(.nodeAnnouncementChecked(verified, from: 1), at: .seconds(1), catalog: catalog)
        let targets = actions.compactMap { if case let .send(link, .node) = $0 { link } else { nil } }
        #expect(targets.count == 4 && !targets.contains(1) && !targets.contains(3))
        #expect(core.handle(.nodeAnnouncementChecked(verified, from: 2), at: .seconds(2), catalog: catalog).filter {
            if case .send = $0 { true } else { false }
        }.isEmpty)
        // A refused announcement is dropped; beyond the burst, announcements are not even checked.
        #expect(core.handle(.nodeAnnouncementChecked(nil, from: 1), at: .seconds(2), catalog: catalog).allSatisfy { if case .send = $0 { false } else { true } })
        var checks = 0
        for number in 0..<200 {
            checks += core.handle(.received(5, .node(announcement: Array("spam \(number)".utf8))), at: .seconds(3), catalog: catalog).count
        }
        #expect(checks == 100)
    }

    @Test("reconfiguring closes connections to removed peers and to nodes no longer allowed")
    func reconfigure() {
        let catalog = DictionaryCatalog()
        var core = NodeCore<Int>(node: NodeCoreTests.nodeID(0), seed: 1)
        let kept = DialTarget(address: "192.0.2.1:7310", node: nil), dropped = DialTarget(address: "192.0.2.2:7310", node: nil)
        let dials = core.handle(.configured(peers: [kept, dropped], allowList: nil), at: .zero, catalog: catalog)
        #expect(Set(dials.compactMap { if case let .dial(target) = $0 { target } else { nil } }) == [kept, dropped])
        _ = core.handle(.connected(1, peer: NodeCoreTests.nodeID(1), isOutbound: true, address: kept.address), at: .seconds(1), catalog: catalog)
        _ = core.handle(.connected(2, peer: NodeCoreTests.nodeID(2), isOutbound: true, address: dropped.address), at: .seconds(1), catalog: catalog)
        _ = core.handle(.connected(3, peer: NodeCoreTests.nodeID(3), isOutbound: false), at: .seconds(1), catalog: catalog)
        let actions = core.handle(.configured(peers: [kept], allowList: [NodeCoreTests.nodeID(1), NodeCoreTests.nodeID(2)]), at: .seconds(2), catalog: catalog)
        let closed = actions.compactMap { if case let .disconnect(link, code, _) = $0 { [link: code] } else { nil } }
        #expect(closed == [[2: .normal], [3: .notAllowed]])
        // A connection that completes after the allow-list changed is closed at once.
        let late = core.handle(.connected(4, peer: NodeCoreTests.nodeID(4), isOutbound: false), at: .seconds(3), catalog: catalog)
        #expect(late == [.disconnect(4, .notAllowed, "this node accepts only listed peers")])
        #expect(core.peer(on: 4) == nil)
    }

    @Test("a wanted node the address book does not know is dialled at the addresses its holdings gave; the book's announcement wins when there is one")
    func wantedAtHoldingsAddress() {
        var directory = PeerDirectory()
        var random = SplitMix64(seed: 3)
        let holder = NodeCoreTests.nodeID(9)
        directory.want([holder], until: .seconds(60), addresses: [holder: ["198.51.100.9:7310"]])
        let first = directory.dueDials(now: .zero, connectedNodes: [], connectedAddresses: [], outbound: 8, random: &random)
        #expect(first == [DialTarget(address: "198.51.100.9:7310", node: holder)])
        directory.dialEnded(DialTarget(address: "198.51.100.9:7310", node: holder), .failed, now: .zero, random: &random)
        let learned = directory.learn(Self.announcement(9), now: .zero)
        #expect(learned)
        let second = directory.dueDials(now: .seconds(1), connectedNodes: [], connectedAddresses: [], outbound: 8, random: &random)
        #expect(second == [DialTarget(address: "192.0.2.9:7310", node: holder)])
        // Once the want has ended, the holdings' addresses are forgotten with it.
        directory.expireWants(now: .seconds(61))
        #expect(directory.dialAddresses(of: NodeCoreTests.nodeID(10)).isEmpty)
    }

    @Test("a node that said it is full is dialled again only after a back-off that grows like a failed dial's")
    func backOffWhenFull() {
        var directory = PeerDirectory()
        var random = SplitMix64(seed: 4)
        let full = DialTarget(address: "192.0.2.7:7310", node: nil)
        directory.configure(peers: [full], allowList: nil)
        #expect(directory.dueDials(now: .zero, connectedNodes: [], connectedAddresses: [], outbound: 0, random: &random) == [full])
        directory.dialEnded(full, .connected, now: .zero, random: &random)
        directory.backOff(full.address, now: .seconds(1), random: &random)
        let first = directory.retryIn(full.address, now: .seconds(1)) ?? .zero
        #expect(first > .zero)
        #expect(directory.dueDials(now: .seconds(1), connectedNodes: [], connectedAddresses: [], outbound: 0, random: &random).isEmpty)
        directory.backOff(full.address, now: .seconds(10), random: &random)
        #expect((directory.retryIn(full.address, now: .seconds(10)) ?? .zero) > first / 2)
        #expect(directory.dueDials(now: .seconds(100), connectedNodes: [], connectedAddresses: [], outbound: 0, random: &random) == [full])
    }
}
