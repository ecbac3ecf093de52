// NodeCoreTests.swift: the pure tier. NodeCore's catalog decisions, event by event on a virtual clock.

import AllmendeCrypto
import AllmendeNode
import AllmendeWire
import Testing

/// A catalog in a dictionary.
struct DictionaryCatalog: CatalogReading {
    var entries: [ContentID: [UInt8]] = [:]
    func contains(_ id: ContentID) -> Bool { entries[id] != nil }
    func entryBytes(_ id: ContentID) -> [UInt8]? { entries[id] }
    func reconciler() -> RangeReconciler { RangeReconciler(ids: Array(entries.keys)) }
    mutating func add(_ bytes: [UInt8]) -> ContentID {
        let id = SHA256Hasher.hash(bytes)
        entries[id] = bytes
        return id
    }
}

extension NodeAction<Int> {
    var sentAnnounce: (link: Int, bytes: [UInt8])? { if case let .send(link, .announce(bytes)) = self { (link, bytes) } else { nil } }
    var sentReconcile: (link: Int, session: UInt32, ranges: [ReconcileRange])? {
        guard case let .send(link, .reconcile(session, payload)) = self, let ranges = try? ReconcileCodec.decode(payload) else { return nil }
        return (link, session, ranges)
    }
    var isEnd: Bool { sentReconcile?.ranges.allSatisfy { $0.mode == .skip } ?? false }
}

@Suite("NodeCore")
struct NodeCoreTests {
    static func nodeID(_ number: UInt8) -> NodeID {
        // Ed25519 seeds are any 32 bytes.
        NodeID(publicKey: (try? Ed25519PrivateKey(rawRepresentation: [UInt8](repeating: number, count: 32)))!.publicKey)
    }

    static func core(peers: [(link: Int, node: UInt8)], seed: UInt64 = 1, catalog: DictionaryCatalog = DictionaryCatalog()) -> NodeCore<Int> {
        var core = NodeCore<Int>(node: nodeID(0), seed: seed)
        // Inbound links: no session is started on connect.
        for (link, node) in peers { _ = core.handle(.connected(link, peer: nodeID(node), isOutbound: false), at: .zero, catalog: catalog) }
        return core
    }

    @Test("an unknown entry is checked; once accepted it goes to at most 4 peers, never back to the sender's node")
    func gossip() {
        let catalog = DictionaryCatalog()
        // Links 1 and 2 are the same node (two connections); 3…8 are others.
        var core = Self.core(peers: [(1, 1), (2, 1), (3, 3), (4, 4), (5, 5), (6, 6), (7, 7), (8, 8)])
        let entry: [UInt8] = Array("an entry".utf8)
        let id = SHA256Hasher.hash(entry)
        #expect(core.handle(.received(1, .announce(entry: entry)), at: .seconds(1), catalog: catalog) == [.checkEntry(id, bytes: entry, from: 1)])
        // While it is being checked, the same entry from another peer is not checked twice.
        #expect(core.handle(.received(3, .announce(entry: entry)), at: .seconds(1), catalog: catalog).isEmpty)
        let forwarded = core.handle(.entryChecked(id, bytes: entry, from: 1, .accepted), at: .seconds(1), catalog: catalog).compactMap(\.sentAnnounce)
        #expect(forwarded.count == 4)
        #expect(Set(forwarded.map(\.link)).count == 4)
        #expect(!forwarded.contains { $0.link == 1 || $0.link == 2 })
        // Once in the catalog (the seen-set), it is never checked or forwarded again.
        var stored = catalog
        _ = stored.add(entry)
        #expect(core.handle(.received(4, .announce(entry: entry)), at: .seconds(2), catalog: stored).isEmpty)
    }

    @Test("announces beyond the burst are dropped unread; the bucket refills at 50 a second")
    func announceBudget() {
        let catalog = DictionaryCatalog()
        var core = Self.core(peers: [(1, 1)])
        var checked = 0
        for number in 0..<1100 {
            let actions = core.handle(.received(1, .announce(entry: Array("entry \(number)".utf8))), at: .seconds(1), catalog: catalog)
            checked += actions.count
        }
        #expect(checked == Int(WireLimits.announceBurst))
        var later = 0
        for number in 0..<100 {
            later += core.handle(.received(1, .announce(entry: Array("later \(number)".utf8))), at: .seconds(2), catalog: catalog).count
        }
        #expect(later == Int(WireLimits.announcesPerSecond))
    }

    @Test("get-entries is answered up to 100,000 entries per peer, then 1,000 a second; another peer has its own budget; never a strike")
    func entriesServedBudget() {
        var catalog = DictionaryCatalog()
        let ids = (0..<2000).map { catalog.add(Array("entry \($0)".utf8)) }
        var core = Self.core(peers: [(1, 1), (2, 2)], catalog: catalog)
        func served(_ link: Int, at time: Duration) -> Int {
            let actions = core.handle(.received(link, .getEntries(ids: ids)), at: time, catalog: catalog)
            #expect(!actions.contains { if case .disconnect = $0 { true } else { false } })
            return actions.compactMap(\.sentAnnounce).filter { $0.link == link }.count
        }
        // A peer asking for the same 2,000 entries again and again: 50 whole answers, then one part.
        let rounds = Int(WireLimits.entriesServedBurst) / ids.count
        #expect((0..<rounds).map { _ in served(1, at: .seconds(1)) } == Array(repeating: ids.count, count: rounds))
        #expect(served(1, at: .seconds(1)) == 0)
        #expect(served(1, at: .seconds(2)) == Int(WireLimits.entriesServedPerSecond))
        // Another peer is not held back by the first.
        #expect(served(2, at: .seconds(2)) == ids.count)
    }

    @Test("three invalid entries close to each other disconnect every connection of that node; strikes decay")
    func strikes() {
        let catalog = DictionaryCatalog()
        var core = Self.core(peers: [(1, 1), (2, 1), (3, 3)])
        func reject(_ number: Int, at time: Duration) -> [NodeAction<Int>] {
            let bytes = Array("bad \(number)".utf8)
            return core.handle(.entryChecked(SHA256Hasher.hash(bytes), bytes: bytes, from: 1, .rejected), at: time, catalog: catalog)
        }
        #expect(reject(1, at: .seconds(1)).isEmpty)
        #expect(reject(2, at: .seconds(2)).isEmpty)
        // Two strikes decay over two decay periods: a third, much later, is forgiven.
        #expect(reject(3, at: .seconds(2) + NodeTimeouts.strikeDecay * 2).isEmpty)
        #expect(reject(4, at: .seconds(3) + NodeTimeouts.strikeDecay * 2).isEmpty)
        let dropped = reject(5, at: .seconds(4) + NodeTimeouts.strikeDecay * 2)
        #expect(Set(dropped.compactMap { if case let .disconnect(link, .misbehaving, _) = $0 { link } else { nil } }) == [1, 2])
        // Not the sender's fault: no strike at all.
        var other = Self.core(peers: [(1, 1)])
        for number in 0..<10 {
            let bytes = Array("unstored \(number)".utf8)
            for verdict in [EntryCheck.notStored, .revokedSigner, .overBudget] {
                #expect(other.handle(.entryChecked(SHA256Hasher.hash(bytes), bytes: bytes, from: 1, verdict), at: .seconds(1), catalog: catalog).isEmpty)
            }
        }
    }

    @Test("the dialling side reconciles at once; a session ends explicitly and reports what moved")
    func sessionOnConnect() throws {
        var mine = DictionaryCatalog()
        var theirs = DictionaryCatalog()
        for number in 0..<50 {
            _ = mine.add(Array("shared \(number)".utf8))
            _ = theirs.add(Array("shared \(number)".utf8))
        }
        let missing = theirs.add(Array("only theirs".utf8))
        var a = NodeCore<Int>(node: Self.nodeID(1), seed: 1)
        var b = NodeCore<Int>(node: Self.nodeID(2), seed: 2)
        var toB = a.handle(.connected(2, peer: Self.nodeID(2), isOutbound: true), at: .zero, catalog: mine)
        #expect(b.handle(.connected(1, peer: Self.nodeID(1), isOutbound: false), at: .zero, catalog: theirs).isEmpty)
        // One catalog session and, with it, a reconciliation of holder states.
        #expect(toB.count == 2 && toB[0].sentReconcile != nil)
        #expect(toB.contains { if case .send(2, .holdersReconcile) = $0 { true } else { false } })
        var reports: [NodeAction<Int>] = []
        var rounds = 0
        while !toB.isEmpty && rounds < 20 {
            rounds += 1
            var toA: [NodeAction<Int>] = []
            for case let .send(_, message) in toB { toA += b.handle(.received(1, message), at: .seconds(1), catalog: theirs) }
            reports += toA.filter { if case .reconciled = $0 { true } else { false } }
            toB = []
            for case let .send(_, message) in toA {
                if case let .announce(bytes) = message { _ = mine.add(bytes); continue }
                toB += a.handle(.received(2, message), at: .seconds(1), catalog: mine)
            }
            reports += toB.filter { if case .reconciled = $0 { true } else { false } }
        }
        #expect(mine.contains(missing))
        #expect(reports.contains(.reconciled(1, peer: Self.nodeID(1), sent: 1, asked: 0)))
        #expect(a.sessions.count == 0 && b.sessions.count == 0)
    }

    @Test("a catalog larger than one answer comes in sessions back to back, each answer at most 2 MiB; then they stop")
    func sessionRepeatsWhileItFindsDifferences() throws {
        var mine = DictionaryCatalog()
        var theirs = DictionaryCatalog()
        // 4,000 entries of 700 bytes: more than one answer carries (2 MiB).
        for number in 0..<4000 { _ = theirs.add(Array("theirs \(number) ".utf8) + [UInt8](repeating: 0x41, count: 700)) }
        var a = NodeCore<Int>(node: Self.nodeID(1), seed: 1)
        var b = NodeCore<Int>(node: Self.nodeID(2), seed: 2)
        _ = b.handle(.connected(1, peer: Self.nodeID(1), isOutbound: false), at: .zero, catalog: theirs)
        var answerBytes: [Int] = []
        /// Runs a session a started until neither side has anything to send; returns a's reports.
        func exchange(_ first: [NodeAction<Int>], at now: Duration) -> [NodeAction<Int>] {
            var toB = first
            var reports: [NodeAction<Int>] = []
            for _ in 0..<40 where !toB.isEmpty {
                var toA: [NodeAction<Int>] = []
                for case let .send(_, message) in toB {
                    let answer = b.handle(.received(1, message), at: now, catalog: theirs)
                    answerBytes.append(answer.compactMap(\.sentAnnounce).reduce(0) { $0 + $1.bytes.count })
                    toA += answer
                }
                toB = []
                for case let .send(_, message) in toA {
                    for action in a.handle(.received(2, message), at: now, catalog: mine) {
                        if case let .checkEntry(id, bytes, from) = action {
                            _ = mine.add(bytes)
                            toB += a.handle(.entryChecked(id, bytes: bytes, from: from, .accepted), at: now, catalog: mine)
                        } else {
                            toB.append(action)
                        }
                    }
                }
                reports += toB.filter { if case .reconciled = $0 { true } else { false } }
            }
            return reports
        }
        let first = a.handle(.connected(2, peer: Self.nodeID(2), isOutbound: true), at: .zero, catalog: mine)
        #expect(!exchange(first, at: .zero).isEmpty)
        #expect(mine.entries.count > 0 && mine.entries.count < 4000, "one answer carries at most 2 MiB")
        // It brought entries: the next session starts at the next tick, not an anti-entropy interval later; and so on
        // until a session brings nothing new.
        var now = Duration.zero
        var sessionsStarted = 1
        while true {
            now += .milliseconds(300)
            let next = a.handle(.tick, at: now, catalog: mine)
            guard next.contains(where: { $0.sentReconcile?.link == 2 }) else { break }
            sessionsStarted += 1
            #expect(a.nextWake >= now + .seconds(10), "the regular round is still far off")
            _ = exchange(next, at: now)
        }
        #expect(mine.entries.count == 4000)
        #expect(sessionsStarted >= 3 && sessionsStarted < 20, "\(sessionsStarted) sessions")
        #expect(answerBytes.allSatisfy { $0 <= WireLimits.reconcileAnswerBytes })
        #expect(!a.handle(.tick, at: now + .seconds(1), catalog: mine).contains { $0.sentReconcile != nil })
    }

    @Test("a session past the message cap is ended; more than 8 answered at once are declined")
    func sessionLimits() {
        var catalog = DictionaryCatalog()
        for number in 0..<200 { _ = catalog.add(Array("entry \(number)".utf8)) }
        let peers = (1...10).map { (link: $0, node: UInt8($0)) }
        var core = Self.core(peers: peers, catalog: catalog)
        // A message that always differs: the whole space as one fingerprint of nothing.
        let payload = ReconcileCodec.encode([ReconcileRange(upperBound: nil, mode: .fingerprint([UInt8](repeating: 7, count: 16)))])
        for message in 1...WireLimits.reconcileMessagesPerSession {
            let actions = core.handle(.received(1, .reconcile(session: 5, payload: payload)), at: .seconds(Double(message)), catalog: catalog)
            #expect(!actions.contains { $0.isEnd })
        }
        let capped = core.handle(.received(1, .reconcile(session: 5, payload: payload)), at: .seconds(40), catalog: catalog)
        #expect(capped.contains { $0.isEnd })
        // Sessions from links 2…9 are answered; the ninth at once (link 10) is declined.
        for link in 2...9 {
            #expect(!core.handle(.received(link, .reconcile(session: 9, payload: payload)), at: .seconds(41), catalog: catalog).contains { $0.isEnd })
        }
        let declined = core.handle(.received(10, .reconcile(session: 9, payload: payload)), at: .seconds(41), catalog: catalog)
        #expect(declined.count == 1 && declined[0].isEnd)
        // Silent sessions time out and make room again.
        _ = core.handle(.tick, at: .seconds(41) + NodeTimeouts.reconcileSession, catalog: catalog)
        #expect(core.sessions.respondingCount == 0)
    }

    @Test("while its own session runs a node declines others; two nodes starting at once settle on one session")
    func oneSessionAtATime() {
        // Catalogs that differ everywhere, so a side that answers has more to say than "the end".
        var catalog = DictionaryCatalog(), other = DictionaryCatalog()
        for number in 0..<40 {
            _ = catalog.add(Array("a \(number)".utf8))
            _ = other.add(Array("b \(number)".utf8))
        }
        var a = NodeCore<Int>(node: Self.nodeID(1), seed: 1)
        var b = NodeCore<Int>(node: Self.nodeID(2), seed: 2)
        let fromA = a.handle(.connected(2, peer: Self.nodeID(2), isOutbound: true), at: .zero, catalog: catalog)
        _ = a.handle(.connected(3, peer: Self.nodeID(3), isOutbound: false), at: .zero, catalog: catalog)
        let fromB = b.handle(.connected(1, peer: Self.nodeID(1), isOutbound: true), at: .zero, catalog: other)
        // A third node's session reaches A while A's own is open: declined.
        let third = ReconcileCodec.encode(RangeReconciler(ids: [SHA256Hasher.hash([1])]).initialMessage())
        let declined = a.handle(.received(3, .reconcile(session: 77, payload: third)), at: .seconds(1), catalog: catalog)
        #expect(declined.count == 1 && declined[0].isEnd)
        // A and B started sessions with each other at the same moment: exactly one side yields and answers.
        guard case let .send(_, messageA)? = fromA.first, case let .send(_, messageB)? = fromB.first else {
            Issue.record("no session started")
            return
        }
        let answerByB = b.handle(.received(1, messageA), at: .seconds(1), catalog: other)
        let answerByA = a.handle(.received(2, messageB), at: .seconds(1), catalog: catalog)
        let yielded = [answerByA, answerByB].filter { !($0.first?.isEnd ?? false) }
        #expect(yielded.count == 1)
    }

    @Test("an entry two peers both lack is asked of one of them only, until that request times out")
    func entryRequestsOnce() {
        var theirs = DictionaryCatalog()
        let wanted = theirs.add(Array("wanted".utf8))
        var core = Self.core(peers: [(1, 1), (2, 2)])
        let list = ReconcileCodec.encode([ReconcileRange(upperBound: nil, mode: .idList([wanted]))])
        func asks(_ link: Int, session: UInt32, at time: Duration) -> [ContentID] {
            let actions = core.handle(.received(link, .reconcile(session: session, payload: list)), at: time, catalog: DictionaryCatalog())
            return actions.flatMap { action -> [ContentID] in if case let .send(_, .getEntries(ids)) = action { ids } else { [] } }
        }
        #expect(asks(1, session: 1, at: .seconds(1)) == [wanted])
        #expect(asks(2, session: 2, at: .seconds(2)).isEmpty)
        #expect(asks(2, session: 3, at: .seconds(2) + NodeTimeouts.entryRequest) == [wanted])
    }

    @Test("the strike counter forgives one strike per decay period and stays bounded")
    func strikeCounter() {
        var counter = StrikeCounter<Int>(limit: 3, decay: .seconds(10), capacity: 100)
        let first = counter.strike(1, now: .zero), second = counter.strike(1, now: .seconds(1)), third = counter.strike(1, now: .seconds(2))
        #expect(!first && !second && third)
        #expect(counter.strikes(1, now: .seconds(12)) == 2)
        #expect(counter.strikes(1, now: .seconds(19)) == 2)
        #expect(counter.strikes(1, now: .seconds(21)) == 1)
        #expect(counter.strikes(1, now: .seconds(31)) == 0)
        #expect(counter.strikes(1, now: .seconds(100)) == 0)
        for key in 2..<1000 { _ = counter.strike(key, now: .seconds(Double(key) / 1000)) }
        #expect(counter.count <= 100)
    }
}
