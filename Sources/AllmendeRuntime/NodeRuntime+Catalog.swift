// NodeRuntime+Catalog.swift: AllmendeRuntime. Catalog gossip: accept, log and push entries; anti-entropy by
// range-based reconciliation with a random peer. Spec: Protocol/wire.md "Catalog gossip".

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
    /// Strikes before a peer sending bad entries is dropped.
    static let maximumEntryStrikes = 3

    /// Verifies a catalog entry, logs it and pushes it on (never back to `sender`, never twice).
    @discardableResult
    public func acceptEntry(_ bytes: [UInt8]) -> EntryVerdict { acceptEntry(bytes, from: nil) }

    @discardableResult
    func acceptEntry(_ bytes: [UInt8], from sender: PeerConnection?) -> EntryVerdict {
        let (verdict, entry) = check(bytes)
        switch verdict {
        case let .rejected(reason):
            logger.warning("rejected catalog entry", ["from": sender?.peer.text ?? "local", "reason": reason])
            events.record(.entryRejected(from: sender?.peer, reason: reason))
            if let sender { strike(sender.peer, reason: reason) }
            return verdict
        case .duplicate:
            return verdict
        case let .notStored(reason):
            logger.warning("could not store a catalog entry (a local fault, not the sender's)", ["from": sender?.peer.text ?? "local", "reason": reason])
            return verdict
        case let .revokedSigner(reason):
            logger.info("refused a catalog entry signed by a revoked key", ["from": sender?.peer.text ?? "local", "reason": reason])
            events.record(.entryRevoked(from: sender?.peer))
            return verdict
        case let .overBudget(reason):
            logger.debug("not keeping a stranger's catalog entry", ["from": sender?.peer.text ?? "local", "reason": reason])
            if case let .statement(signed)? = entry { events.record(.entryOverBudget(from: sender?.peer, identity: signed.statement.identity)) }
            return verdict
        case .accepted:
            break
        }
        if case let .statement(signed)? = entry {
            forgetPackageAnswers(signed.statement.package)
            if store.hasManifest(signed.statement.package) { _ = try? store.addStatement(signed) }
            if signed.statement.kind == .publish { considerMirroring(signed.statement.package, from: sender?.peer) }
        }
        gossip(bytes, except: sender)
        return .accepted
    }

    /// Pushes the local entry `id` (e.g. just published, or a revocation made, by the CLI) to peers.
    public func announceLocal(_ id: ContentID) -> Bool {
        guard let bytes = store.catalog.entryBytes(id) else { return false }
        switch try? CatalogEntry(parsing: bytes) {
        case let .revocation(revocation)?: learn(revocation)
        case let .statement(signed)?:
            forgetPackageAnswers(signed.statement.package)
            forgetStanding()
        case nil: break
        }
        gossip(bytes, except: nil)
        return true
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
    private func check(_ bytes: [UInt8]) -> (EntryVerdict, CatalogEntry?) {
        let entry: CatalogEntry
        do { entry = try CatalogEntry(parsing: bytes) } catch { return (.rejected("\(error)"), nil) }
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
            do { _ = try signed.verify() } catch { return (.rejected("\(error)"), entry) }
            guard signed.statement.time.secondsSinceEpoch <= nowSeconds + Int64(Self.maximumFutureSkew) else {
                return (.rejected("its time \(signed.statement.time) is in the future"), entry)
            }
            // First seen now: a statement by a revoked device is refused whatever time it claims.
            if let revocation = revocationRule.revocation(against: signed.statement, device: signed.signer,
                                                          firstSeen: Timestamp(secondsSinceEpoch: nowSeconds)) {
                return (.revokedSigner("device key \(signed.signer.text) was revoked from \(revocation.revokedFrom) (\(revocation.reason))"), entry)
            }
            // Strangers get quotas and a budget, not free disk.
            switch admit(signed, size: bytes.count, nowSeconds: nowSeconds) {
            case let .refuse(reason):
                state.withLock { state in
                    if state.declined.count >= Self.declinedMemory { state.declined.removeAll() }
                    state.declined.insert(SHA256Hasher.hash(bytes))
                }
                return (.overBudget(reason), entry)
            case let .keepAfterEvicting(excess):
                evictionNeeded = excess
            case .keep:
                break
            }
        }
        // After a local storage fault, new entries are not even tried for a while (reconciliation brings them later).
        if let fault = state.withLock({ $0.storageFault }), ContinuousClock.now - fault.since < NodeTimeouts.storageFaultRetry {
            return (.notStored(fault.reason), entry)
        }
        do {
            let appended = try store.catalog.append(entryBytes: bytes, seenAt: Timestamp(secondsSinceEpoch: nowSeconds))
            state.withLock { $0.storageFault = nil }
            if appended && evictionNeeded > 0 { evictStrangers(atLeast: evictionNeeded, keeping: SHA256Hasher.hash(bytes)) }
            return (appended ? .accepted : .duplicate, entry)
        } catch {
            let reason = "\(error)"
            state.withLock { $0.storageFault = (reason, ContinuousClock.now) }
            return (.notStored(reason), entry)
        }
    }

    private func gossip(_ bytes: [UInt8], except sender: PeerConnection?) {
        let targets = readyConnections().filter { $0 !== sender && $0.peer != sender?.peer }.shuffled().prefix(options.gossipFanout)
        for connection in targets { connection.send(.announce(entry: bytes)) }
    }

    /// Token bucket per connection: `WireLimits.announcesPerSecond` entries a second, bursts of `announceBurst`.
    func allowAnnounce(from connection: PeerConnection) -> Bool {
        let now = ContinuousClock.now - startedAt
        let allowed = state.withLock { state in
            state.announceTokens[ObjectIdentifier(connection), default: TokenBucket(
                capacity: WireLimits.announceBurst, perSecond: WireLimits.announcesPerSecond)].take(now: now)
        }
        if !allowed { logger.debug("announce rate limit", ["peer": connection.peer.text]) }
        return allowed
    }

    private func strike(_ peer: NodeID, reason: String) {
        let strikes = state.withLock { state -> Int in
            state.strikes[peer, default: 0] += 1
            return state.strikes[peer] ?? 0
        }
        if strikes >= Self.maximumEntryStrikes {
            disconnect(peer, code: .misbehaving, reason: "sent \(strikes) invalid catalog entries")
        }
    }

    // MARK: Anti-entropy

    func antiEntropyLoop() {
        var next = ContinuousClock.now + options.antiEntropyInterval / 2
        while !state.withLock({ $0.isStopping }) {
            var fds = [pollfd(fd: stopWake.readEnd, events: Int16(POLLIN), revents: 0)]
            _ = poll(&fds, 1, 200)
            if state.withLock({ $0.isStopping }) { break }
            guard ContinuousClock.now >= next else { continue }
            next = ContinuousClock.now + options.antiEntropyInterval
            retryMirroring()
            guard let partner = readyConnections().randomElement() else { continue }
            startReconciliation(with: partner)
        }
    }

    /// Starts a reconciliation session with `connection`.
    public func reconcileNow() {
        for connection in readyConnections() { startReconciliation(with: connection) }
    }

    private func startReconciliation(with connection: PeerConnection) {
        let session = UInt32.random(in: 1...UInt32.max)
        let message = reconciler().initialMessage()
        connection.send(.reconcile(session: session, payload: ReconcileCodec.encode(message)))
    }

    func handleReconcile(session: UInt32, payload: [UInt8], from connection: PeerConnection) {
        let ranges: [ReconcileRange]
        do { ranges = try ReconcileCodec.decode(payload) } catch {
            connection.close(.protocolError, reason: "\(error)")
            return
        }
        let answer = reconciler().respond(to: ranges)
        if let reply = answer.reply {
            connection.send(.reconcile(session: session, payload: ReconcileCodec.encode(reply)))
        } else if !ranges.allSatisfy({ $0.mode == .skip }) {
            // Nothing more to say: end the session explicitly with "skip everything", which is not answered.
            connection.send(.reconcile(session: session, payload: ReconcileCodec.encode([ReconcileRange(upperBound: nil, mode: .skip)])))
        }
        for id in answer.have { if let bytes = store.catalog.entryBytes(id) { connection.send(.announce(entry: bytes)) } }
        // Entries evicted or refused under the strangers' budget are not asked for again.
        let declined = state.withLock { $0.declined }
        let need = declined.isEmpty ? answer.need : answer.need.filter { !declined.contains($0) }
        for start in stride(from: 0, to: need.count, by: 2000) {
            connection.send(.getEntries(ids: Array(need[start..<min(start + 2000, need.count)])))
        }
        if !answer.have.isEmpty || !answer.need.isEmpty {
            logger.debug("reconciled", ["peer": connection.peer.text, "sent": String(answer.have.count), "asked": String(answer.need.count)])
        }
        if answer.reply == nil { events.record(.reconciliationEnded(peer: connection.peer, sent: answer.have.count, asked: answer.need.count)) }
    }

    /// A reconciler over the current catalog, rebuilt only when the catalog grew.
    private func reconciler() -> RangeReconciler {
        let (ids, generation) = store.catalog.idsAndGeneration
        if let cached = state.withLock({ $0.reconciler }), cached.count == ids.count, cached.generation == generation { return cached.value }
        let reconciler = RangeReconciler(ids: ids)
        state.withLock { $0.reconciler = (ids.count, generation, reconciler) }
        return reconciler
    }
}
