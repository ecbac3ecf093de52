// NodeRuntime+Admission.swift: AllmendeRuntime. Whether an inbound connection may start its handshake.

extension NodeRuntime {
    /// Counts an inbound connection from `address` ("host:port") as handshaking, or says why it is refused:
    /// too many connections in all, or too many from its host (one host must not take every slot).
    func admitInbound(from address: String) -> String? {
        let host = Self.host(of: address)
        return state.withLock { state -> String? in
            guard state.connections.count + state.handshakes < options.maxConnections else { return "too many connections" }
            let fromHost = state.connections.values.reduce(0) { $0 + (!$1.isOutbound && Self.host(of: $1.remoteAddress) == host ? 1 : 0) }
                + state.handshakesByHost[host, default: 0]
            guard fromHost < options.maxConnectionsPerHost else {
                return "too many connections from \(host) (at most \(options.maxConnectionsPerHost))"
            }
            state.handshakes += 1
            state.handshakesByHost[host, default: 0] += 1
            return nil
        }
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
