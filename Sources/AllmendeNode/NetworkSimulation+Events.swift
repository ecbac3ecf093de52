// NetworkSimulation+Events.swift: AllmendeNode. The simulation as an executor: it turns network events into
// NodeCore events and performs the actions the cores return, as the runtime does with sockets and the store.

import AllmendeCrypto
import AllmendeWire

extension NetworkSimulation {
    func handle(_ event: Event) {
        switch event {
        case let .deliver(from, to, message):
            // A message on a connection that closed meanwhile is lost with it.
            guard nodes[to].isOnline, nodes[to].links[from] != nil else { return }
            nodes[to].bytesIn += wireSize(message)
            if case let .node(bytes) = message {
                nodeMessages += 1
                nodeBytes += 5 + bytes.count
            }
            if case let .announce(entry) = message {
                let id = SHA256Hasher.hash(entry)
                if receptions[id] != nil { receptions[id, default: 0] += 1 }
            }
            drive(to, .received(from, message))
        case let .tick(node):
            guard nodes[node].isOnline, nodes[node].tickAt == now else { return }
            nodes[node].tickAt = nil
            drive(node, .tick)
        case let .connect(dialer, listener):
            guard nodes[dialer].isOnline, nodes[listener].isOnline, nodes[dialer].links[listener] == nil else {
                if nodes[dialer].isOnline { drive(dialer, .dialEnded(DialTarget(address: "sim:\(listener)", node: nodes[listener].id), .failed)) }
                return
            }
            nodes[dialer].links[listener] = true
            nodes[listener].links[dialer] = false
            // As the daemon: each side announces itself first, then the core adds the peer (and exchanges addresses).
            if settings.discovery {
                send(.node(announcement: announcement(of: dialer)), from: dialer, to: listener)
                send(.node(announcement: announcement(of: listener)), from: listener, to: dialer)
            }
            drive(dialer, .connected(listener, peer: nodes[listener].id, isOutbound: true, address: "sim:\(listener)"))
            drive(listener, .connected(dialer, peer: nodes[dialer].id, isOutbound: false))
        case let .leave(node):
            guard nodes[node].isOnline else { return }
            for peer in nodes[node].links.keys.sorted() { close(node, peer) }
            nodes[node].isOnline = false
            nodes[node].tickAt = nil
        case let .rejoin(node):
            guard !nodes[node].isOnline else { return }
            nodes[node].isOnline = true
            nodes[node].restarts += 1
            // A fresh core with the holder table the daemon would load from its home.
            let table = nodes[node].core.holders
            nodes[node].core = NodeCore(node: nodes[node].id, settings: settings.core,
                                        seed: settings.seed &* 31 &+ UInt64(node) &+ UInt64(nodes[node].restarts) << 32)
            nodes[node].core.replaceHolders(table)
            for other in nodes.indices where dials[node].contains(other) || dials[other].contains(node) {
                let dialer = dials[node].contains(other) ? node : other
                queue.push(.connect(dialer: dialer, listener: dialer == node ? other : node), at: now + settings.latency * 2)
            }
            drive(node, .tick)
        case let .publish(node, id):
            if nodes[node].catalog.append(id) { holders[id, default: 0] += 1 }
            drive(node, .publishedLocally(id))
        case let .partition(groups):
            side = groups
        case let .dialFailed(node, target):
            if nodes[node].isOnline { drive(node, .dialEnded(target, .failed)) }
        case let .holdings(node, packages):
            guard nodes[node].isOnline else { return }
            drive(node, .holdingsChecked(signedHoldings(of: node, packages), from: nil))
        case let .seek(node, package):
            guard nodes[node].isOnline else { return }
            drive(node, .seek(knownHolders(of: package, at: node), until: now + .seconds(120)))
        case let .forge(node, id):
            guard let bytes = universe.entry(id) else { return }
            for peer in nodes[node].links.keys.sorted() { send(.announce(entry: bytes), from: node, to: peer) }
        }
    }

    /// Hands `event` to a node's core and performs what it asks.
    func drive(_ node: Int, _ event: NodeEvent<Int>) {
        let catalog = nodes[node].catalog
        nodes[node].core.wallTime = wallTime
        let actions = nodes[node].core.handle(event, at: now, catalog: catalog)
        for action in actions { perform(action, at: node) }
        let wake = max(nodes[node].core.nextWake, now + .milliseconds(1))
        if nodes[node].isOnline && (nodes[node].tickAt.map { wake < $0 } ?? true) {
            nodes[node].tickAt = wake
            queue.push(.tick(node), at: wake)
        }
    }

    private func perform(_ action: NodeAction<Int>, at node: Int) {
        switch action {
        case let .send(peer, message):
            send(message, from: node, to: peer)
        case let .disconnect(peer, _, _):
            close(node, peer)
        case let .checkEntry(id, bytes, from):
            // The simulated store: a forged entry fails its check; anything else is appended.
            let verdict: EntryCheck
            if universe.isForged(id) {
                verdict = .rejected
            } else if nodes[node].catalog.append(id) {
                if holders[id] != nil { holders[id, default: 0] += 1 }
                verdict = .accepted
            } else {
                verdict = .duplicate
            }
            drive(node, .entryChecked(id, bytes: bytes, from: from, verdict))
        case .reconciled:
            sessionsEnded += 1
        case let .dial(target):
            // A dial reaches an online node after a round trip; otherwise it fails after a time-out.
            guard settings.dialing ?? settings.discovery, let other = Int(target.address.dropFirst(4)), nodes.indices.contains(other),
                  nodes[other].isOnline, nodes[node].links[other] == nil else {
                queue.push(.dialFailed(node, target), at: now + settings.latency * 10)
                return
            }
            queue.push(.connect(dialer: node, listener: other), at: now + settings.latency * 2)
        case let .checkNodeAnnouncement(bytes, from):
            drive(node, .nodeAnnouncementChecked(announcements[bytes], from: from))
        case let .checkHoldings(bytes, from):
            drive(node, .holdingsChecked(holdingsSent[bytes], from: from))
        case let .sendHoldings(peer, update):
            send(.holdings(record: register(update)), from: node, to: peer)
        case .holdersChanged:
            break
        }
    }

    private func send(_ message: Message, from: Int, to: Int) {
        guard nodes[from].links[to] != nil else { return }
        let size = wireSize(message)
        switch message {
        case .holdings, .getHoldings, .holdersReconcile: holderBytes += size
        default: break
        }
        messages += 1
        bytes += size
        nodes[from].bytesOut += size
        if let side, side[from] != side[to] { return }
        if settings.loss > 0 && Double(random.next() >> 11) / Double(1 << 53) < settings.loss { return }
        // The link carries one message after another: this one leaves when the previous one has.
        let key = from &* 1_000_003 &+ to
        let transmission = Duration.seconds(Double(size) / settings.bytesPerSecond)
        let departs = max(now, busyUntil[key] ?? .zero) + transmission
        busyUntil[key] = departs
        queue.push(.deliver(from: from, to: to, message), at: departs + settings.latency)
    }

    /// Closes the connection between `a` and `b` on both sides.
    func close(_ a: Int, _ b: Int) {
        guard nodes[a].links.removeValue(forKey: b) != nil else { return }
        nodes[b].links[a] = nil
        busyUntil[a &* 1_000_003 &+ b] = nil
        busyUntil[b &* 1_000_003 &+ a] = nil
        drive(a, .closed(b))
        drive(b, .closed(a))
    }

    /// Bytes of `message` on the wire: the frame (length, type, payload) without TLS.
    func wireSize(_ message: Message) -> Int {
        switch message {
        case let .announce(entry): return 5 + entry.count
        case let .reconcile(_, payload): return 9 + payload.count
        case let .getEntries(ids): return 7 + 32 * ids.count
        case let .holdings(record): return 5 + holdingsSize(record)
        default: return MessageCodec.frame(message).count
        }
    }
}
