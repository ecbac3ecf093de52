// BlobFetchPlan.swift: AllmendeNode. The download of one blob as a state machine: which chunk to ask which
// peer for (ChunkScheduler), request time-outs, busy peers resting, and batching arrived chunks for their check.
// Pure: time is passed in; the executor sends requests, checks chunks, writes them. Spec: Protocol/wire.md
// "Fetching a package".

import AllmendeCrypto
import AllmendeWire

/// Plans fetching one blob's chunks from several peers: up to `window` requests per peer and `totalWindow` in
/// all (in flight or waiting for their check), a request unanswered for `requestTimeout` is asked again
/// (of another peer when there is one), arrived chunks are handed out for checking in batches of `batchSize`
/// (or sooner once `batchWait` passed or nothing else is on its way), a peer that sends 3 chunks that do not
/// match the index is dropped, and a peer that answers `busy` rests (ChunkScheduler).
public struct BlobFetchPlan: Sendable {
    /// A chunk that arrived and awaits its check.
    public struct Arrived: Equatable, Sendable {
        public let chunk: Int
        public let peer: NodeID
        public let data: ChunkData
    }

    /// How a peer answered a chunk request.
    public enum Answer: Equatable, Sendable {
        case data(ChunkData)
        case busy
        /// Not found, refused or invalid request.
        case failed
        /// The connection closed before the answer.
        case lost
    }

    public enum Action: Equatable, Sendable {
        /// Ask `peer` for `chunk`.
        case request(peer: NodeID, chunk: Int)
        /// The request for `chunk` to `peer` timed out: forget it (a late answer is dropped).
        case cancel(peer: NodeID, chunk: Int)
        /// Check these chunks against the index (together), write the good ones, report with `checked`.
        case check([Arrived])
        /// `peer` sent chunks that do not match the index: disconnect it.
        case drop(peer: NodeID, reason: String)
    }

    public let batchSize: Int
    public let batchWait: Duration
    public let requestTimeout: Duration
    private var scheduler: ChunkScheduler
    private var inFlight: [Int: (peer: NodeID, sentAt: Duration)] = [:]
    private var pending: [Arrived] = []
    private var pendingSince: Duration = .zero

    /// A plan for `chunkCount` chunks, `have` of them already on disk, from `peers`.
    public init(chunkCount: Int, have: Set<Int>, peers: [NodeID], batchSize: Int = 1, window: Int = 32, totalWindow: Int = 40,
                batchWait: Duration = NodeTimeouts.checkBatchWait, requestTimeout: Duration = NodeTimeouts.chunkRequest) {
        scheduler = ChunkScheduler(chunkCount: chunkCount, have: have, window: window, totalWindow: totalWindow)
        for peer in peers { scheduler.addPeer(peer) }
        self.batchSize = max(1, batchSize)
        self.batchWait = batchWait
        self.requestTimeout = requestTimeout
    }

    /// True once every chunk is stored.
    public var isComplete: Bool { scheduler.isComplete }
    public var storedCount: Int { scheduler.storedCount }
    public var activePeers: [NodeID] { scheduler.activePeers }
    public var maximumStrikes: Int { scheduler.maximumStrikes }

    /// True if the download cannot go on at `now`: chunks are missing, and none is on its way, waiting for its
    /// check, or waiting for a resting peer.
    public func isStuck(now: Duration) -> Bool {
        !isComplete && inFlight.isEmpty && pending.isEmpty && scheduler.nextRestEnd(after: now) == nil
    }
    /// Chunks every peer in use failed too often.
    public var unobtainableChunks: [Int] { scheduler.unobtainableChunks.sorted() }

    /// When the plan next needs a `tick`: a request times out, a batch is due, or a resting peer may be asked.
    public func nextWake(now: Duration) -> Duration? {
        var times = inFlight.values.map { $0.sentAt + requestTimeout }
        if !pending.isEmpty { times.append(pendingSince + batchWait) }
        if let rest = scheduler.nextRestEnd(after: now) { times.append(rest) }
        return times.min()
    }

    /// The first requests.
    public mutating func start(now: Duration) -> [Action] { requests(now: now) }

    /// The peers that are still connected (others leave the plan; their requests are asked of others).
    public mutating func peersReady(_ ready: Set<NodeID>, now: Duration) -> [Action] {
        for peer in scheduler.activePeers where !ready.contains(peer) {
            scheduler.removePeer(peer)
            for (chunk, entry) in inFlight where entry.peer == peer { inFlight[chunk] = nil }
        }
        return requests(now: now)
    }

    /// `peer` answered the request for `chunk`.
    public mutating func answered(chunk: Int, from peer: NodeID, _ answer: Answer, now: Duration) -> [Action] {
        guard inFlight[chunk]?.peer == peer else { return [] }
        inFlight[chunk] = nil
        switch answer {
        case let .data(data):
            scheduler.arrived(chunk: chunk, from: peer)
            if pending.isEmpty { pendingSince = now }
            pending.append(Arrived(chunk: chunk, peer: peer, data: data))
        case .busy:
            scheduler.busy(chunk: chunk, from: peer, now: now)
        case .failed:
            scheduler.failed(chunk: chunk, from: peer)
        case .lost:
            scheduler.failed(chunk: chunk, from: peer)
            scheduler.removePeer(peer)
            for (other, entry) in inFlight where entry.peer == peer { inFlight[other] = nil }
        }
        // The windows are refilled before a batch is checked, so peers keep sending while the executor hashes.
        var actions = requests(now: now)
        if pending.count >= batchSize { actions += takeBatch(all: false) }
        return actions
    }

    /// The executor checked chunks handed out by `.check`.
    public mutating func checked(_ verdicts: [(chunk: Int, peer: NodeID, isValid: Bool)], now: Duration) -> [Action] {
        var actions: [Action] = []
        for verdict in verdicts where scheduler.received(chunk: verdict.chunk, from: verdict.peer, isValid: verdict.isValid) == .peerDropped {
            actions.append(.drop(peer: verdict.peer, reason: "sent \(scheduler.maximumStrikes) chunks that do not match their hashes"))
            for (chunk, entry) in inFlight where entry.peer == verdict.peer { inFlight[chunk] = nil }
        }
        return actions + requests(now: now)
    }

    /// Time passed: time-outs, batches due, rested peers.
    public mutating func tick(now: Duration) -> [Action] {
        var actions: [Action] = []
        for (chunk, entry) in inFlight where now - entry.sentAt >= requestTimeout {
            inFlight[chunk] = nil
            scheduler.failed(chunk: chunk, from: entry.peer)
            actions.append(.cancel(peer: entry.peer, chunk: chunk))
        }
        actions += requests(now: now)
        if !pending.isEmpty && (inFlight.isEmpty || now - pendingSince >= batchWait) { actions += takeBatch(all: true) }
        return actions
    }

    private mutating func requests(now: Duration) -> [Action] {
        scheduler.nextRequests(now: now).map { peer, chunk in
            inFlight[chunk] = (peer, now)
            return .request(peer: peer, chunk: chunk)
        }
    }

    private mutating func takeBatch(all: Bool) -> [Action] {
        let count = all ? pending.count : pending.count / batchSize * batchSize
        guard count > 0 else { return [] }
        let batch = Array(pending[..<count])
        pending.removeFirst(count)
        return [.check(batch)]
    }
}
