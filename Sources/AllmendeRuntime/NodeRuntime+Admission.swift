// NodeRuntime+Admission.swift: AllmendeRuntime. Whether an inbound connection may start its handshake
// (the decision is InboundAdmission's, in AllmendeNode). Spec: Protocol/wire.md "Connection limits".

import AllmendeNode
import AllmendeWire

extension NodeRuntime {
    /// What to do with an inbound connection.
    enum Admission: Equatable {
        case admitted
        /// Handshake, peer exchange, then goodbye `too many connections` with this reason.
        case referred(String)
        case refused(String)
    }

    /// Counts an inbound connection from `address` ("host:port") as handshaking, or says why it is refused.
    /// When a limit is reached, the least useful inbound connection in its scope may be closed to make room; a
    /// full node with nobody to replace refers a few newcomers onward (Protocol/wire.md section 3).
    func admitInbound(from address: String) -> Admission {
        let host = Self.host(of: address)
        var limits = InboundLimits()
        limits.total = options.maxConnections
        limits.perHost = options.maxConnectionsPerHost
        limits.perRange = options.maxConnectionsPerRange
        limits.grace = options.inboundGrace
        let protected = Set(options.peers.compactMap(\.node) + (options.allowList ?? []))
        let (decision, replaced) = state.withLock { state -> (InboundDecision, PeerConnection?) in
            let inbound = state.connections.values.filter { !$0.isOutbound }
            let now = ContinuousClock.now - startedAt
            let slots = inbound.enumerated().map { index, connection in
                InboundSlot(key: index, host: Self.host(of: connection.remoteAddress), connectedAt: connection.connectedAt - startedAt,
                            lastUseful: connection.lastUseful.map { $0 - startedAt }, isProtected: protected.contains(connection.peer))
            }
            let decision = InboundAdmission.decide(host: host, inbound: slots, handshakes: state.handshakesByHost, limits: limits, now: now,
                                                   referring: state.referring)
            var replaced: PeerConnection?
            switch decision {
            case .refuse: return (decision, nil)
            case .refer: state.referring += 1
            case let .admitReplacing(key):
                let victim = Array(inbound)[key]
                state.connections[ObjectIdentifier(victim)] = nil
                replaced = victim
            case .admit: break
            }
            state.handshakes += 1
            state.handshakesByHost[host, default: 0] += 1
            return (decision, replaced)
        }
        if case let .refuse(reason) = decision { return .refused(reason) }
        if case let .refer(reason) = decision { return .referred(reason) }
        if let replaced {
            logger.info("closing an idle inbound connection to make room", ["peer": replaced.peer.text, "for": address])
            events.record(.inboundReplaced(peer: replaced.peer, by: address))
            replaced.close(.tooManyConnections, reason: "making room for a new peer (no useful traffic lately)")
        }
        return .admitted
    }

    /// Ends the handshake count of an admitted inbound connection from `host` (established or failed); called
    /// under the state lock, in the same step that registers the connection, so it is never counted twice.
    static func endHandshake(of host: String, in state: inout RuntimeState) {
        state.handshakes -= 1
        let left = state.handshakesByHost[host, default: 1] - 1
        state.handshakesByHost[host] = left > 0 ? left : nil
    }

    /// The host part of "host:port" or "[v6]:port".
    static func host(of address: String) -> String {
        if address.hasPrefix("["), let end = address.firstIndex(of: "]") { return String(address[address.index(after: address.startIndex)..<end]) }
        guard let colon = address.lastIndex(of: ":") else { return address }
        return String(address[..<colon])
    }
}
