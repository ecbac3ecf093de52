// ChunkScheduler.swift: AllmendeNode. Which chunk to ask which peer for, retries and peer strikes. Pure.

import AllmendeCrypto

/// Plans the download of one blob's chunks from several peers at once.
///
/// Each peer gets up to `window` outstanding requests; chunks requested and chunks arrived but not yet checked
/// are together at most `totalWindow` (which bounds the memory they take, however many peers serve and however
/// far the checks lag behind the network); a chunk that fails verification is requested again
/// from another peer when possible, and the peer that sent it gets a strike; at `maximumStrikes` the peer is
/// dropped (the runtime disconnects it). Chunks already on disk (a resumed download) are never requested.
public struct ChunkScheduler: Sendable {
    /// Outcome of a received chunk.
    public enum Verdict: Equatable, Sendable {
        case stored
        case retry
        case peerDropped
    }

    public let chunkCount: Int
    public let window: Int
    public let totalWindow: Int
    public let maximumStrikes: Int
    /// Failures of one chunk (not found, busy, timed out, damaged; any peer) after which peers that already
    /// failed it are not asked again: a chunk nobody can give ends the download instead of being asked forever.
    public let maximumChunkFailures: Int
    private(set) var have: Set<Int>
    private var waiting: [Int]
    private var inFlight: [Int: NodeID] = [:]
    /// Chunks that arrived and await their check (no longer in a peer's window).
    private var checking: [Int: NodeID] = [:]
    private var outstanding: [NodeID: Int] = [:]
    private var strikes: [NodeID: Int] = [:]
    private var failedAt: [Int: Set<NodeID>] = [:]
    private var failures: [Int: Int] = [:]
    /// Peers that answered `busy`: not asked again before the given time; their run of busy answers.
    private var restingUntil: [NodeID: Duration] = [:]
    private var busyStreak: [NodeID: Int] = [:]
    private var peers: [NodeID] = []

    public init(
        chunkCount: Int, have: Set<Int>, window: Int = 8, totalWindow: Int = .max, maximumStrikes: Int = 3, maximumChunkFailures: Int = 4
    ) {
        self.chunkCount = chunkCount
        self.have = have
        self.window = window
        self.totalWindow = totalWindow
        self.maximumStrikes = maximumStrikes
        self.maximumChunkFailures = maximumChunkFailures
        waiting = (0..<chunkCount).filter { !have.contains($0) }
    }

    /// True once every chunk is stored.
    public var isComplete: Bool { have.count == chunkCount }
    /// Chunks stored so far.
    public var storedCount: Int { have.count }
    /// Peers still in use.
    public var activePeers: [NodeID] { peers }

    /// Starts using `peer`.
    public mutating func addPeer(_ peer: NodeID) {
        guard !peers.contains(peer), (strikes[peer] ?? 0) < maximumStrikes else { return }
        peers.append(peer)
        outstanding[peer] = 0
    }

    /// Stops using `peer`; its outstanding chunks go back to the queue.
    public mutating func removePeer(_ peer: NodeID) {
        peers.removeAll { $0 == peer }
        outstanding[peer] = nil
        for (chunk, holder) in inFlight where holder == peer {
            inFlight[chunk] = nil
            waiting.insert(chunk, at: 0)
        }
    }

    /// Requests to send now: fills each peer's window, spreading chunks round-robin across peers. `now` (any
    /// monotonic time) tells which peers that answered `busy` have rested long enough.
    public mutating func nextRequests(now: Duration = .zero) -> [(peer: NodeID, chunk: Int)] {
        var requests: [(NodeID, Int)] = []
        var progress = true
        let available = peers.filter { (restingUntil[$0] ?? now) <= now }
        while progress && !waiting.isEmpty && inFlight.count + checking.count < totalWindow {
            progress = false
            for peer in available where (outstanding[peer] ?? 0) < window && inFlight.count + checking.count < totalWindow {
                guard let position = waiting.firstIndex(where: { mayAsk(peer, for: $0) }) else { continue }
                let chunk = waiting.remove(at: position)
                inFlight[chunk] = peer
                outstanding[peer, default: 0] += 1
                requests.append((peer, chunk))
                progress = true
                if waiting.isEmpty { break }
            }
        }
        return requests
    }

    /// Whether `peer` may be asked for `chunk`: if it has not failed it, or if every peer in use has (then again,
    /// while the chunk's failures stay under the bound: a peer may have been busy, or the damage transient).
    private func mayAsk(_ peer: NodeID, for chunk: Int) -> Bool {
        guard let failed = failedAt[chunk], failed.contains(peer) else { return true }
        return (failures[chunk] ?? 0) < maximumChunkFailures && peers.allSatisfy { failed.contains($0) }
    }

    /// Chunks no peer in use will be asked for again (every one failed them too often).
    public var unobtainableChunks: [Int] {
        waiting.filter { chunk in !peers.contains { mayAsk($0, for: chunk) } }
    }

    /// Records that `peer` answered `busy` for `chunk` at `now`: the chunk goes back to the front of the queue (no
    /// failure, no strike) and the peer rests, 50 ms after a first busy answer, doubling up to 0.8 s while it stays busy
    /// (busy answers that arrive while it already rests do not lengthen the rest). A peer busy for
    /// `maximumBusySpells` rests in a row (about 14 s) without sending a chunk is no longer used for this download.
    public mutating func busy(chunk: Int, from peer: NodeID, now: Duration) {
        guard inFlight[chunk] == peer else { return }
        inFlight[chunk] = nil
        outstanding[peer] = max(0, (outstanding[peer] ?? 1) - 1)
        waiting.insert(chunk, at: 0)
        // Answers to requests sent before the rest began are part of the same busy spell.
        if let resting = restingUntil[peer], resting > now { return }
        let streak = (busyStreak[peer] ?? 0) + 1
        busyStreak[peer] = streak
        restingUntil[peer] = now + .milliseconds(50 << (min(streak, 5) - 1))
        if streak >= Self.maximumBusySpells { removePeer(peer) }
    }

    /// Busy spells in a row after which a peer is given up.
    public static let maximumBusySpells = 20

    /// When the first resting peer may be asked again, if any peer in use rests after `now`.
    public func nextRestEnd(after now: Duration) -> Duration? {
        peers.compactMap { restingUntil[$0] }.filter { $0 > now }.min()
    }

    /// Records that `chunk` arrived from `peer` and waits to be checked: it leaves the peer's window, so more can be
    /// requested while chunks are checked in batches; `received` gives the verdict later.
    public mutating func arrived(chunk: Int, from peer: NodeID) {
        guard inFlight[chunk] == peer else { return }
        inFlight[chunk] = nil
        outstanding[peer] = max(0, (outstanding[peer] ?? 1) - 1)
        checking[chunk] = peer
        busyStreak[peer] = nil
    }

    /// Records a chunk received from `peer`; `isValid` tells whether it matched the chunk index.
    public mutating func received(chunk: Int, from peer: NodeID, isValid: Bool) -> Verdict {
        if checking[chunk] == peer {
            checking[chunk] = nil
        } else {
            guard inFlight[chunk] == peer else { return have.contains(chunk) ? .stored : .retry }
            inFlight[chunk] = nil
            outstanding[peer] = max(0, (outstanding[peer] ?? 1) - 1)
        }
        if isValid {
            have.insert(chunk)
            return .stored
        }
        failedAt[chunk, default: []].insert(peer)
        failures[chunk, default: 0] += 1
        waiting.insert(chunk, at: 0)
        strikes[peer, default: 0] += 1
        if (strikes[peer] ?? 0) >= maximumStrikes {
            let wasActive = peers.contains(peer)
            removePeer(peer)
            return wasActive ? .peerDropped : .retry
        }
        return .retry
    }

    /// Records that `peer` could not serve `chunk` (not found, busy, timed out): ask someone else.
    public mutating func failed(chunk: Int, from peer: NodeID) {
        guard inFlight[chunk] == peer else { return }
        inFlight[chunk] = nil
        outstanding[peer] = max(0, (outstanding[peer] ?? 1) - 1)
        failedAt[chunk, default: []].insert(peer)
        failures[chunk, default: 0] += 1
        waiting.insert(chunk, at: 0)
    }

    /// Strikes a peer has.
    public func strikes(of peer: NodeID) -> Int { strikes[peer] ?? 0 }
}
