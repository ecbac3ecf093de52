// InboundAdmissionTests.swift: inbound slots under per-host, per-range and total limits; who makes room. Pure.

import AllmendeNode
import Testing

@Suite("Inbound admission")
struct InboundAdmissionTests {
    static func slot(_ key: Int, _ host: String, at connected: Int = 0, useful: Int? = nil, protected: Bool = false) -> InboundSlot {
        InboundSlot(key: key, host: host, connectedAt: .seconds(connected), lastUseful: useful.map { .seconds($0) }, isProtected: protected)
    }

    static var limits: InboundLimits {
        var limits = InboundLimits()
        limits.total = 4
        limits.perHost = 2
        limits.perRange = 3
        limits.grace = .seconds(10)
        limits.usefulWindow = .seconds(100)
        return limits
    }

    @Test("address ranges: IPv4 /24, IPv6 /64 (with :: expanded)", arguments: [
        ("192.0.2.17", "192.0.2.0/24"), ("10.1.2.3", "10.1.2.0/24"), ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:db8::1", "2001:db8:0:0::/64"), ("::1", "0:0:0:0::/64"), ("lab.example", "lab.example"),
    ])
    func ranges(host: String, range: String) {
        #expect(InboundAdmission.range(of: host) == range)
    }

    @Test("under every limit a newcomer is admitted; handshakes count")
    func admitsUnderLimits() {
        let inbound = [Self.slot(1, "192.0.2.1"), Self.slot(2, "198.51.100.1")]
        #expect(InboundAdmission.decide(host: "203.0.113.9", inbound: inbound, handshakes: [:], limits: Self.limits, now: .seconds(50)) == .admit)
        #expect(InboundAdmission.decide(host: "203.0.113.9", inbound: inbound, handshakes: ["203.0.113.9": 2], limits: Self.limits, now: .seconds(50))
                == .refuse("too many connections from 203.0.113.9 (at most 2)"))
    }

    @Test("when full, the quietest connection of the most crowded range past its grace makes room; never a protected or useful one")
    func replacesTheLeastUseful() {
        let now = Duration.seconds(1000)
        let full = [
            Self.slot(1, "192.0.2.1", at: 10, useful: 990),    // useful lately
            Self.slot(2, "192.0.2.2", at: 20),                  // never useful, crowded range
            Self.slot(3, "192.0.2.3", at: 30, useful: 500),     // useful long ago, crowded range
            Self.slot(4, "198.51.100.7", at: 40),               // never useful, alone in its range
        ]
        #expect(InboundAdmission.decide(host: "203.0.113.9", inbound: full, handshakes: [:], limits: Self.limits, now: now) == .admitReplacing(key: 2))
        // The per-range limit: a newcomer from the crowded range replaces one from that range only.
        let crowded = Array(full.prefix(3))
        #expect(InboundAdmission.decide(host: "192.0.2.99", inbound: crowded, handshakes: [:], limits: Self.limits, now: now) == .admitReplacing(key: 2))
        // Protected, young and useful connections stay; then the newcomer is refused.
        let keep = [Self.slot(1, "192.0.2.1", at: 10, useful: 990), Self.slot(2, "192.0.2.2", at: 995),
                    Self.slot(3, "192.0.2.3", at: 30, protected: true), Self.slot(4, "198.51.100.7", at: 40, useful: 950)]
        #expect(InboundAdmission.decide(host: "203.0.113.9", inbound: keep, handshakes: [:], limits: Self.limits, now: now, referring: 4)
                == .refuse("too many connections (at most 4)"))
        // … unless fewer than 4 newcomers are being referred onward: then it is let in to learn other addresses.
        #expect(InboundAdmission.decide(host: "203.0.113.9", inbound: keep, handshakes: [:], limits: Self.limits, now: now, referring: 3)
                == .refer("too many connections (at most 4)"))
        // A host or range at its own limit is never referred (a flood from one place gets nothing).
        #expect(InboundAdmission.decide(host: "192.0.2.9", inbound: keep, handshakes: [:], limits: Self.limits, now: now)
                == .refuse("too many connections from 192.0.2.0/24 (at most 3)"))
        // Among equally quiet ones, the newest goes.
        let quiet = [Self.slot(1, "192.0.2.1", at: 10), Self.slot(2, "198.51.100.1", at: 20), Self.slot(3, "203.0.113.1", at: 30),
                     Self.slot(4, "203.0.113.2", at: 40)]
        #expect(InboundAdmission.decide(host: "100.64.0.1", inbound: quiet, handshakes: [:], limits: Self.limits, now: now) == .admitReplacing(key: 4))
    }
}

@Suite("Observed addresses")
struct ObservedAddressesTests {
    @Test("a host counts once peers at two different hosts report it; one host with many node keys cannot make one up; old reports age out")
    func confirmation() {
        var observed = ObservedAddresses<Int>(capacity: 8, minimumPeers: 2, window: .seconds(100))
        observed.record("203.0.113.5", from: 1, peerHost: "198.51.100.1", now: .zero)
        #expect(observed.confirmed(now: .seconds(1)).isEmpty)
        // A second node key at the same host does not confirm it.
        observed.record("203.0.113.5", from: 2, peerHost: "198.51.100.1", now: .seconds(1))
        observed.record("192.0.2.66", from: 3, peerHost: "198.51.100.1", now: .seconds(1))
        observed.record("192.0.2.66", from: 4, peerHost: "198.51.100.1", now: .seconds(1))
        #expect(observed.confirmed(now: .seconds(2)).isEmpty)
        observed.record("203.0.113.5", from: 5, peerHost: "192.0.2.9", now: .seconds(2))
        #expect(observed.confirmed(now: .seconds(3)) == ["203.0.113.5"])
        // Unusable hosts are ignored; a peer's newer report replaces its older one.
        for bad in ["", "0.0.0.0", "::", "a b", "[::1]"] { observed.record(bad, from: 6, peerHost: "192.0.2.10", now: .seconds(3)) }
        observed.record("203.0.113.7", from: 5, peerHost: "192.0.2.9", now: .seconds(4))
        #expect(observed.confirmed(now: .seconds(5)).isEmpty)
        observed.record("203.0.113.7", from: 1, peerHost: "198.51.100.1", now: .seconds(5))
        #expect(observed.confirmed(now: .seconds(6)) == ["203.0.113.7"])
        #expect(observed.confirmed(now: .seconds(105)).isEmpty, "reports older than the window no longer count")
    }
}

@Suite("Announcement seen-set")
struct AnnouncementSeenSetTests {
    @Test("an announcement is new once per lifetime, even when many others came between; capacity drops the oldest")
    func seenOnce() {
        var seen = AnnouncementSeenSet<Int>(lifetime: .seconds(100), capacity: 3)
        #expect(seen.insert(1, now: .seconds(0)) == true)
        #expect(seen.insert(1, now: .seconds(50)) == false)
        #expect(seen.insert(2, now: .seconds(51)) == true)
        #expect(seen.insert(3, now: .seconds(52)) == true)
        #expect(seen.count == 3)
        #expect(seen.insert(4, now: .seconds(53)) == true)    // 1 is dropped to stay at 3 …
        #expect(seen.count == 3)
        #expect(seen.insert(1, now: .seconds(54)) == true)    // … so it counts as new again
        #expect(seen.insert(3, now: .seconds(99)) == false)
        #expect(seen.insert(3, now: .seconds(152)) == true)   // expired after its lifetime
    }
}
