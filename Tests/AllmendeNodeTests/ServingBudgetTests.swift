// ServingBudgetTests.swift: what a peer may ask of a node: unanswered requests, pings, on a virtual clock. Pure.

import AllmendeCrypto
import AllmendeNode
import AllmendeWire
import Testing

@Suite("Serving budgets")
struct ServingBudgetTests {
    static func readySession() -> PeerSession {
        var session = PeerSession(name: "a", listenPort: 0)
        _ = session.start(now: .zero)
        _ = session.receive(.hello(version: WireVersion.current, features: 0, listenPort: 0, name: "b"), now: .zero)
        return session
    }

    @Test("a token bucket allows its burst, then its rate, on a virtual clock")
    func tokenBucket() {
        var bucket = TokenBucket(capacity: 3, perSecond: 2)
        for _ in 0..<3 { #expect(bucket.take(now: .zero) == true) }
        #expect(bucket.take(now: .zero) == false)
        #expect(bucket.take(now: .milliseconds(400)) == false)   // 0.8 tokens
        #expect(bucket.take(now: .milliseconds(500)) == true)    // 1.0
        #expect(bucket.take(now: .milliseconds(500)) == false)
        // A long pause refills to the capacity, not beyond; time going backwards adds nothing.
        for _ in 0..<3 { #expect(bucket.take(now: .seconds(100)) == true) }
        #expect(bucket.take(now: .seconds(100)) == false)
        #expect(bucket.take(now: .seconds(50)) == false)
    }

    @Test("the 65th unanswered request closes the connection; each written answer frees a slot")
    func unansweredRequests() {
        var session = Self.readySession()
        let blob = SHA256Hasher.hash([1])
        for number in 0..<WireLimits.maximumOutstandingRequests {
            let request = Message.getChunk(request: UInt32(number), blob: blob, chunk: 0)
            #expect(session.receive(request, now: .seconds(1)) == [.deliver(request)])
        }
        #expect(session.unansweredRequests == 64)
        session.answerWritten()
        let one = Message.getIndex(request: 99, blob: blob)
        #expect(session.receive(one, now: .seconds(1)) == [.deliver(one)])
        // Announcements and reconciliation are not requests: they never count.
        #expect(session.receive(.announce(entry: [1]), now: .seconds(1)) == [.deliver(.announce(entry: [1]))])
        #expect(session.receive(.getPackage(request: 100, package: blob), now: .seconds(1))
                == [.close(.misbehaving, "more than 64 unanswered requests")])
        #expect(session.state == .closed)
    }

    @Test("a ping flood closes the connection; pings at an honest pace never do")
    func pingFlood() {
        var flooded = Self.readySession()
        for nonce in 0..<10 { #expect(flooded.receive(.ping(nonce: UInt64(nonce)), now: .seconds(1)) == [.send(.pong(nonce: UInt64(nonce)))]) }
        for _ in 0..<10 { flooded.answerWritten() }
        #expect(flooded.receive(.ping(nonce: 10), now: .seconds(1)) == [.close(.misbehaving, "more than 10 pings in a burst")])

        var honest = Self.readySession()
        for minute in 1...200 {
            #expect(honest.receive(.ping(nonce: UInt64(minute)), now: .seconds(60 * minute)) == [.send(.pong(nonce: UInt64(minute)))])
            honest.answerWritten()
        }
        #expect(honest.state == .ready)
    }
}

@Suite("Entry admission")
struct EntryAdmissionTests {
    static var limits: StrangerLimits {
        var limits = StrangerLimits()
        limits.entriesPerDay = 3
        limits.bytesPerDay = 1000
        limits.totalBytes = 2000
        return limits
    }

    @Test("a stranger gets a daily quota of entries and bytes; a new day starts it again; standing is never limited")
    func dailyQuota() {
        var admission = EntryAdmission(limits: Self.limits)
        for _ in 0..<3 { #expect(admission.admit(identity: "s1", hasStanding: false, size: 100, day: 1) == .keep) }
        guard case .refuse = admission.admit(identity: "s1", hasStanding: false, size: 100, day: 1) else { Issue.record("fourth entry kept"); return }
        guard case .refuse = admission.admit(identity: "s2", hasStanding: false, size: 1001, day: 1) else { Issue.record("too many bytes kept"); return }
        #expect(admission.admit(identity: "s1", hasStanding: false, size: 100, day: 2) == .keep)
        for _ in 0..<50 { #expect(admission.admit(identity: "lab", hasStanding: true, size: 900, day: 2) == .keep) }
        #expect(admission.strangerBytes == 400)
    }

    @Test("past the total budget a stranger's entry is kept after evicting at least the excess")
    func totalBudget() {
        var admission = EntryAdmission(limits: Self.limits, strangerBytes: 1500)
        #expect(admission.admit(identity: "a", hasStanding: false, size: 400, day: 1) == .keep)
        #expect(admission.admit(identity: "b", hasStanding: false, size: 300, day: 1) == .keepAfterEvicting(bytes: 200))
        admission.evicted(bytes: 600)
        #expect(admission.strangerBytes == 1600)
    }
}
