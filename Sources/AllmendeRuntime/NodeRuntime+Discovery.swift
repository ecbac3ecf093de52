// NodeRuntime+Discovery.swift: AllmendeRuntime. Peer discovery: signed node announcements, a bounded address
// book, and topping up outbound connections from it. Spec: Protocol/wire.md "Peer discovery".

import AllmendeCrypto
import AllmendeModel
import AllmendeStore
import AllmendeWire
import Foundation

extension NodeRuntime {
    /// Most nodes kept in the address book.
    static let addressBookSize = 1000

    /// Sends this node's signed announcement on a new connection. Without `advertise`, the address is this end of
    /// the connection — but never a loopback address to a peer that is not on this machine, and never an
    /// unspecified one (0.0.0.0, ::): those would send others to the wrong place.
    func announceSelf(to connection: PeerConnection) {
        guard listenPort != 0 else { return }
        let remote = Self.host(of: connection.remoteAddress)
        let usable = connection.localHost.flatMap { host in
            !Self.isUnspecified(host) && (!Self.isLoopback(host) || Self.isLoopback(remote)) ? host : nil
        }
        let addresses = options.advertise.isEmpty ? usable.map { host in
            [host.contains(":") ? "[\(host)]:\(listenPort)" : "\(host):\(listenPort)"]
        } ?? [] : options.advertise
        guard !addresses.isEmpty,
              let announcement = try? NodeAnnouncement.sign(addresses: addresses, time: Timestamp(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)), with: key),
              let bytes = try? announcement.canonicalBytes() else { return }
        connection.send(.node(announcement: bytes))
    }

    /// Verifies a node announcement, keeps the newest per node, and forwards new ones.
    func acceptNodeAnnouncement(_ bytes: [UInt8], from sender: PeerConnection) {
        let announcement: NodeAnnouncement
        do { announcement = try NodeAnnouncement(parsing: bytes) } catch {
            logger.warning("rejected node announcement", ["from": sender.peer.text, "reason": "\(error)"])
            return
        }
        guard announcement.isValid else {
            logger.warning("rejected node announcement", ["from": sender.peer.text, "reason": "the signature does not verify with key \(announcement.node.text)"])
            return
        }
        guard Double(announcement.time.secondsSinceEpoch) <= Date().timeIntervalSince1970 + Self.maximumFutureSkew else {
            logger.warning("rejected node announcement", ["from": sender.peer.text, "reason": "its time \(announcement.time) is in the future"])
            return
        }
        guard announcement.node != nodeID else { return }
        let now = ContinuousClock.now - startedAt
        let isNew = state.withLock { state -> Bool in
            // Seen before (even if the address book has dropped it since): never forwarded twice.
            guard state.announcementsSeen.insert(SHA256Hasher.hash(bytes), now: now) else { return false }
            if let known = state.addressBook[announcement.node], known.time >= announcement.time { return false }
            state.addressBook[announcement.node] = announcement
            if state.addressBook.count > Self.addressBookSize,
               let oldest = state.addressBook.min(by: { $0.value.time < $1.value.time })?.key {
                state.addressBook[oldest] = nil
            }
            return true
        }
        guard isNew else { return }
        logger.debug("learned node", ["node": announcement.node.text, "addresses": announcement.addresses.joined(separator: ",")])
        let targets = readyConnections().filter { $0 !== sender && $0.peer != sender.peer && $0.peer != announcement.node }
            .shuffled().prefix(options.gossipFanout)
        for connection in targets { connection.send(.node(announcement: bytes)) }
    }

    /// Nodes from the address book to dial so that outbound connections reach the target, in random order.
    func discoveredPeers(connected: Set<NodeID>) -> [PeerEntry] {
        let (outbound, book) = state.withLock { state in
            (state.connections.values.filter(\.isOutbound).count, Array(state.addressBook.values))
        }
        let missing = options.targetOutbound - outbound
        guard missing > 0 else { return [] }
        return book.filter { !connected.contains($0.node) && (options.allowList?.contains($0.node) ?? true) }
            .shuffled().prefix(missing)
            .compactMap { announcement in announcement.addresses.first.map { PeerEntry(address: $0, node: announcement.node) } }
    }

    static func isLoopback(_ host: String) -> Bool { host.hasPrefix("127.") || host == "::1" || host == "localhost" }
    static func isUnspecified(_ host: String) -> Bool { host == "0.0.0.0" || host == "::" || host.isEmpty }

    /// The nodes this node has heard of.
    public var knownNodes: [NodeID] { state.withLock { Array($0.addressBook.keys) }.sorted() }
}
