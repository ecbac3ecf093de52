// NodeRuntime+Catalog.swift: AllmendeRuntime. The executor of NodeCore's catalog decisions: connection events and
// catalog messages go into the core; its actions are performed here (send, disconnect, check and append an
// entry). Spec: Protocol/wire.md "Catalog gossip and reconciliation".

import AllmendeCrypto
import AllmendeModel
import AllmendeNode
import AllmendeStore
import AllmendeSystem
import AllmendeWire
import Foundation

/// What happened to an offered catalog entry.
public enum EntryVerdict: Equatable, Sendable {
    case accepted
    case duplicate
    /// The entry is bad: the sender gets a strike.
    case rejected(String)
    /// The entry may be fine but this node could not store it (disk full, I/O error): never the sender's fault.
    case notStored(String)
    /// The entry is validly signed but by a device key its lab revoked (signed, or first seen here, after the
    /// revocation took effect). Not the sender's fault: it may have accepted it before it learned of the revocation.
    case revokedSigner(String)
    /// The entry is by an identity without standing that is over its daily quota (Protocol/statements.md
    /// "Admission"). Not counted against the sender.
    case overBudget(String)
}

extension NodeRuntime {
    /// Largest clock skew accepted for an entry's time.
    static let maximumFutureSkew: Double = 300

    /// True if `time` is more than `maximumFutureSkew` ahead of this node's clock (a signed time to refuse).
    static func isInFuture(_ time: Timestamp) -> Bool { Double(time.secondsSinceEpoch) > Date().timeIntervalSince1970 + maximumFutureSkew }

    /// Hands `event` to the core (under its lock) and performs the actions it returns (after unlocking).
    func drive(_ event: NodeEvent<ObjectIdentifier>) {
        let now = ContinuousClock.now - startedAt
        let catalog = RuntimeCatalog(runtime: self)
        let wallTime = Int64(Date().timeIntervalSince1970)
        let actions = core.withLock { core in
            core.wallTime = wallTime
            return core.handle(event, at: now, catalog: catalog)
        }
        for action in actions { perform(action) }
    }

    private func perform(_ action: NodeAction<ObjectIdentifier>) {
        switch action {
        case let .send(link, message):
            connection(link)?.send(message)
        case let .disconnect(link, code, reason):
            guard let connection = connection(link) else { return }
            if code != .normal {
                logger.warning("disconnecting peer", ["peer": connection.peer.text, "reason": reason])
                events.record(.closedPeer(peer: connection.peer, code: code, reason: reason))
            }
            connection.close(code, reason: reason)
        case let .dial(target):
            guard !state.withLock({ $0.isStopping }) else {
                drive(.dialEnded(target, .failed))
                return
            }
            threads.spawn("allmende-dial-peer") { [self] in dial(target) }
        case let .checkNodeAnnouncement(bytes, from):
            drive(.nodeAnnouncementChecked(checkNodeAnnouncement(bytes, from: connection(from)), from: from))
        case let .checkHoldings(bytes, from):
            drive(.holdingsChecked(checkHoldings(bytes, from: connection(from)), from: from))
        case let .sendHoldings(link, update):
            guard let connection = connection(link), let bytes = try? HoldingsRecord(update).canonicalBytes() else { return }
            connection.send(.holdings(record: bytes))
        case .holdersChanged:
            state.withLock { $0.holdersChanged = true }
        case let .checkEntry(id, bytes, from):
            let verdict = checkAndRecord(bytes, from: from.flatMap(connection(_:)))
            drive(.entryChecked(id, bytes: bytes, from: from, verdict.check))
        case let .reconciled(_, peer, sent, asked):
            if sent > 0 || asked > 0 { logger.debug("reconciled", ["peer": peer.text, "sent": String(sent), "asked": String(asked)]) }
            events.record(.reconciliationEnded(peer: peer, sent: sent, asked: asked))
        }
    }

    func connection(_ link: ObjectIdentifier) -> PeerConnection? { state.withLock { $0.connections[link] } }

    /// Verifies a catalog entry offered locally (the CLI, tests), logs it and pushes it on (never twice).
    @discardableResult
    public func acceptEntry(_ bytes: [UInt8]) -> EntryVerdict {
        let verdict = checkAndRecord(bytes, from: nil)
        drive(.entryChecked(SHA256Hasher.hash(bytes), bytes: bytes, from: nil, verdict.check))
        return verdict
    }

    /// Pushes the local entry `id` (e.g. just published, or a revocation made, by the CLI) to peers.
    public func announceLocal(_ id: ContentID) -> Bool {
        guard let bytes = store.catalog.entryBytes(id) else { return false }
        switch try? CatalogEntry(parsing: bytes) {
        case let .revocation(revocation)?: learn(revocation)
        case let .statement(signed)?:
            forgetPackageAnswers(signed.statement.package)
            forgetStanding()
            holdingsMayHaveChanged()
        case .profile?, nil: break
        }
        drive(.publishedLocally(id))
        return true
    }

    /// Checks an entry, appends it if it is good, and does what follows from that here (log, events, the
    /// package's statements, mirroring). Forwarding and strikes are the core's.
    private func checkAndRecord(_ bytes: [UInt8], from sender: PeerConnection?) -> EntryVerdict {
        let (verdict, entry) = check(bytes, isLocal: sender == nil)
        switch verdict {
        case let .rejected(reason):
            logger.warning("rejected catalog entry", ["from": sender?.peer.text ?? "local", "reason": reason])
            events.record(.entryRejected(from: sender?.peer, reason: reason))
        case .duplicate:
            break
        case let .notStored(reason):
            logger.warning("could not store a catalog entry (a local fault, not the sender's)", ["from": sender?.peer.text ?? "local", "reason": reason])
        case let .revokedSigner(reason):
            logger.info("refused a catalog entry signed by a revoked key", ["from": sender?.peer.text ?? "local", "reason": reason])
            events.record(.entryRevoked(from: sender?.peer))
        case let .overBudget(reason):
            logger.debug("not keeping a stranger's catalog entry", ["from": sender?.peer.text ?? "local", "reason": reason])
            if case let .statement(signed)? = entry { events.record(.entryOverBudget(from: sender?.peer, identity: signed.statement.identity)) }
        case .accepted:
            if case let .statement(signed)? = entry {
                forgetPackageAnswers(signed.statement.package)
                if store.hasManifest(signed.statement.package) { _ = try? store.addStatement(signed) }
                if signed.statement.kind == .publish { considerMirroring(signed.statement.package, from: sender?.peer) }
                if signed.statement.kind == .retract { dropRetractedMirror(signed.statement.package) }
            }
        }
        return verdict
    }

    /// Revocations this node knows (loaded once, then added to as they arrive).
    var revocationRule: RevocationRule { state.withLock { $0.revocations } }

    /// Starts honouring `revocation` (kept in the home's revocations/ too); false if it was known.
    @discardableResult
    func learn(_ revocation: Revocation) -> Bool {
        guard state.withLock({ $0.revocations.add(revocation) }) else { return false }
        forgetPackageAnswers(nil)
        do { try LabIdentity.saveRevocation(revocation, home: home) } catch {
            logger.warning("could not save a revocation", ["device": revocation.device.text, "reason": "\(error)"])
        }
        logger.info("device key revoked", ["identity": revocation.identity.text, "device": revocation.device.text,
                                           "from": revocation.revokedFrom.description])
        return true
    }

    /// The verdict on `bytes`, with the parsed entry when it parsed.
    private func check(_ bytes: [UInt8], isLocal: Bool) -> (EntryVerdict, CatalogEntry?) {
        // Parsed and signature-checked ahead when it came in a batch (NodeRuntime+Preverify).
        let ahead = isLocal ? nil : takePreverified(SHA256Hasher.hash(bytes))
        let entry: CatalogEntry
        if let ahead {
            guard let parsed = ahead.entry else { return (.rejected(ahead.problem ?? "malformed entry"), nil) }
            entry = parsed
        } else {
            do { entry = try CatalogEntry(parsing: bytes) } catch { return (.rejected("\(error)"), nil) }
        }
        var evictionNeeded = 0
        if store.catalog.contains(SHA256Hasher.hash(bytes)) { return (.duplicate, entry) }
        let nowSeconds = Int64(Date().timeIntervalSince1970)
        switch entry {
        case let .revocation(revocation):
            guard revocation.isValid else { return (.rejected("the revocation is not signed by its lab identity"), entry) }
            guard revocation.revokedFrom.secondsSinceEpoch <= nowSeconds + Int64(Self.maximumFutureSkew) else {
                return (.rejected("the revocation takes effect in the future (\(revocation.revokedFrom))"), entry)
            }
            learn(revocation)
        case let .statement(signed):
            if let ahead {
                if let problem = ahead.problem { return (.rejected(problem), entry) }
            } else {
                do { _ = try signed.verify() } catch { return (.rejected("\(error)"), entry) }
            }
            guard signed.statement.time.secondsSinceEpoch <= nowSeconds + Int64(Self.maximumFutureSkew) else {
                return (.rejected("its time \(signed.statement.time) is in the future"), entry)
            }
            // First seen now: a statement by a revoked device is refused whatever time it claims.
            let revocation = revocationRule.revocation(against: signed.statement, device: signed.signer, firstSeen: Timestamp(secondsSinceEpoch: nowSeconds))
            switch judgeSigner(signed.signer, revocation: revocation, identity: signed.statement.identity, size: bytes.count, nowSeconds: nowSeconds) {
            case let .failure(error): return (error.verdict, entry)
            case let .success(excess): evictionNeeded = excess
            }
        case let .profile(signed):
            do { try signed.verify() } catch { return (.rejected("\(error)"), entry) }
            guard signed.profile.time.secondsSinceEpoch <= nowSeconds + Int64(Self.maximumFutureSkew) else {
                return (.rejected("its time \(signed.profile.time) is in the future"), entry)
            }
            // A lab profile is a catalog entry like any other: the same revocation rule, the same strangers' budget.
            let revocation = revocationRule.revocation(against: signed, firstSeen: Timestamp(secondsSinceEpoch: nowSeconds))
            switch judgeSigner(signed.signer, revocation: revocation, identity: signed.profile.identity, size: bytes.count, nowSeconds: nowSeconds) {
            case let .failure(error): return (error.verdict, entry)
            case let .success(excess): evictionNeeded = excess
            }
        }
        // After a local storage fault, new entries are not even tried for a while (reconciliation brings them later).
        if let fault = state.withLock({ $0.storageFault }), ContinuousClock.now - fault.since < NodeTimeouts.storageFaultRetry {
            return (.notStored(fault.reason), entry)
        }
        do {
            // From a peer: made durable by the next tick (one fdatasync per batch); from here (the CLI): at once.
            let appended = try store.catalog.append(entryBytes: bytes, seenAt: Timestamp(secondsSinceEpoch: nowSeconds), durable: isLocal)
            state.withLock { $0.storageFault = nil }
            if appended && !isLocal { events.count { $0.entriesFromPeers += 1 } }
            if appended && evictionNeeded > 0 { evictStrangers(atLeast: evictionNeeded, keeping: SHA256Hasher.hash(bytes)) }
            return (appended ? .accepted : .duplicate, entry)
        } catch {
            let reason = "\(error)"
            state.withLock { $0.storageFault = (reason, ContinuousClock.now) }
            return (.notStored(reason), entry)
        }
    }


    /// A verified entry's fate after its signature: refused if `revocation` applies (no strike), else admitted
    /// (strangers get quotas and a budget, not free disk): the bytes to evict after keeping it, or why it is not kept.
    private func judgeSigner(_ signer: NodeID, revocation: Revocation?, identity: NodeID, size: Int, nowSeconds: Int64) -> Result<Int, EntryVerdictError> {
        if let revocation {
            return .failure(EntryVerdictError(.revokedSigner("device key \(signer.text) was revoked from \(revocation.revokedFrom) (\(revocation.reason))")))
        }
        switch admit(identity, size: size, nowSeconds: nowSeconds) {
        case let .refuse(reason): return .failure(EntryVerdictError(.overBudget(reason)))
        case let .keepAfterEvicting(excess): return .success(excess)
        case .keep: return .success(0)
        }
    }

    // MARK: Anti-entropy

    /// Ticks the core every 200 ms (reconciliation rounds, session time-outs, dials due) and retries failed mirror
    /// fetches.
    func tickLoop() {
        var nextMirrorRetry = ContinuousClock.now + options.antiEntropyInterval / 2
        while !state.withLock({ $0.isStopping }) {
            var fds = [pollfd(fd: stopWake.readEnd, events: Int16(POLLIN), revents: 0)]
            _ = poll(&fds, 1, 200)
            if state.withLock({ $0.isStopping }) { break }
            drive(.tick)
            syncCatalog()
            announceHoldingsIfDue()
            saveHoldersIfChanged()
            guard ContinuousClock.now >= nextMirrorRetry else { continue }
            nextMirrorRetry = ContinuousClock.now + options.antiEntropyInterval
            retryMirroring()
            rescanForRarityIfDue()
        }
    }

    /// Makes the catalog entries taken from peers since the last tick durable.
    func syncCatalog() {
        do { try store.catalog.syncPending() } catch {
            let reason = "\(error)"
            logger.warning("could not make catalog entries durable (a local fault)", ["reason": reason])
            state.withLock { $0.storageFault = (reason, ContinuousClock.now) }
        }
    }

    /// Starts a reconciliation session with every ready peer.
    public func reconcileNow() { drive(.reconcileNow) }

    /// A reconciler over the current catalog, rebuilt only when the catalog grew.
    func reconciler() -> RangeReconciler {
        let (count, currentGeneration) = store.catalog.countAndGeneration
        if let cached = state.withLock({ $0.reconciler }), cached.count == count, cached.generation == currentGeneration { return cached.value }
        let (ids, generation) = store.catalog.idsAndGeneration
        let reconciler = RangeReconciler(ids: ids)
        state.withLock { $0.reconciler = (ids.count, generation, reconciler) }
        return reconciler
    }
}

/// A verdict that ends the check early, as an error (for `Result`).
struct EntryVerdictError: Error {
    let verdict: EntryVerdict
    init(_ verdict: EntryVerdict) { self.verdict = verdict }
}

extension EntryVerdict {
    /// What the core needs to know of the verdict.
    var check: EntryCheck {
        switch self {
        case .accepted: .accepted
        case .duplicate: .duplicate
        case .rejected: .rejected
        case .notStored: .notStored
        case .revokedSigner: .revokedSigner
        case .overBudget: .overBudget
        }
    }
}

/// The node's catalog log as NodeCore reads it.
struct RuntimeCatalog: CatalogReading {
    let runtime: NodeRuntime
    func contains(_ id: ContentID) -> Bool { runtime.store.catalog.contains(id) }
    func entryBytes(_ id: ContentID) -> [UInt8]? { runtime.store.catalog.entryBytes(id) }
    func reconciler() -> RangeReconciler { runtime.reconciler() }
}
