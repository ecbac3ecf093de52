// NodeRuntime+Holders.swift: AllmendeRuntime. Fetching from labs this node is not connected to: the nodes that
// signed a package's publish statement hold it; the core dials them through the address book (signed node
// announcements). Spec: Protocol/wire.md "Fetching a package".

import AllmendeCrypto
import AllmendeModel
import AllmendeNode
import AllmendeStore
import Foundation

extension NodeRuntime {
    /// Nodes that signed a publish statement of `package` in this node's catalog (other than this node).
    func publishingNodes(of package: ContentID) -> [NodeID] {
        var nodes: Set<NodeID> = []
        for id in store.catalog.ids {
            guard let bytes = store.catalog.entryBytes(id), case let .statement(signed)? = try? CatalogEntry(parsingStored: bytes),
                  signed.statement.kind == .publish, signed.statement.package == package else { continue }
            nodes.insert(signed.signer)
        }
        nodes.remove(nodeID)
        return nodes.sorted()
    }

    /// Asks the core to connect to the holders of `package` it is not connected to, and waits until one of them is
    /// ready (at most `NodeTimeouts.holderConnect`). Returns how many holders are known, how many have an address
    /// in the address book, and how many are connected now; `progress` hears the same as it changes.
    func connectToHolders(of package: ContentID, isCancelled: () -> Bool, progress: (_ known: Int, _ withAddress: Int, _ connected: Int) -> Void)
        -> (known: Int, withAddress: Int, connected: Int) {
        let holders = publishingNodes(of: package)
        let wantedUntil = ContinuousClock.now - startedAt + NodeTimeouts.holderWanted
        let withAddress = core.withLock { core in holders.filter { !core.directory.addresses(of: $0).isEmpty }.count }
        func connected() -> Int { Set(readyConnections().map(\.peer)).intersection(holders).count }
        guard !holders.isEmpty else { return (0, 0, 0) }
        let before = connected()
        progress(holders.count, withAddress, before)
        // Nothing to dial: no address known, or every holder is connected already.
        guard withAddress > 0, before < holders.count else { return (holders.count, withAddress, before) }
        drive(.seek(holders, until: wantedUntil))
        let deadline = ContinuousClock.now + NodeTimeouts.holderConnect
        var now = connected()
        // Dials run on their own threads; the connection is ready once the hellos are exchanged.
        while now == before && ContinuousClock.now < deadline && !state.withLock({ $0.isStopping }) && !isCancelled() {
            Thread.sleep(forTimeInterval: 0.02)
            now = connected()
        }
        if now != before { progress(holders.count, withAddress, now) }
        return (holders.count, withAddress, now)
    }
}
