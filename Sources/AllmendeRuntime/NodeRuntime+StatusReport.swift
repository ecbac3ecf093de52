// NodeRuntime+StatusReport.swift: AllmendeRuntime. The node's state in one JSON object, for the control socket's
// `status` (Protocol/control.md) and the HTTP API's /api/status (Protocol/http.md).

import CanonicalJSON

extension NodeRuntime {
    /// What `allmende status --json` and `/api/status` show: node, peers, store, catalog, fetches, faults.
    public func statusReport() -> JSONValue {
        let peers: [JSONValue] = connectionSummaries().map { summary in
            ["node": .string(summary.peer.text), "address": .string(summary.address), "direction": .string(summary.outbound ? "out" : "in"),
             "state": .string(summary.ready ? "ready" : "handshake"), "name": .string(summary.name),
             "bytesIn": .integer(summary.bytesIn), "bytesOut": .integer(summary.bytesOut)]
        }
        let (blobCount, bytes) = storeUsage()
        return ["event": "status", "node": .string(nodeID.text), "listenPort": .integer(Int(listenPort)),
                "http": webServer.withLock { server in server.map { .string("http://\($0.host):\($0.port)/") } } ?? .null,
                "peers": .array(peers), "blobs": .integer(blobCount), "storeBytes": .integer(bytes),
                "packages": .integer(store.storedPackageCount()), "catalogEntries": .integer(store.catalog.count),
                "entriesFromPeers": .integer(events.counters.entriesFromPeers), "entriesRejected": .integer(events.counters.strikes),
                "entriesRevoked": .integer(events.counters.entriesRevoked),
                "knownNodes": .integer(knownNodes.count),
                "holderNodes": .integer(holderNodeCount()),
                "seemsUnreachable": .bool(seemsUnreachable()),
                "observedAddresses": .array(observedHosts().map { .string(listenAddress(of: $0)) }),
                "fetches": .array(runningFetches.map { fetch in
                    ["package": .string(fetch.package.hex), "done": .integer(fetch.progress.bytesDone), "total": .integer(fetch.progress.bytesTotal),
                     "sources": .integer(fetch.progress.sources), "waiting": .integer(fetch.waiting)]
                }),
                "storageFault": storageFault.map { .string($0) } ?? .null,
                "configuredPeers": .array(configuredPeerStates().map { peer in
                    ["address": .string(peer.entry.address), "node": peer.entry.node.map { .string($0.text) } ?? .null,
                     "connected": .bool(peer.isConnected), "lastError": peer.lastError.map { .string($0) } ?? .null,
                     "retryInSeconds": peer.retryIn.map { .integer(Int($0.inSeconds.rounded(.up))) } ?? .null]
                })]
    }
}
