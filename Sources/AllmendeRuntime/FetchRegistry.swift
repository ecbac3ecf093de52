// FetchRegistry.swift: AllmendeRuntime. Running fetches by package: a second request for a package being fetched
// joins the running fetch (its progress, its result) instead of downloading it again; a fetch nobody waits for
// any more is cancelled; two fetches never write the same blob at once.

import AllmendeCrypto
import Foundation
import Synchronization

/// One running fetch, shared by everyone who asked for it.
final class RunningFetch: Sendable {
    let package: ContentID
    private struct State {
        var progress = FetchProgress()
        var listeners: [Int: @Sendable (FetchProgress) -> Void] = [:]
        var nextListener = 0
        /// Parties still waiting for it (a detached or internal fetch holds one for good).
        var interested = 0
        var isCancelled = false
        var outcome: Result<FetchResult, FetchError>?
    }
    private let state = Mutex(State())
    private let done = DispatchSemaphore(value: 0)

    /// How long to look for a holder when none is known or reachable (`fetch --wait`).
    let holderWait: Duration

    init(package: ContentID, holderWait: Duration = .zero) {
        self.package = package
        self.holderWait = holderWait
    }

    /// Adds an interested party that hears progress; returns its key for `leave`.
    func join(_ listener: @escaping @Sendable (FetchProgress) -> Void) -> Int {
        state.withLock { state in
            state.interested += 1
            state.nextListener += 1
            state.listeners[state.nextListener] = listener
            return state.nextListener
        }
    }

    /// A party stopped waiting (its command was interrupted); the last one to leave cancels the fetch.
    func leave(_ key: Int) {
        state.withLock { state in
            guard state.listeners.removeValue(forKey: key) != nil else { return }
            state.interested -= 1
            if state.interested <= 0 && state.outcome == nil { state.isCancelled = true }
        }
    }

    var isCancelled: Bool { state.withLock { $0.isCancelled } }
    var progress: FetchProgress { state.withLock { $0.progress } }
    var waiting: Int { state.withLock { $0.interested } }

    func report(_ progress: FetchProgress) {
        let listeners = state.withLock { state in
            state.progress = progress
            return Array(state.listeners.values)
        }
        for listener in listeners { listener(progress) }
    }

    func finish(_ outcome: Result<FetchResult, FetchError>) {
        state.withLock { $0.outcome = outcome }
        done.signal()
    }

    /// Waits for the outcome, or until `isAbandoned` says the caller gave up (then nil).
    func wait(until isAbandoned: () -> Bool) -> Result<FetchResult, FetchError>? {
        while true {
            if done.wait(timeout: .now() + .milliseconds(100)) == .success {
                done.signal()   // others may wait too
                return state.withLock { $0.outcome }
            }
            if isAbandoned() { return nil }
        }
    }
}

extension NodeRuntime {
    /// Fetches package `id` (manifest, statement and every file) from the peers that have it, or joins the fetch
    /// of it that is already running. `isAbandoned` is asked now and then whether the caller still waits (a
    /// control client that disconnected, e.g. on Ctrl-C); when every caller has gone, the fetch is cancelled and
    /// what it stored so far stays for the next fetch to resume from.
    public func fetch(_ id: ContentID, progress: @escaping @Sendable (FetchProgress) -> Void = { _ in },
                      isAbandoned: (@Sendable () -> Bool)? = nil, waitForHolder: Duration = .zero) throws -> FetchResult {
        let (running, isNew) = fetches.withLock { fetches -> (RunningFetch, Bool) in
            if let running = fetches[id] { return (running, false) }
            let running = RunningFetch(package: id, holderWait: waitForHolder)
            fetches[id] = running
            return (running, true)
        }
        let key = running.join(progress)
        if !isNew { progress(running.progress) }
        if isNew {
            // This thread does the work; joiners wait on `running`. A watcher leaves for this caller if it gives up
            // (a caller that cannot give up, such as the mirror loop, needs none).
            if let isAbandoned {
                let watcher = Thread { [running] in
                    while running.waiting > 0 && !running.isCancelled {
                        if isAbandoned() { running.leave(key); return }
                        Thread.sleep(forTimeInterval: 0.1)
                    }
                }
                watcher.start()
            }
            let outcome: Result<FetchResult, FetchError>
            events.count { $0.fetchesStarted += 1 }
            defer {
                if case .success = outcome { events.count { $0.fetchesFinished += 1 } } else { events.count { $0.fetchesFailed += 1 } }
            }
            do {
                outcome = .success(try performFetch(id, control: running))
            } catch let error as FetchError {
                outcome = .failure(error)
            } catch {
                outcome = .failure(.local("\(error)"))
            }
            fetches.withLock { $0[id] = nil }
            if case .success = outcome { holdingsMayHaveChanged() }
            running.leave(key)
            running.finish(outcome)
            return try outcome.get()
        }
        guard let outcome = running.wait(until: isAbandoned ?? { false }) else {
            running.leave(key)
            throw FetchError.cancelled(package: id)
        }
        running.leave(key)
        return try outcome.get()
    }

    /// Most fetches running at once when a detached one is asked for.
    public static let maximumDetachedFetches = 16

    /// Starts fetching `id` in the background (the daemon carries on whoever waits; `status` shows it); false when
    /// `maximumDetachedFetches` are running already.
    public func startDetachedFetch(_ id: ContentID) -> Bool {
        guard runningFetches.count < Self.maximumDetachedFetches else { return false }
        threads.spawn("allmende-fetch") { [self] in
            do { _ = try fetch(id) } catch { logger.warning("detached fetch failed", ["package": id.hex, "reason": "\(error)"]) }
        }
        return true
    }

    /// The fetches running now, with their progress and how many callers wait for each.
    public var runningFetches: [(package: ContentID, progress: FetchProgress, waiting: Int)] {
        fetches.withLock { Array($0.values) }.map { ($0.package, $0.progress, $0.waiting) }.sorted { $0.package < $1.package }
    }

    /// Runs `body` while no other fetch writes `blob` (waits for one that does; then the blob may be stored).
    func exclusively<T>(_ blob: ContentID, control: RunningFetch, _ body: () throws -> T) throws -> T {
        while !blobsInFlight.withLock({ $0.insert(blob).inserted }) {
            try check(control)
            Thread.sleep(forTimeInterval: 0.05)
        }
        defer { _ = blobsInFlight.withLock { $0.remove(blob) } }
        return try body()
    }

    /// Throws if the fetch was cancelled or the node is stopping.
    func check(_ control: RunningFetch) throws(FetchError) {
        if control.isCancelled { throw .cancelled(package: control.package) }
        if state.withLock({ $0.isStopping }) { throw .stopping }
    }
}
