// NodeRuntime+Requests.swift: AllmendeRuntime. Requests to peers and the routing of their answers.

import AllmendeWire

extension NodeRuntime {
    /// Sends a request built from a fresh request number; `handler` gets the response, or nil if the connection closed
    /// or already has `WireLimits.maximumOutstandingRequests` unanswered requests (Protocol/wire.md, "Limits").
    func request(_ connection: PeerConnection, _ build: (UInt32) -> Message, handler: @escaping @Sendable (Message?) -> Void) {
        let number = state.withLock { state -> UInt32? in
            let unanswered = state.pending.values.reduce(0) { $0 + ($1.0 === connection ? 1 : 0) }
            guard unanswered < WireLimits.maximumOutstandingRequests else { return nil }
            let number = state.nextRequest
            state.nextRequest = state.nextRequest == .max ? 1 : state.nextRequest + 1
            state.pending[number] = (connection, handler)
            return number
        }
        guard let number else {
            logger.warning("not sending a request: too many unanswered", ["peer": connection.peer.text])
            return handler(nil)
        }
        if !connection.send(build(number)) {
            let removed = state.withLock { $0.pending.removeValue(forKey: number) }
            removed?.1(nil)
        }
    }

    /// Forgets a request that timed out.
    func cancelRequest(_ number: UInt32) { _ = state.withLock { $0.pending.removeValue(forKey: number) } }

    func completeRequest(_ number: UInt32, from connection: PeerConnection, with message: Message) {
        let pending = state.withLock { state -> (PeerConnection, @Sendable (Message?) -> Void)? in
            guard let entry = state.pending[number], entry.0 === connection else { return nil }
            state.pending[number] = nil
            return entry
        }
        guard let pending else {
            logger.debug("response to an unknown request", ["peer": connection.peer.text, "request": String(number)])
            return
        }
        pending.1(message)
    }
}
