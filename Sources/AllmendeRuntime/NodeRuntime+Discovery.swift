// NodeRuntime+Discovery.swift: AllmendeRuntime. Peer discovery: signed node announcements, a bounded address
// book, and topping up outbound connections from it. Spec: Protocol/wire.md "Peer discovery".

import AllmendeCrypto
import AllmendeModel
import AllmendeNode
import AllmendeStore
import AllmendeWire
import Foundation

extension NodeRuntime {
    /// Sends this node's signed announcement on a new connection. Without `advertise`, the address is this end of
    /// the connection — but never a loopback address to a peer that is not on this machine, and never an
    /// unspecified one (0.0.0.0, ::): those would send others to the wrong place.
    func announceSelf(to connection: PeerConnection) {
        guard listenPort != 0 else { return }
        let remote = Self.host(of: connection.remoteAddress)
        let usable = connection.localHost.flatMap { host in
            !Self.isUnspecified(host) && (!Self.isLoopback(host) || Self.isLoopback(remote)) ? host : nil
        }
        // The outside address peers agree on comes first (behind NAT the local one is private), then this end.
        let outside = observedHosts().filter { !Self.isLoopback($0) || Self.isLoopback(remote) }
        let hosts = outside + (usable.map { [$0] } ?? []).filter { !outside.contains($0) }
        let addresses = options.advertise.isEmpty ? hosts.prefix(NodeAnnouncement.maximumAddresses).map(listenAddress(of:)) : options.advertise
        guard !addresses.isEmpty,
              let announcement = try? NodeAnnouncement.sign(addresses: addresses, time: Timestamp(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)), with: key),
              let bytes = try? announcement.canonicalBytes() else { return }
        connection.send(.node(announcement: bytes))
    }

    /// Verifies a node announcement (asked for by the core); nil, with the reason logged, if it is refused.
    func checkNodeAnnouncement(_ bytes: [UInt8], from sender: PeerConnection?) -> VerifiedAnnouncement? {
        let announcement: NodeAnnouncement
        let from = sender?.peer.text ?? "?"
        do { announcement = try NodeAnnouncement(parsing: bytes) } catch {
            logger.warning("rejected node announcement", ["from": from, "reason": "\(error)"])
            return nil
        }
        guard announcement.isValid else {
            logger.warning("rejected node announcement", ["from": from, "reason": "the signature does not verify with key \(announcement.node.text)"])
            return nil
        }
        guard !Self.isInFuture(announcement.time) else {
            logger.warning("rejected node announcement", ["from": from, "reason": "its time \(announcement.time) is in the future"])
            return nil
        }
        return VerifiedAnnouncement(node: announcement.node, addresses: announcement.addresses, time: announcement.time.secondsSinceEpoch, bytes: bytes)
    }

    /// Hosts peers at two or more different addresses agree this node has (the `observed` messages).
    public func observedHosts() -> [String] {
        let now = ContinuousClock.now - startedAt
        return state.withLock { $0.observed.confirmed(now: now) }
    }

    /// `host` with this node's listen port (IPv6 in brackets).
    func listenAddress(of host: String) -> String { host.contains(":") ? "[\(host)]:\(listenPort)" : "\(host):\(listenPort)" }

    static func isLoopback(_ host: String) -> Bool { host.hasPrefix("127.") || host == "::1" || host == "localhost" }
    static func isUnspecified(_ host: String) -> Bool { host == "0.0.0.0" || host == "::" || host.isEmpty }

    /// The nodes this node has heard of.
    public var knownNodes: [NodeID] { core.withLock { $0.directory.knownNodes } }
}
