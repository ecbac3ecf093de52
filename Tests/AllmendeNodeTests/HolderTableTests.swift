// HolderTableTests.swift: the holder table on its own (whole states, changes, renewals, lies, expiry, bounds) and
// holder records spreading through simulated networks of real node cores.

import AllmendeCrypto
import AllmendeNode
import AllmendeWire
import Testing

@Suite("Holder table and holder records in the simulation")
struct HolderTableTests {
    static let packages = (0..<8).map { SHA256Hasher.hash(Array("package \($0)".utf8)) }
    static let t0: Int64 = 1_800_000_000

    static func node(_ index: Int) -> NodeID {
        let key = try! Ed25519PrivateKey(rawRepresentation: Array(repeating: UInt8(index + 1), count: 32))
        return NodeID(publicKey: key.publicKey)
    }

    /// A state of `ids` (whole, or as a change against `base` whose set was `previous`).
    static func update(_ node: NodeID, _ ids: Set<ContentID>, seq: UInt64, time: Int64 = t0, lifetime: Int64 = 3600,
                       base: UInt64 = 0, previous: Set<ContentID> = []) -> HolderUpdate {
        let sorted = ids.sorted()
        return HolderUpdate(node: node, addresses: ["198.51.100.\(seq % 250):7310"], seq: seq, time: time, expires: time + lifetime, count: sorted.count, digest: ContentID.setDigest(sorted),
                            signature: Array(repeating: 0, count: 64), base: base,
                            added: base == 0 ? sorted : ids.subtracting(previous).sorted(), removed: base == 0 ? [] : previous.subtracting(ids).sorted())
    }

    @Test("a whole state, then a change against it, then a renewal; older and repeated states are stale")
    func wholeChangeRenewal() {
        var table = HolderTable()
        let a = Self.node(0)
        let first = Set(Self.packages.prefix(3)), second = Set(Self.packages[1..<5])
        #expect(table.apply(Self.update(a, first, seq: 10), now: Self.t0) == .applied(changed: true))
        #expect(table.holders(of: Self.packages[0], now: Self.t0).map(\.node) == [a])
        #expect(table.apply(Self.update(a, second, seq: 11, base: 10, previous: first), now: Self.t0) == .applied(changed: true))
        #expect(table.holders(of: Self.packages[0], now: Self.t0).isEmpty)
        #expect(table.holders(of: Self.packages[4], now: Self.t0).map(\.node) == [a])
        #expect(table.pairs == 4)
        #expect(table.apply(Self.update(a, second, seq: 12, base: 11, previous: second), now: Self.t0) == .applied(changed: false))
        #expect(table.apply(Self.update(a, first, seq: 12), now: Self.t0) == .stale)
        #expect(table.apply(Self.update(a, first, seq: 3), now: Self.t0) == .stale)
        #expect(table.whole(named: HolderTable.stateID(node: a, seq: 0))?.added == second.sorted())
        #expect(table.seq(named: HolderTable.stateID(node: a, seq: 99)) == 12)
    }

    @Test("a change whose base is not kept asks for the whole state; lists that miss the signed digest or count are a mismatch")
    func baseAndLies() {
        var table = HolderTable()
        let a = Self.node(0), b = Self.node(1)
        let first = Set(Self.packages.prefix(3)), second = Set(Self.packages.prefix(4))
        #expect(table.apply(Self.update(a, second, seq: 5, base: 4, previous: first), now: Self.t0) == .needsBase)
        #expect(table.apply(Self.update(a, first, seq: 4), now: Self.t0) == .applied(changed: true))
        #expect(table.apply(Self.update(a, second, seq: 6, base: 5, previous: first), now: Self.t0) == .needsBase)
        // The lists altered on the way: an ID dropped from a whole state, an ID added to a change, a removal of
        // something never held, unsorted lists.
        let honest = Self.update(b, second, seq: 1)
        let dropped = HolderUpdate(node: b, seq: 1, time: Self.t0, expires: Self.t0 + 60, count: 4, digest: honest.digest, signature: honest.signature,
                                   base: 0, added: Array(honest.added.dropLast()), removed: [])
        #expect(table.apply(dropped, now: Self.t0) == .mismatch)
        let change = Self.update(a, second, seq: 5, base: 4, previous: first)
        let padded = HolderUpdate(node: a, seq: 5, time: Self.t0, expires: Self.t0 + 60, count: change.count, digest: change.digest,
                                  signature: change.signature, base: 4, added: change.added + [Self.packages[7]], removed: [])
        #expect(table.apply(padded, now: Self.t0) == .mismatch)
        let removesUnknown = HolderUpdate(node: a, seq: 5, time: Self.t0, expires: Self.t0 + 60, count: change.count, digest: change.digest,
                                          signature: change.signature, base: 4, added: change.added, removed: [Self.packages[6]])
        #expect(table.apply(removesUnknown, now: Self.t0) == .mismatch)
        let unsorted = HolderUpdate(node: b, seq: 1, time: Self.t0, expires: Self.t0 + 60, count: 4, digest: honest.digest, signature: honest.signature,
                                    base: 0, added: honest.added.reversed(), removed: [])
        #expect(table.apply(unsorted, now: Self.t0) == .mismatch)
        #expect(table.apply(change, now: Self.t0) == .applied(changed: true))
    }

    @Test("states expire by their signed time; holders come freshest first, at most K per package; the table refuses new nodes when full")
    func expiryOrderAndBounds() {
        var settings = HolderTable.Settings()
        settings.holdersPerPackage = 3
        settings.maximumNodes = 5
        settings.maximumPairs = 12
        var table = HolderTable(settings: settings)
        let shared = Self.packages[0]
        for index in 0..<5 {
            #expect(table.apply(Self.update(Self.node(index), [shared, Self.packages[index + 1]], seq: 1, time: Self.t0 + Int64(index) * 10), now: Self.t0 + 40)
                    == .applied(changed: true))
        }
        #expect(table.holders(of: shared, now: Self.t0 + 40).map(\.node) == [Self.node(4), Self.node(3), Self.node(2)])
        #expect(table.holderCounts(now: Self.t0 + 40)[shared] == 3)
        #expect(table.apply(Self.update(Self.node(6), [shared], seq: 1, time: Self.t0 + 40), now: Self.t0 + 40) == .full)
        // A known node may grow within the pair budget (10 pairs used, 12 allowed) but not beyond it.
        #expect(table.apply(Self.update(Self.node(0), Set(Self.packages.prefix(4)), seq: 2, time: Self.t0 + 40), now: Self.t0 + 40) == .applied(changed: true))
        #expect(table.apply(Self.update(Self.node(1), Set(Self.packages), seq: 2, time: Self.t0 + 40), now: Self.t0 + 40) == .full)
        // An hour and 25 s later the states signed at +10 and +20 have expired; node 0 renewed at +40.
        let later = Self.t0 + 3600 + 25
        #expect(table.holders(of: Self.packages[1], now: later).map(\.node) == [Self.node(0)])
        table.expire(now: later)
        #expect(table.holders(of: Self.packages[2], now: later).isEmpty == false && table.holders(of: Self.packages[3], now: later).map(\.node) == [Self.node(0)])
        #expect(table.nodeCount == 3 && table.pairs == 4 + 2 + 2)
        #expect(table.apply(Self.update(Self.node(6), [shared], seq: 1, time: later), now: later) == .applied(changed: true), "room again")
        #expect(table.apply(Self.update(Self.node(7), [shared], seq: 1, time: Self.t0), now: later) == .stale, "expired on arrival")
    }

    @Test("in 300 simulated nodes with 5 % loss, a new holder is known everywhere within seconds; a change and a newcomer follow")
    func spreading() {
        var settings = NetworkSettings()
        settings.loss = 0.05
        settings.seed = 3
        let network = NetworkSimulation(nodeCount: 300, settings: settings)
        network.connectRandomly(dials: 2...3)
        network.run(until: .seconds(5))
        let held = Set(Self.packages.prefix(3))
        network.announceHoldings(at: 17, held, time: .seconds(6))
        network.run(until: .seconds(16))
        let holder = network.nodeID(of: 17)
        let knowing = (0..<300).filter { network.knownHolders(of: Self.packages[0], at: $0) == [holder] }.count
        #expect(knowing >= 270, "\(knowing) of 300 know the holder 10 s after the announcement (push only)")
        // Reconciliation rounds bring it to the rest.
        network.run(until: NetworkSimulationTests.round * 4)
        #expect((0..<300).allSatisfy { network.knownHolders(of: Self.packages[0], at: $0) == [holder] })
        // A change: package 0 dropped, package 5 added.
        network.announceHoldings(at: 17, Set(Self.packages[1..<3] + [Self.packages[5]]), time: network.now + .seconds(1))
        network.run(until: network.now + NetworkSimulationTests.round * 4)
        #expect((0..<300).allSatisfy { network.knownHolders(of: Self.packages[5], at: $0) == [holder] && network.knownHolders(of: Self.packages[0], at: $0).isEmpty })
        // A node that joins later learns it by reconciliation.
        let newcomer = network.join(dials: 2, at: network.now)
        network.run(until: network.now + NetworkSimulationTests.round * 3)
        #expect(network.knownHolders(of: Self.packages[5], at: newcomer) == [holder])
        #expect(network.holderPairs(at: newcomer) == 3)
    }

    @Test("the saved table: states round-trip whole with their signatures; a flipped byte, a cut, trailing bytes or another file are refused")
    func codec() throws {
        var table = HolderTable()
        _ = table.apply(Self.update(Self.node(0), Set(Self.packages.prefix(3)), seq: 4), now: Self.t0)
        _ = table.apply(Self.update(Self.node(1), [], seq: 9), now: Self.t0)
        _ = table.apply(Self.update(Self.node(2), Set(Self.packages), seq: 2, lifetime: 10), now: Self.t0)
        let states = table.states(now: Self.t0 + 20)
        #expect(states.count == 2, "the expired state is not saved")
        let bytes = HolderTableCodec.encode(states)
        let decoded = try HolderTableCodec.decode(bytes)
        #expect(decoded == states)
        var restored = HolderTable()
        for state in decoded { #expect(restored.apply(state, now: Self.t0 + 20) == .applied(changed: true)) }
        #expect(restored.holders(of: Self.packages[0], now: Self.t0 + 20).map(\.node) == [Self.node(0)])
        var random = SplitMix64(seed: 5)
        for _ in 0..<200 {
            var damaged = bytes
            let index = Int(random.next() % UInt64(bytes.count))
            damaged[index] ^= UInt8(1 << (random.next() % 8))
            #expect(throws: HolderTableCodec.DecodeError.self) { try HolderTableCodec.decode(damaged) }
        }
        #expect(throws: HolderTableCodec.DecodeError.self) { try HolderTableCodec.decode(Array(bytes.dropLast(40))) }
        #expect(throws: HolderTableCodec.DecodeError.notAHolderFile) { try HolderTableCodec.decode(Array("AMCATLOG and more bytes than forty-four, surely".utf8)) }
        #expect(try HolderTableCodec.decode(HolderTableCodec.encode([])).isEmpty)
    }

    @Test("reconciliation sends a peer one state behind a change from its state (a renewal carries no IDs), a peer further behind the whole state")
    func reconciledRenewalIsAChange() {
        let x = Self.node(5)
        let set = Set(Self.packages)
        let first = Self.update(x, set, seq: 4, time: Self.t0, lifetime: 7200)
        let renewal = Self.update(x, set, seq: 5, time: Self.t0 + 60, lifetime: 7200, base: 4, previous: set)
        var table = HolderTable()
        #expect(table.apply(first, now: Self.t0) == .applied(changed: true))
        #expect(table.apply(renewal, now: Self.t0 + 60) == .applied(changed: false))
        let change = table.change(forPeerWith: HolderTable.stateID(node: x, seq: 4))
        #expect(change?.base == 4 && change?.added == [] && change?.removed == [] && change?.seq == 5)
        #expect(table.change(forPeerWith: HolderTable.stateID(node: x, seq: 3)) == nil)

        // Two cores: A has the renewal, B the state before it. A reconciles with B; B ends with the renewal, sent as a change.
        var a = NodeCore<Int>(node: Self.node(1), seed: 1)
        var b = NodeCore<Int>(node: Self.node(2), seed: 2)
        a.wallTime = Self.t0 + 60
        b.wallTime = Self.t0 + 60
        _ = a.handle(.holdingsChecked(first, from: 2), at: .zero, catalog: DictionaryCatalog())
        _ = a.handle(.holdingsChecked(renewal, from: 2), at: .zero, catalog: DictionaryCatalog())
        _ = b.handle(.holdingsChecked(first, from: 1), at: .zero, catalog: DictionaryCatalog())
        _ = b.handle(.connected(1, peer: Self.node(1), isOutbound: false), at: .zero, catalog: DictionaryCatalog())
        var toB = a.handle(.connected(2, peer: Self.node(2), isOutbound: true), at: .zero, catalog: DictionaryCatalog())
        var sent: [HolderUpdate] = []
        for _ in 0..<20 where !toB.isEmpty {
            var toA: [NodeAction<Int>] = []
            for action in toB {
                switch action {
                case let .send(_, message): toA += b.handle(.received(1, message), at: .seconds(1), catalog: DictionaryCatalog())
                case let .sendHoldings(_, update):
                    sent.append(update)
                    toA += b.handle(.holdingsChecked(update, from: 1), at: .seconds(1), catalog: DictionaryCatalog())
                default: break
                }
            }
            toB = []
            for action in toA {
                switch action {
                case let .send(_, message): toB += a.handle(.received(2, message), at: .seconds(1), catalog: DictionaryCatalog())
                case let .sendHoldings(_, update): toB += a.handle(.holdingsChecked(update, from: 2), at: .seconds(1), catalog: DictionaryCatalog())
                default: break
                }
            }
        }
        #expect(b.holders.state(of: x)?.update.seq == 5)
        #expect(sent.count == 1 && sent.first?.base == 4 && sent.first?.added.isEmpty == true)
    }

    @Test("hostile holder messages: a malformed holders-reconcile closes the connection; records that fail their checks are strikes; a flood is dropped unread")
    func hostileMessages() {
        var core = NodeCore<Int>(node: Self.node(1), seed: 1)
        core.wallTime = Self.t0
        _ = core.handle(.connected(2, peer: Self.node(2), isOutbound: false), at: .zero, catalog: DictionaryCatalog())
        let malformed = core.handle(.received(2, .holdersReconcile(payload: [0x01, 0xFF, 0x09, 0x00])), at: .zero, catalog: DictionaryCatalog())
        #expect(malformed.contains { if case .disconnect(2, .protocolError, _) = $0 { true } else { false } })

        var liar = NodeCore<Int>(node: Self.node(1), seed: 1)
        liar.wallTime = Self.t0
        _ = liar.handle(.connected(3, peer: Self.node(3), isOutbound: false), at: .zero, catalog: DictionaryCatalog())
        var closed = false
        for attempt in 0..<3 {
            let actions = liar.handle(.holdingsChecked(nil, from: 3), at: .seconds(Double(attempt)), catalog: DictionaryCatalog())
            closed = closed || actions.contains { if case .disconnect(3, .misbehaving, _) = $0 { true } else { false } }
        }
        #expect(closed, "three bad records close the connection")

        // 10,000 records in one second: the checks asked for stop at the burst.
        var flooded = NodeCore<Int>(node: Self.node(1), seed: 1)
        _ = flooded.handle(.connected(4, peer: Self.node(4), isOutbound: false), at: .zero, catalog: DictionaryCatalog())
        var checks = 0
        for _ in 0..<10_000 {
            let actions = flooded.handle(.received(4, .holdings(record: [0x7B])), at: .milliseconds(500), catalog: DictionaryCatalog())
            checks += actions.filter { if case .checkHoldings = $0 { true } else { false } }.count
        }
        #expect(checks <= Int(WireLimits.holdingsBurst) + 10)
    }
}
