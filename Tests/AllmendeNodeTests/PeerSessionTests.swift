// PeerSessionTests.swift: the connection state machine and the chunk scheduler, driven directly. Pure.

import AllmendeCrypto
import AllmendeNode
import AllmendeWire
import Testing

@Suite("Peer session")
struct PeerSessionTests {
    let timeouts = NodeTimeouts(handshake: .seconds(10), pingAfter: .seconds(60), closeAfter: .seconds(180))

    @Test("hello first, then requests are delivered and pings answered")
    func helloThenTraffic() {
        var session = PeerSession(name: "lab-a", listenPort: 7310, timeouts: timeouts)
        #expect(session.start(now: .zero) == [.send(.hello(version: WireVersion.current, features: 0, listenPort: 7310, name: "lab-a"))])
        #expect(session.receive(.hello(version: WireVersion.current, features: 0, listenPort: 7311, name: "lab-b"), now: .seconds(1))
                == [.ready(name: "lab-b", listenPort: 7311)])
        let request = Message.getChunk(request: 1, blob: SHA256Hasher.hash([1]), chunk: 0)
        #expect(session.receive(request, now: .seconds(2)) == [.deliver(request)])
        #expect(session.receive(.ping(nonce: 9), now: .seconds(3)) == [.send(.pong(nonce: 9))])
    }

    @Test("anything before hello, or a second hello, closes with a protocol error")
    func helloRequired() {
        var session = PeerSession(name: "a", listenPort: 0, timeouts: timeouts)
        _ = session.start(now: .zero)
        #expect(session.receive(.ping(nonce: 1), now: .seconds(1)) == [.close(.protocolError, "expected hello first, got ping")])
        #expect(session.state == .closed)
        var second = PeerSession(name: "a", listenPort: 0, timeouts: timeouts)
        _ = second.start(now: .zero)
        _ = second.receive(.hello(version: WireVersion.current, features: 0, listenPort: 0, name: "b"), now: .zero)
        #expect(second.receive(.hello(version: WireVersion.current, features: 0, listenPort: 0, name: "b"), now: .zero) == [.close(.protocolError, "second hello")])
    }

    @Test("no hello in time, idle ping, silent close")
    func timers() {
        var silent = PeerSession(name: "a", listenPort: 0, timeouts: timeouts)
        _ = silent.start(now: .zero)
        #expect(silent.tick(now: .seconds(9)).isEmpty)
        #expect(silent.tick(now: .seconds(10)).first.map { if case .close(.timeout, _) = $0 { true } else { false } } == true)
        var idle = PeerSession(name: "a", listenPort: 0, timeouts: timeouts)
        _ = idle.start(now: .zero)
        _ = idle.receive(.hello(version: WireVersion.current, features: 0, listenPort: 0, name: "b"), now: .zero)
        #expect(idle.tick(now: .seconds(59)).isEmpty)
        guard case .send(.ping) = idle.tick(now: .seconds(60)).first else { Issue.record("no ping"); return }
        #expect(idle.tick(now: .seconds(61)).isEmpty)   // one ping at a time
        #expect(idle.tick(now: .seconds(180)).first.map { if case .close(.timeout, _) = $0 { true } else { false } } == true)
    }
}

@Suite("Chunk scheduler")
struct ChunkSchedulerTests {
    let a = NodeID(publicKey: try! Ed25519PrivateKey().publicKey)
    let b = NodeID(publicKey: try! Ed25519PrivateKey().publicKey)

    @Test("spreads chunks over both peers within their windows and skips chunks already on disk")
    func spread() {
        var scheduler = ChunkScheduler(chunkCount: 20, have: [0, 1], window: 4)
        scheduler.addPeer(a)
        scheduler.addPeer(b)
        let requests = scheduler.nextRequests()
        #expect(requests.count == 8)
        #expect(Set(requests.map(\.peer)) == [a, b])
        #expect(!requests.contains { $0.chunk < 2 })
        #expect(scheduler.nextRequests().isEmpty)   // windows full
        for request in requests { #expect(scheduler.received(chunk: request.chunk, from: request.peer, isValid: true) == .stored) }
        #expect(scheduler.storedCount == 10)
    }

    @Test("a corrupt chunk is asked again from another peer; three strikes drop the liar")
    func strikes() {
        var scheduler = ChunkScheduler(chunkCount: 30, have: [], window: 1, maximumStrikes: 3)
        scheduler.addPeer(a)
        scheduler.addPeer(b)
        var verdicts: [ChunkScheduler.Verdict] = []
        while !scheduler.isComplete {
            let requests = scheduler.nextRequests()
            guard !requests.isEmpty else { Issue.record("stalled"); return }
            for request in requests {
                verdicts.append(scheduler.received(chunk: request.chunk, from: request.peer, isValid: request.peer == a))
            }
        }
        #expect(verdicts.filter { $0 == .peerDropped }.count == 1)
        #expect(scheduler.activePeers == [a])
        #expect(scheduler.strikes(of: b) == 3)
    }

    @Test("the total window caps chunks in flight over all peers, and frees up as chunks arrive")
    func totalWindow() {
        var scheduler = ChunkScheduler(chunkCount: 40, have: [], window: 8, totalWindow: 10)
        let c = NodeID(publicKey: try! Ed25519PrivateKey().publicKey)
        for peer in [a, b, c] { scheduler.addPeer(peer) }
        let first = scheduler.nextRequests()
        #expect(first.count == 10)
        #expect(Set(first.map(\.peer)) == [a, b, c])
        #expect(scheduler.nextRequests().isEmpty)
        #expect(scheduler.received(chunk: first[0].chunk, from: first[0].peer, isValid: true) == .stored)
        #expect(scheduler.nextRequests().count == 1)
    }

    @Test("an arrived chunk leaves its peer's window while it waits for its check, and is not asked again meanwhile")
    func arrivedThenChecked() {
        var scheduler = ChunkScheduler(chunkCount: 6, have: [], window: 2, maximumStrikes: 2)
        scheduler.addPeer(a)
        let first = scheduler.nextRequests()
        #expect(first.map(\.chunk) == [0, 1])
        for request in first { scheduler.arrived(chunk: request.chunk, from: a) }
        let second = scheduler.nextRequests()
        #expect(second.map(\.chunk) == [2, 3])   // the window freed up before any check
        for request in second { scheduler.arrived(chunk: request.chunk, from: a) }
        #expect(scheduler.received(chunk: 0, from: a, isValid: true) == .stored)
        #expect(scheduler.received(chunk: 1, from: a, isValid: false) == .retry)
        #expect(scheduler.nextRequests().map(\.chunk) == [1, 4])   // the bad one first, then new work
        // The second strike drops the peer; a third bad chunk in the same batch does not drop it twice.
        #expect(scheduler.received(chunk: 2, from: a, isValid: false) == .peerDropped)
        #expect(scheduler.received(chunk: 3, from: a, isValid: false) == .retry)
        #expect(scheduler.activePeers.isEmpty && scheduler.storedCount == 1)
        scheduler.addPeer(b)   // everything but chunk 0 is asked again, and b completes the blob
        var asked: Set<Int> = []
        while !scheduler.isComplete {
            let requests = scheduler.nextRequests()
            guard !requests.isEmpty else { Issue.record("stalled"); return }
            for request in requests {
                asked.insert(request.chunk)
                scheduler.arrived(chunk: request.chunk, from: request.peer)
                #expect(scheduler.received(chunk: request.chunk, from: request.peer, isValid: true) == .stored)
            }
        }
        #expect(asked == [1, 2, 3, 4, 5])
    }

    @Test("the total window counts chunks waiting for their check, so memory stays bounded when checks lag")
    func totalWindowCountsUnchecked() {
        var scheduler = ChunkScheduler(chunkCount: 20, have: [], window: 4, totalWindow: 6)
        scheduler.addPeer(a)
        scheduler.addPeer(b)
        let first = scheduler.nextRequests()
        #expect(first.count == 6)   // the total, not 2 × 4
        for request in first { scheduler.arrived(chunk: request.chunk, from: request.peer) }
        #expect(scheduler.nextRequests().isEmpty)   // six arrived, none checked yet
        let checked = first.prefix(2)
        for request in checked { #expect(scheduler.received(chunk: request.chunk, from: request.peer, isValid: true) == .stored) }
        #expect(scheduler.nextRequests().count == 2)   // as many as were checked
    }

    @Test("removing a peer re-queues its outstanding chunks")
    func removal() {
        var scheduler = ChunkScheduler(chunkCount: 4, have: [], window: 4)
        scheduler.addPeer(a)
        #expect(scheduler.nextRequests().count == 4)
        scheduler.removePeer(a)
        scheduler.addPeer(b)
        #expect(scheduler.nextRequests().map(\.peer) == [b, b, b, b])
    }

    @Test("a chunk every peer fails to give is asked again a bounded number of times, then given up")
    func unobtainableChunk() {
        // One peer that no longer has chunk 2 (say its blob was removed mid-transfer): it answers "not found".
        var scheduler = ChunkScheduler(chunkCount: 4, have: [], window: 4)
        scheduler.addPeer(a)
        var asks = 0
        for _ in 0..<100 {
            let requests = scheduler.nextRequests()
            if requests.isEmpty { break }
            for request in requests {
                if request.chunk == 2 {
                    asks += 1
                    scheduler.failed(chunk: 2, from: a)
                } else {
                    scheduler.arrived(chunk: request.chunk, from: a)
                    _ = scheduler.received(chunk: request.chunk, from: a, isValid: true)
                }
            }
        }
        #expect(asks == scheduler.maximumChunkFailures)   // not forever
        #expect(!scheduler.isComplete && scheduler.storedCount == 3 && scheduler.nextRequests().isEmpty)
        // A new peer is asked, and completes the blob.
        scheduler.addPeer(b)
        #expect(scheduler.nextRequests().map(\.peer) == [b])
        scheduler.arrived(chunk: 2, from: b)
        #expect(scheduler.received(chunk: 2, from: b, isValid: true) == .stored && scheduler.isComplete)
    }

    @Test("with two peers a chunk both failed is retried from them, within the bound")
    func bothPeersFailed() {
        var scheduler = ChunkScheduler(chunkCount: 1, have: [], window: 1)
        scheduler.addPeer(a)
        scheduler.addPeer(b)
        var asked: [NodeID] = []
        while let request = scheduler.nextRequests().first {
            asked.append(request.peer)
            scheduler.failed(chunk: 0, from: request.peer)
        }
        #expect(asked.count == scheduler.maximumChunkFailures)
        #expect(asked.prefix(2).sorted { $0.text < $1.text } == [a, b].sorted { $0.text < $1.text })   // each once before any repeat
    }

    @Test("a busy peer rests (50 ms, doubling while it stays busy), its chunk goes to another peer, and nothing counts as a failure")
    func busyPeerRests() {
        var scheduler = ChunkScheduler(chunkCount: 2, have: [], window: 1)
        scheduler.addPeer(a)
        let ms = { (value: Int) in Duration.milliseconds(value) }
        #expect(scheduler.nextRequests(now: ms(0)).map(\.chunk) == [0])
        scheduler.busy(chunk: 0, from: a, now: ms(0))
        #expect(scheduler.nextRequests(now: ms(10)).isEmpty)
        #expect(scheduler.nextRestEnd(after: ms(10)) == ms(50))
        #expect(scheduler.nextRequests(now: ms(50)).map(\.chunk) == [0])   // the same chunk first
        scheduler.busy(chunk: 0, from: a, now: ms(50))
        #expect(scheduler.nextRestEnd(after: ms(50)) == ms(150))   // doubled
        for round in 0..<10 {   // busy answers never make the chunk unobtainable
            let now = ms(10_000 * (round + 1))
            #expect(scheduler.nextRequests(now: now).map(\.chunk) == [0])
            scheduler.busy(chunk: 0, from: a, now: now)
        }
        #expect(scheduler.unobtainableChunks.isEmpty)
        #expect(scheduler.nextRestEnd(after: ms(100_000)) == ms(100_800))   // capped at 0.8 s
        // Another peer takes the chunk meanwhile; a chunk that arrives ends a's run of busy answers.
        scheduler.addPeer(b)
        #expect(scheduler.nextRequests(now: ms(100_010)).map(\.peer) == [b])
        #expect(scheduler.nextRequests(now: ms(100_800)).map { [$0.peer: $0.chunk] } == [[a: 1]])
        scheduler.arrived(chunk: 1, from: a)
        #expect(scheduler.received(chunk: 1, from: a, isValid: true) == .stored)
        #expect(scheduler.nextRequests(now: ms(101_700)).isEmpty)   // chunk 0 is still with b
        scheduler.busy(chunk: 0, from: b, now: ms(101_700))
        #expect(scheduler.nextRequests(now: ms(101_700)).map(\.peer) == [a])
        scheduler.busy(chunk: 0, from: a, now: ms(101_700))
        #expect(scheduler.nextRestEnd(after: ms(101_700)) == ms(101_750))   // both rest; b's first busy, a's streak reset
    }

    @Test("busy answers to requests sent before a rest began do not lengthen it")
    func busySpell() {
        var scheduler = ChunkScheduler(chunkCount: 8, have: [], window: 4)
        scheduler.addPeer(a)
        let requests = scheduler.nextRequests(now: .zero)
        #expect(requests.count == 4)
        for request in requests { scheduler.busy(chunk: request.chunk, from: a, now: .milliseconds(1)) }
        #expect(scheduler.nextRestEnd(after: .milliseconds(1)) == .milliseconds(51))   // one spell, not four doublings
        #expect(scheduler.nextRequests(now: .milliseconds(51)).map(\.chunk) == requests.map(\.chunk).reversed())
    }

    @Test("a peer that only ever answers busy is given up after a bounded number of rests")
    func alwaysBusy() {
        var scheduler = ChunkScheduler(chunkCount: 1, have: [], window: 1)
        scheduler.addPeer(a)
        var now = Duration.zero
        var spells = 0
        while let request = scheduler.nextRequests(now: now).first {
            scheduler.busy(chunk: request.chunk, from: a, now: now)
            spells += 1
            guard let end = scheduler.nextRestEnd(after: now) else { break }
            now = end
            if spells > 100 { break }
        }
        #expect(spells == ChunkScheduler.maximumBusySpells)
        #expect(scheduler.activePeers.isEmpty && !scheduler.isComplete)
        #expect(now < .seconds(20), "gave up after \(now)")
    }
}
