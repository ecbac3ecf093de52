// HoldersBenchmark.swift: allmende-bench. Who holds what, at network scale: the real NodeCore's holder records
// on a simulated network (N nodes dialling 8, packages held by 1–5 nodes, 5 % loss, restarts), and the memory
// of a real holder table at 100,000 packages. Spec: Protocol/holders.md.

import AllmendeCrypto
import AllmendeNode
import Foundation

struct HoldersBenchmark {
    var nodes = 10_000
    var packages = 100_000
    var fetches = 1_000
    var seed: UInt64 = 13

    func run() {
        tableMemory()
        simulate()
    }

    /// A real holder table (no sharing) with `packages` packages held by 1–5 of `nodes` nodes.
    private func tableMemory() {
        var random = SplitMix64(seed: seed)
        let (holdings, pairs) = Self.holdings(nodes: nodes, packages: packages, random: &random)
        let keys = (0..<nodes).map { NodeID(publicKey: try! Ed25519PrivateKey(rawRepresentation: Self.keySeed($0)).publicKey) }
        let now = NetworkSimulation.epoch
        // Measured from before the states exist: the table owns their ID lists, as in the daemon.
        let before = processStatusKiB("VmRSS:")
        let updates = holdings.sorted { $0.key < $1.key }.map { node, ids -> HolderUpdate in
            let sorted = ids.sorted()
            return HolderUpdate(node: keys[node], addresses: ["198.51.100.\(node % 250):7310"], seq: 1, time: now, expires: now + 3 * 86400,
                                count: sorted.count, digest: ContentID.setDigest(sorted), signature: [UInt8](repeating: 7, count: 64),
                                base: 0, added: sorted, removed: [])
        }
        var table = HolderTable()
        for update in updates { _ = table.apply(update, now: now) }
        let after = processStatusKiB("VmRSS:")
        let bytes = Double(max(0, after - before)) * 1024
        // 1,000 lookups: their seconds are the milliseconds of one.
        let lookup = Self.seconds { for index in 0..<1000 { _ = table.holders(of: Self.package(index * 97 % packages), now: now) } }
        print("## holders: the routing table of one real node (\(nodes) holder nodes, \(packages) packages held by 1–5 each)")
        print("| (package, holder) pairs | table memory | bytes per pair | lookup of one package's holders |")
        print("|---:|---:|---:|---:|")
        print(String(format: "| %d | %.1f MiB | %.1f | %.2f ms |", pairs, bytes / 1_048_576, bytes / Double(pairs), lookup))
        print("")
        withExtendedLifetime((table, updates)) {}
    }

    private func simulate() {
        let started = ContinuousClock.now
        let round = NodeCore<Int>.Settings().antiEntropyInterval
        var settings = NetworkSettings()
        settings.loss = 0.05
        settings.seed = seed
        settings.dialing = true
        let network = NetworkSimulation(nodeCount: nodes, settings: settings)
        network.connectRandomly(dials: 8...8)
        var random = SplitMix64(seed: seed &+ 1)
        var (holdings, pairs) = Self.holdings(nodes: nodes, packages: packages, random: &random)
        network.seedHoldings(holdings)
        let baseline = processStatusKiB("VmRSS:")
        network.run(until: round)
        print("## holders: \(nodes) simulated nodes (real NodeCore), each dialling 8; \(packages) packages held by 1–5 nodes (\(pairs) pairs);")
        print("## 100 ms links, 5 % of messages lost; every node starts knowing every holder (a converged network)")

        // 1. New holders spreading, beside a catalog entry published at the same moment.
        let newcomers = 20
        var watched: [(holder: Int, seq: UInt64, entry: ContentID, start: Duration)] = []
        let start = network.now
        for number in 0..<newcomers {
            let holder = Int(random.next() % UInt64(nodes))
            guard !watched.contains(where: { $0.holder == holder }) else { continue }
            let package = Self.package(packages + number)
            holdings[holder, default: []].insert(package)
            let time = start + .milliseconds(Int64(number) * 500)
            network.announceHoldings(at: holder, holdings[holder] ?? [], time: time)
            let entry = network.publish(at: holder, time: time)
            watched.append((holder, network.ownHoldingsSeq(holder) + 1, entry, time))
        }
        var holderCoverage: [Duration?] = Array(repeating: nil, count: watched.count)
        var catalogCoverage: [Duration?] = Array(repeating: nil, count: watched.count)
        let needed = Int((Double(nodes) * 0.99).rounded(.up))
        var step = 0
        while step < 600 && (holderCoverage.contains(where: { $0 == nil }) || catalogCoverage.contains(where: { $0 == nil })) {
            step += 1
            network.run(until: start + .milliseconds(Int64(step) * 500))
            for (index, item) in watched.enumerated() where network.now >= item.start {
                if holderCoverage[index] == nil {
                    let knowing = (0..<nodes).reduce(0) { $0 + (network.holdingsSeq(of: item.holder, at: $1) >= item.seq ? 1 : 0) }
                    if knowing >= needed { holderCoverage[index] = network.now - item.start }
                }
                if catalogCoverage[index] == nil && (network.holders[item.entry] ?? 0) >= needed { catalogCoverage[index] = network.now - item.start }
            }
        }
        func summary(_ values: [Duration?]) -> String {
            let known = values.compactMap { $0?.inSeconds }.sorted()
            guard !known.isEmpty else { return "not within 300 s" }
            return String(format: "median %.1f s, max %.1f s", known[known.count / 2], known.last!) + (known.count < values.count ? " (\(values.count - known.count) not within 300 s)" : "")
        }
        print("")
        print("| a node starts holding a package | time until 99 % of nodes know it holds it | the same node's catalog entry: time until 99 % hold it |")
        print("|---|---:|---:|")
        print("| \(watched.count) packages, one new holder each | \(summary(holderCoverage)) | \(summary(catalogCoverage)) |")

        // 2. Fetch from anywhere under churn: 5 % of the nodes restart (down 1–3 rounds) while makers ask for random packages.
        let churnStart = network.now
        for _ in 0..<(nodes / 20) {
            let node = Int(random.next() % UInt64(nodes))
            network.restart(node, at: churnStart + round * (Double(random.next() % 1000) / 250), downtime: round * (1 + Double(random.next() % 3)))
        }
        var samples: [(node: Int, package: ContentID, at: Duration)] = []
        for _ in 0..<fetches {
            let at = churnStart + round * (Double(random.next() % 1000) / 200)
            samples.append((Int(random.next() % UInt64(nodes)), Self.package(Int(random.next() % UInt64(packages + newcomers))), at))
        }
        samples.sort { $0.at < $1.at }
        var outcome: [String: Int] = [:]
        var asked = 0
        // Asks and their checks 2 s later, in time order.
        var steps: [(at: Duration, sample: Int, isCheck: Bool)] = samples.indices.map { (samples[$0].at, $0, false) }
        steps += samples.indices.map { (samples[$0].at + .seconds(2), $0, true) }
        steps.sort { ($0.at, $0.isCheck ? 1 : 0, $0.sample) < ($1.at, $1.isCheck ? 1 : 0, $1.sample) }
        var askedSamples = Set<Int>()
        for step in steps {
            network.run(until: step.at)
            let sample = samples[step.sample]
            if !step.isCheck {
                guard network.isOnline(sample.node) else { continue }   // a maker's own node is running
                asked += 1
                askedSamples.insert(step.sample)
                network.seek(sample.package, at: sample.node, time: step.at)
                continue
            }
            guard askedSamples.contains(step.sample) else { continue }
            let known = network.knownHolders(of: sample.package, at: sample.node).compactMap { network.node($0) }
            if network.isConnectedToHolder(of: sample.package, at: sample.node) {
                outcome["connected to a holder within 2 s", default: 0] += 1
            } else if !network.isOnline(sample.node) {
                outcome["the asking node went offline itself (restart)", default: 0] += 1
            } else if known.isEmpty {
                outcome["no holder known", default: 0] += 1
            } else if !known.contains(where: network.isOnline) {
                outcome["every known holder offline (restarting)", default: 0] += 1
            } else {
                outcome["holders online, not connected within 2 s", default: 0] += 1
            }
        }
        let success = outcome["connected to a holder within 2 s", default: 0]
        print("")
        print(String(format: "Fetch from anywhere: %d random (node, package) asks over 5 rounds while %d nodes restart: **%.2f %%** connected to a holder within 2 s.",
                     asked, nodes / 20, Double(success) * 100 / Double(max(asked, 1))))
        print("| outcome | asks |")
        print("|---|---:|")
        for (name, count) in outcome.sorted(by: { $0.value > $1.value }) { print("| \(name) | \(count) |") }

        // 3. Holder traffic when nothing changes: a window without renewals, then one where a tenth of the nodes renew.
        network.run(until: network.now + round * 4)
        let window = round * 10
        let quietStart = network.holderBytes
        network.run(until: network.now + window)
        let quiet = Double(network.holderBytes - quietStart)
        let renewing = nodes / 10
        let renewStart = network.holderBytes
        let windowStart = network.now
        var renewed = Set<Int>()
        while renewed.count < renewing { renewed.insert(Int(random.next() % UInt64(nodes))) }
        for node in renewed.sorted() {
            network.announceHoldings(at: node, holdings[node] ?? [], time: windowStart + window * (Double(random.next() % 1000) / 1000))
        }
        network.run(until: windowStart + window)
        let renewalBytes = Double(network.holderBytes - renewStart) - quiet
        let windowsPerDay = 86400 / window.inSeconds
        let quietPerNodeDay = quiet / Double(nodes) * windowsPerDay
        // Each node renews once a day: N renewals a day cost N/R times what R renewals did.
        let renewalsPerNodeDay = renewalBytes / Double(renewing)
        let total = quietPerNodeDay + renewalsPerNodeDay
        print("")
        print("| holder traffic per node per day, nothing changing | bytes | per 100 (package, holder) pairs in the network |")
        print("|---|---:|---:|")
        print(String(format: "| reconciliation rounds finding nothing (every 30 s) | %.0f | %.1f |", quietPerNodeDay, quietPerNodeDay / (Double(pairs) / 100)))
        print(String(format: "| daily renewals (measured: %d renewals in %.0f s, scaled to all nodes) | %.0f | %.1f |", renewing, window.inSeconds,
                     renewalsPerNodeDay, renewalsPerNodeDay / (Double(pairs) / 100)))
        print(String(format: "| total | %.0f (%.2f MiB) | %.1f |", total, total / 1_048_576, total / (Double(pairs) / 100)))
        let memory = Double(max(0, processStatusKiB("VmRSS:") - baseline)) * 1024 / Double(nodes)
        print("")
        print(String(format: "Simulation memory per node (tables shared copy-on-write): %.1f KiB; peak process memory %.0f MiB; wall time %.0f s.",
                     memory / 1024, Double(processStatusKiB("VmHWM:")) / 1024, (ContinuousClock.now - started).inSeconds))
    }

    /// `packages` packages, each held by 1–5 distinct random nodes; and the number of (package, holder) pairs.
    static func holdings(nodes: Int, packages: Int, random: inout SplitMix64) -> ([Int: Set<ContentID>], Int) {
        var holdings: [Int: Set<ContentID>] = [:]
        var pairs = 0
        for index in 0..<packages {
            let count = 1 + Int(random.next() % 5)
            var chosen = Set<Int>()
            while chosen.count < min(count, nodes) { chosen.insert(Int(random.next() % UInt64(nodes))) }
            for node in chosen { holdings[node, default: []].insert(package(index)) }
            pairs += chosen.count
        }
        return (holdings, pairs)
    }

    static func package(_ index: Int) -> ContentID { SHA256Hasher.hash(Array("package \(index)".utf8)) }

    static func keySeed(_ index: Int) -> [UInt8] {
        var generator = SplitMix64(seed: UInt64(index) &+ 0xA11)
        return (0..<4).flatMap { _ in withUnsafeBytes(of: generator.next()) { Array($0) } }
    }

    static func seconds(_ body: () -> Void) -> Double {
        let start = ContinuousClock.now
        body()
        return (ContinuousClock.now - start).inSeconds
    }
}
