// FetchJob.swift: AllmendeRuntime. Fetching a package by ID from every peer that has it, verified chunk by chunk.

import AllmendeCrypto
import AllmendeModel
import AllmendeNode
import AllmendeStore
import AllmendeSystem
import AllmendeWire
import Foundation
import Synchronization

/// How far a fetch has come.
public struct FetchProgress: Sendable, Equatable {
    public var bytesDone = 0
    public var bytesTotal = 0
    /// Bytes found intact on disk from an earlier, interrupted fetch (not downloaded again).
    public var bytesReused = 0
    public var sources = 0
    /// While no connected peer has the package: holders known (holdings, publish statements), and connected to.
    public var holdersKnown = 0
    public var holdersConnected = 0
    /// No holder is known or reachable yet, and the fetch waits for one (`fetch --wait`).
    public var waitingForHolder = false
}

/// What a fetch did.
public struct FetchResult: Sendable {
    public let packageID: ContentID
    public let manifest: DesignManifest
    /// Peers that served chunks.
    public let sources: [NodeID]
    public let bytesDownloaded: Int
    public let bytesReused: Int
}

/// Why a fetch failed.
public enum FetchError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No peer is connected.
    case notConnected
    /// None of the connected peers has the package complete, and no other holder is known.
    case noSource(package: ContentID, askedPeers: Int)
    /// Holders are known from the catalog but none could be reached.
    case holdersUnreachable(package: ContentID, holders: Int, withAddress: Int)
    /// A peer's publish statement is not signed by the manifest's publisher.
    case statementNotByPublisher(package: ContentID)
    /// No peer sent a chunk index that checks out for the blob.
    case noUsableIndex(blob: ContentID)
    /// The peers could not supply every chunk: how many are stored, of how many, and which failed everywhere.
    case chunksUnobtainable(blob: ContentID, stored: Int, total: Int, failed: [Int], peersLeft: Bool)
    /// A blob no peer could supply at all.
    case noPeerForBlob(blob: ContentID)
    /// Everyone who asked for the fetch stopped waiting (e.g. Ctrl-C); what was stored stays for the next one.
    case cancelled(package: ContentID)
    /// The node is shutting down.
    case stopping
    /// This node failed to store what it fetched (disk full, I/O error).
    case local(String)

    public var description: String {
        switch self {
        case .notConnected: return "not connected to any peer; add one with 'allmende peers add HOST:PORT'"
        case let .noSource(package, askedPeers):
            return "none of the \(askedPeers) connected peer(s) has package \(package.hex), and no other node is known to hold it (no holdings "
                + "list it, no publisher announced an address); 'allmende fetch --wait 10m' waits for a holder, or add a peer that has it ('allmende peers add HOST:PORT')"
        case let .holdersUnreachable(package, holders, withAddress):
            return withAddress == 0
                ? "no connected peer has package \(package.hex); \(holders) node(s) hold it but none has announced an address yet; try again later"
                : "no connected peer has package \(package.hex), and none of its \(holders) holder(s) (\(withAddress) with a known address) could be reached; try again later"
        case let .statementNotByPublisher(package): return "the publish statement of \(package.hex) is not by the manifest's publisher"
        case let .noUsableIndex(blob): return "no peer sent a usable chunk index for blob \(blob.hex)"
        case let .noPeerForBlob(blob): return "no peer could supply blob \(blob.hex)"
        case let .cancelled(package):
            return "the fetch of \(package.hex) was cancelled; what arrived is kept, and fetching it again resumes from there"
        case .stopping: return "the node is shutting down; fetching again after it restarts resumes where this fetch stopped"
        case let .local(reason): return "could not store what was fetched: \(reason)"
        case let .chunksUnobtainable(blob, stored, total, failed, peersLeft):
            let which = !peersLeft ? "; no peer left to ask"
                : failed.isEmpty ? "" : "; chunks \(failed.prefix(8).map(String.init).joined(separator: ", "))\(failed.count > 8 ? ", …" : "") failed at every peer"
            return "no peer can supply the rest of blob \(blob.hex) (\(stored)/\(total) chunks\(which))"
        }
    }
}

/// Calls `body` with the bytes of every chunk in `chunks`, all borrowed at once.
private func withBorrowedBytes<R>(of chunks: [ChunkData], _ body: ([UnsafeRawBufferPointer]) throws -> R) rethrows -> R {
    var buffers: [UnsafeRawBufferPointer] = []
    buffers.reserveCapacity(chunks.count)
    func borrow(_ next: Int) throws -> R {
        guard next < chunks.count else { return try body(buffers) }
        return try chunks[next].withUnsafeBytes { bytes in
            buffers.append(bytes)
            return try borrow(next + 1)
        }
    }
    return try borrow(0)
}

/// Responses for one fetch, handed from connection threads to the fetching thread.
private final class Inbox: Sendable {
    typealias Item = (tag: Int, peer: NodeID, message: Message?)
    private let items = Mutex<[Item]>([])
    private let signal = DispatchSemaphore(value: 0)

    func put(tag: Int, peer: NodeID, message: Message?) {
        items.withLock { $0.append((tag, peer, message)) }
        signal.signal()
    }

    /// Waits up to `timeout` for at least one item, then returns everything queued.
    func take(timeout: Duration) -> [Item] {
        _ = signal.wait(timeout: .now() + .milliseconds(Int(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)))
        return items.withLock { items in
            defer { items.removeAll() }
            return items
        }
    }
}

extension NodeRuntime {
    /// The peers to fetch `id` from: connected ones that have it, else its holders dialled on demand.
    private func locateSources(_ id: ContentID, control: RunningFetch, report: inout FetchProgress,
                               progress: @Sendable (FetchProgress) -> Void) throws -> [(peer: NodeID, statement: SignedStatement)] {
        do {
            return try findSources(id, control: control)
        } catch let error as FetchError {
            guard error != .cancelled(package: id) && error != .stopping else { throw error }
            // No connected peer has it: connect to its holders (signed holdings, then the nodes that published it),
            // then ask again (not for a retracted package, which holders withhold on purpose).
            guard store.catalogListing(id)?.retraction == nil else { throw error }
            let holders = connectToHolders(of: id, isCancelled: { control.isCancelled }) { known, _, connected in
                report.holdersKnown = known
                report.holdersConnected = connected
                progress(report)
            }
            guard holders.known > 0 else { throw error }
            guard holders.connected > 0 else {
                throw FetchError.holdersUnreachable(package: id, holders: holders.known, withAddress: holders.withAddress)
            }
            return try findSources(id, control: control)
        }
    }

    /// Fetches package `id` (manifest, statement and every file) from the peers that have it; `control` says
    /// whether to go on and hears progress.
    func performFetch(_ id: ContentID, control: RunningFetch) throws -> FetchResult {
        let progress = { @Sendable (report: FetchProgress) in control.report(report) }
        var report = FetchProgress()
        // With --wait, a package nobody reachable holds yet is looked for again every second until one appears.
        let deadline = ContinuousClock.now + control.holderWait
        var sources: [(peer: NodeID, statement: SignedStatement)]
        while true {
            do {
                sources = try locateSources(id, control: control, report: &report, progress: progress)
                break
            } catch let error as FetchError {
                switch error {
                case .notConnected, .noSource, .holdersUnreachable:
                    guard ContinuousClock.now < deadline, !control.isCancelled, !state.withLock({ $0.isStopping }) else { throw error }
                    report.waitingForHolder = true
                    progress(report)
                    Thread.sleep(forTimeInterval: 1)
                default:
                    throw error
                }
            }
        }
        report.waitingForHolder = false
        report.sources = sources.count
        var servedBy: Set<NodeID> = []
        var downloaded = 0
        if !store.hasManifest(id) {
            let stats = try fetchBlob(id, expectedIndex: nil, from: sources.map(\.peer), control: control, progress: { _ in })
            servedBy.formUnion(stats.servedBy)
            downloaded += stats.downloaded
        }
        let manifest = try store.manifest(id)
        if let statement = sources.first?.statement, statement.statement.identity != manifest.publisher {
            throw FetchError.statementNotByPublisher(package: id)
        }
        let missing = manifest.files.filter { !store.blobs.has($0.sha256) }
        report.bytesTotal = missing.reduce(0) { $0 + $1.size }
        progress(report)
        for file in missing where !store.blobs.has(file.sha256) {
            let base = report
            let stats = try fetchBlob(file.sha256, expectedIndex: file.chunkIndex, from: sources.map(\.peer), control: control) { partial in
                var current = base
                current.bytesDone += partial.done
                current.bytesReused += partial.reused
                progress(current)
            }
            report.bytesDone += file.size
            report.bytesReused += stats.reused
            downloaded += stats.downloaded
            servedBy.formUnion(stats.servedBy)
            progress(report)
        }
        // Only now, with every file stored, does the package count as stored (an interrupted fetch is not a
        // package with missing files, just a partial download).
        if let statement = sources.first?.statement { try store.addStatement(statement) }
        logger.info("fetched package", ["package": id.hex, "files": String(missing.count), "sources": String(servedBy.count)])
        forgetStanding()
        return FetchResult(packageID: id, manifest: manifest, sources: servedBy.sorted(), bytesDownloaded: downloaded, bytesReused: report.bytesReused)
    }

    /// Asks every ready peer whether it has the package; returns those that answer with a valid publish statement.
    private func findSources(_ id: ContentID, control: RunningFetch) throws -> [(peer: NodeID, statement: SignedStatement)] {
        let connections = readyConnections()
        guard !connections.isEmpty else { throw FetchError.notConnected }
        let inbox = Inbox()
        for (tag, connection) in connections.enumerated() {
            request(connection, { .getPackage(request: $0, package: id) }, handler: { inbox.put(tag: tag, peer: connection.peer, message: $0) })
        }
        var answered = 0
        var found: [(NodeID, SignedStatement)] = []
        let deadline = ContinuousClock.now + NodeTimeouts.sourceLookup
        let rule = revocationRule
        let now = Timestamp(secondsSinceEpoch: Int64(Date().timeIntervalSince1970))
        while answered < connections.count && ContinuousClock.now < deadline {
            try check(control)
            for item in inbox.take(timeout: .milliseconds(200)) {
                answered += 1
                guard case let .package(_, .ok, bytes)? = item.message else { continue }
                guard let signed = try? SignedStatement(parsing: bytes), (try? signed.verify()) != nil,
                      signed.statement.kind == .publish, signed.statement.package == id else {
                    disconnect(item.peer, code: .misbehaving, reason: "sent an invalid publish statement")
                    continue
                }
                // Signed by a revoked device key: not this peer's fault, but not a source either.
                let firstSeen = (try? signed.statementID()).flatMap { store.catalog.firstSeen($0) } ?? now
                guard rule.revocation(against: signed.statement, device: signed.signer, firstSeen: firstSeen) == nil else { continue }
                found.append((item.peer, signed))
            }
        }
        guard !found.isEmpty else {
            throw FetchError.noSource(package: id, askedPeers: connections.count)
        }
        return found
    }

    /// Downloads one blob from `peers` into the store; resumes from a partial file.
    private func fetchBlob(
        _ blob: ContentID, expectedIndex: ContentID?, from peers: [NodeID], control: RunningFetch,
        progress: (_ partial: (done: Int, reused: Int)) -> Void
    ) throws -> (downloaded: Int, reused: Int, servedBy: Set<NodeID>) {
        // Another fetch (of another package with the same file) may be writing this blob: wait, then it may be stored.
        try exclusively(blob, control: control) {
            if store.blobs.has(blob) { return (0, 0, []) }
            return try downloadBlob(blob, expectedIndex: expectedIndex, from: peers, control: control, progress: progress)
        }
    }

    private func downloadBlob(
        _ blob: ContentID, expectedIndex: ContentID?, from peers: [NodeID], control: RunningFetch,
        progress: (_ partial: (done: Int, reused: Int)) -> Void
    ) throws -> (downloaded: Int, reused: Int, servedBy: Set<NodeID>) {
        // An index no signed manifest names (a manifest's own) is vouched for only by its last value, the blob ID:
        // a liar could invent the values before it, and honest peers' chunks would then fail against them. So such
        // a blob comes whole from one peer, which answers for both its index and its chunks; the next peer is tried
        // if it fails.
        if expectedIndex == nil && peers.count > 1 {
            var lastError: any Error = FetchError.noPeerForBlob(blob: blob)
            for peer in peers {
                do { return try downloadBlob(blob, expectedIndex: nil, from: [peer], control: control, progress: progress) } catch {
                    if let error = error as? FetchError, error == .cancelled(package: control.package) || error == .stopping { throw error }
                    lastError = error
                }
            }
            throw lastError
        }
        let index = try fetchIndex(blob, expected: expectedIndex, from: peers, control: control)
        let (descriptor, have) = try store.blobs.openPartial(blob, index: index)
        defer { descriptor.close() }
        let reused = have.reduce(0) { $0 + index.byteRange(ofChunk: $1).count }
        var done = reused
        var downloaded = 0
        var servedBy: Set<NodeID> = []
        // Up to 32 chunks in flight per peer keep a fast peer busy while a batch is checked; 40 in all, in flight or
        // waiting for their check, bound memory (1 MiB each) however many peers serve. Arrived chunks are checked
        // together, up to 16 at once in SIMD lanes where the CPU allows (SHA256ChainLanes).
        let started = ContinuousClock.now
        /// Time since the download began: the plan's clock.
        func elapsed() -> Duration { ContinuousClock.now - started }
        var plan = BlobFetchPlan(chunkCount: index.chunkCount, have: have, peers: peers,
                                 batchSize: SHA256ChainLanes.isAccelerated ? SHA256ChainLanes.width : 1)
        let inbox = Inbox()
        var requestNumbers: [Int: UInt32] = [:]
        // Each chunk is checked against the chained index here, off the connection threads (which only decrypt), and
        // then written from the storage it was received into; when all check out, the blob is proven without a second pass.
        let writer = ChunkWriter(descriptor: descriptor, index: index, store: store.blobs)
        defer { try? writer.finish() }   // also on errors: the writer thread ends
        progress((done, reused))
        /// Performs the plan's actions (checking a batch may lead to more).
        func perform(_ actions: [BlobFetchPlan.Action]) throws {
            var queue = actions[...]
            let connections = Dictionary(readyConnections().map { ($0.peer, $0) }, uniquingKeysWith: { first, _ in first })
            while let action = queue.popFirst() {
                switch action {
                case let .request(peer, chunk):
                    guard let connection = connections[peer] else {
                        queue += plan.answered(chunk: chunk, from: peer, .lost, now: elapsed())
                        continue
                    }
                    request(connection, { assigned in
                        requestNumbers[chunk] = assigned
                        return .getChunk(request: assigned, blob: blob, chunk: UInt32(chunk))
                    }, handler: { inbox.put(tag: chunk, peer: peer, message: $0) })
                case let .cancel(_, chunk):
                    // A late answer is dropped instead of waiting in the pending table forever.
                    if let number = requestNumbers.removeValue(forKey: chunk) { cancelRequest(number) }
                case let .drop(peer, reason):
                    disconnect(peer, code: .misbehaving, reason: reason)
                case let .check(batch):
                    let verdicts = withBorrowedBytes(of: batch.map(\.data)) { buffers in
                        index.verify(chunks: zip(batch, buffers).map { ($0.chunk, $1) })
                    }
                    for (item, isValid) in zip(batch, verdicts) {
                        if isValid {
                            try writer.write(item.data, chunk: item.chunk)
                            done += item.data.count
                            downloaded += item.data.count
                            servedBy.insert(item.peer)
                        } else {
                            logger.warning("corrupt chunk from peer", ["peer": item.peer.text, "blob": blob.shortHex(), "chunk": String(item.chunk)])
                            events.record(.corruptChunk(from: item.peer, blob: blob, chunk: item.chunk))
                        }
                    }
                    progress((done, reused))
                    queue += plan.checked(zip(batch, verdicts).map { ($0.chunk, $0.peer, $1) }, now: elapsed())
                }
            }
        }
        try perform(plan.start(now: elapsed()))
        while !plan.isComplete {
            try check(control)
            // Time-outs, batches due, and peers whose rest after a busy answer has ended are asked again — before
            // deciding that nothing can come any more.
            // One `now` for both: a rest that ends between two readings of the clock must not look like the end.
            let now = elapsed()
            try perform(plan.tick(now: now))
            if plan.isComplete { break }
            guard !plan.isStuck(now: now) else {
                throw FetchError.chunksUnobtainable(blob: blob, stored: plan.storedCount, total: index.chunkCount,
                                                    failed: plan.unobtainableChunks, peersLeft: !plan.activePeers.isEmpty)
            }
            let wait = plan.nextWake(now: elapsed()).map { max(.zero, $0 - elapsed()) } ?? .seconds(1)
            var actions: [BlobFetchPlan.Action] = []
            for item in inbox.take(timeout: min(wait, .seconds(1))) {
                requestNumbers[item.tag] = nil
                let answer: BlobFetchPlan.Answer
                switch item.message {
                case let .chunk(_, .ok, data)?: answer = .data(data)
                case .chunk(_, .busy, _)?: answer = .busy
                case nil: answer = .lost
                default: answer = .failed
                }
                actions += plan.answered(chunk: item.tag, from: item.peer, answer, now: elapsed())
            }
            actions += plan.peersReady(Set(readyConnections().map(\.peer)), now: elapsed())
            try perform(actions)
        }
        try writer.finish()
        _ = try store.blobs.commitPartial(blob, index: index, descriptor: descriptor, chunksVerified: true)
        return (downloaded, reused, servedBy)
    }

    /// Gets and checks a chunk index from the first peer that has a good one.
    private func fetchIndex(_ blob: ContentID, expected: ContentID?, from peers: [NodeID], control: RunningFetch) throws -> ChunkIndex {
        let connections = readyConnections().filter { peers.contains($0.peer) }
        for connection in connections {
            let inbox = Inbox()
            request(connection, { .getIndex(request: $0, blob: blob) }, handler: { inbox.put(tag: 0, peer: connection.peer, message: $0) })
            let deadline = ContinuousClock.now + NodeTimeouts.indexRequest
            var answer: Message??
            while answer == nil && ContinuousClock.now < deadline {
                try check(control)
                if let item = inbox.take(timeout: .milliseconds(500)).first { answer = .some(item.message) }
            }
            guard case let .index(_, .ok, bytes)?? = answer, let index = try? ChunkIndex(decoding: bytes) else { continue }
            if index.blobID != blob || (expected != nil && index.id != expected) {
                disconnect(connection.peer, code: .misbehaving, reason: expected == nil ? "sent a chunk index of another blob" : "sent a chunk index that does not match the manifest")
                continue
            }
            return index
        }
        throw FetchError.noUsableIndex(blob: blob)
    }
}
