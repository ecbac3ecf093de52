// DemoCommand.swift: AllmendeCLI. `demo`: three nodes on loopback publish, gossip, mirror, fetch and verify.

import AllmendeCrypto
import AllmendeModel
import AllmendePlaces
import AllmendeRuntime
import AllmendeStore
import AllmendeSystem
import CanonicalJSON
import Foundation

enum DemoCommand {
    static let examplesOption = OptionSpec(name: "--examples", valueName: "DIR", help: "the Examples folder (default: ./Examples or the one beside the binary's checkout)")
    static let keepOption = OptionSpec(name: "--keep", help: "keep the temporary home folders for a look afterwards")

    static let spec = CommandSpec(
        name: "demo",
        summary: "run three nodes on 127.0.0.1: publish the examples, gossip, mirror, fetch by ID, verify",
        discussion: """
        Starts three nodes in temporary home folders on loopback: node 2 dials node 1 and mirrors everything tagged
        "timber"; node 3 dials node 2. Node 1 publishes the example packages; their catalog entries travel through
        node 2 to node 3; node 2 mirrors the timber packages; node 3 fetches the garden studio plan by ID (from node
        2) and verifies it, then carries it in a bundle file to a fourth home that is not on the network, which
        imports it only after checking everything. Then each node publishes a lab profile (a fab lab, a timber
        manufactory, a repair café) and node 3 asks which lab near Hamburg can make the garden studio. Every step is printed. On a terminal, the nodes then stay up with their web pages
        (catalog, packages, dashboard; URLs printed, with an operator login for node 3) until Enter or Ctrl-C; then
        they stop and the folders are removed.
        """,
        options: [examplesOption, keepOption],
        epilogue: "example: allmende demo --json",
        run: { context in
            let console = context.console
            guard let examples = findExamples(context.arguments.value("--examples")) else {
                throw CLIError.failure("cannot find the Examples folder; run from the repository or pass --examples DIR")
            }
            let root = (ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp") + "/allmende-demo-\(getpid())"
            defer { if !context.arguments.has("--keep") { try? FileSystem.removeTree(root) } }
            var nodes: [NodeRuntime] = []
            defer { nodes.forEach { $0.stop() } }
            do {
                console.line("Allmende demo: three nodes on 127.0.0.1, home folders in \(root)")
                var keys: [Ed25519PrivateKey] = []
                func start(_ number: Int, peers: [PeerEntry], mirrors: [MirrorPolicy] = []) throws -> NodeRuntime {
                    var options = NodeOptions(listen: SocketAddress(host: "127.0.0.1", port: 0), name: "demo-node-\(number)", peers: peers)
                    options.antiEntropyInterval = .seconds(1)
                    options.maximumBackoff = .seconds(1)
                    options.mirrors = mirrors
                    options.http = SocketAddress(host: "127.0.0.1", port: 0)
                    keys.append(try Ed25519PrivateKey())
                    let runtime = try NodeRuntime(home: NodeHome(path: "\(root)/node\(number)"), key: keys[keys.count - 1], options: options,
                                                  logger: Logger(level: .error, collecting: true))
                    try runtime.start()
                    nodes.append(runtime)
                    return runtime
                }
                let one = try start(1, peers: [])
                let two = try start(2, peers: [PeerEntry(address: "127.0.0.1:\(one.listenPort)", node: one.nodeID)],
                                    mirrors: [MirrorPolicy(match: .tag("timber"), quota: nil)])
                let three = try start(3, peers: [PeerEntry(address: "127.0.0.1:\(two.listenPort)", node: two.nodeID)])
                console.line("1. started node 1 (\(one.nodeID.text.prefix(12))…) on port \(one.listenPort), node 2 on port \(two.listenPort) "
                             + "(dials node 1, mirrors the tag \"timber\"), node 3 on port \(three.listenPort) (dials node 2)")
                guard waitUntil({ two.connectionSummaries().filter(\.ready).count == 2 }) else {
                    throw CLIError.failure("the nodes did not connect")
                }
                console.line("2. all connections are up: TLS 1.3, each side authenticated by its node key")

                let demoKey = try NodeKeyStore.loadPrivateKey(examples + "/keys/demo-lab.pem")
                let signer = LabIdentity(deviceKey: demoKey, delegation: nil)
                var published: [(id: ContentID, title: String, statement: ContentID)] = []
                for name in ["timber-wall-block", "pem-fuel-cell-end-plate", "garden-studio-plan"] {
                    let result = try one.store.publish(folder: examples + "/packages/" + name, as: signer,
                                                       options: PublishOptions(now: Timestamp(secondsSinceEpoch: Int64(Date().timeIntervalSince1970))))
                    published.append((result.packageID, result.manifest.info.title, result.statementID))
                    _ = one.announceLocal(result.statementID)
                }
                console.line("3. node 1 published \(published.count) example packages, each signed and announced to its peers:")
                for package in published { console.line("     \(package.id.shortHex(16))  \(package.title)") }

                let start = ContinuousClock.now
                guard waitUntil({ published.allSatisfy { three.store.catalog.contains($0.statement) } }) else {
                    throw CLIError.failure("the catalog entries did not reach node 3")
                }
                console.line("4. node 3's catalog has all \(published.count) entries after \(milliseconds(ContinuousClock.now - start)) ms "
                             + "(gossip from node 1 through node 2); node 3 can search them before downloading anything")

                let mirrored = published.filter { $0.title.contains("WB-M") || $0.title.contains("Garden") }
                guard waitUntil({ mirrored.allSatisfy { (try? two.store.verifyPackage($0.id).isIntact) == true } }) else {
                    throw CLIError.failure("node 2 did not mirror the timber packages")
                }
                console.line("5. node 2 mirrored the packages tagged \"timber\": " + mirrored.map { "\"\($0.title)\"" }.joined(separator: ", "))

                let target = published[2]
                let result = try three.fetch(target.id)
                console.line("6. node 3 fetched \"\(target.title)\" by its ID alone: \(result.manifest.files.count) files, "
                             + "\(ByteCount.format(result.manifest.totalSize)), every chunk checked against its chunk index, from node 2")
                let report = try three.store.verifyPackage(target.id)
                guard report.isIntact else { throw CLIError.damage("verification failed: \(report.problems.joined(separator: "; "))") }
                console.line("7. node 3 verified it: \(report.filesChecked) files re-hashed, \(report.statements.count) signature checked, "
                             + "publisher \(result.manifest.publisher.text.prefix(12))…")

                // Offline: a bundle file carries the plan to a lab that is not on the network.
                var selection = BundleSelection()
                selection.packages = [target.id]
                let carried = root + "/garden-studio.amb"
                let written = try three.store.createBundle(selection, describing: "1 package by ID", creator: three.nodeID, to: carried,
                                                           now: Timestamp(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)))
                let offline = try PackageStore(home: NodeHome(path: root + "/offline-lab"))
                let (imported, _) = try offline.importBundle(at: carried)
                guard (try offline.verifyPackage(target.id)).isIntact else { throw CLIError.damage("the bundled package did not verify") }
                console.line("8. node 3 wrote it into a bundle file (\(ByteCount.format(written.bytes))) for a lab with no network; that lab "
                             + "imported it after checking every byte, signature and file: \(imported.packages.count) package, \(imported.newBlobs) blobs")

                // Where can it be made: each node is a lab and publishes its profile; node 3 asks near Hamburg.
                try whoCanMake(target.id, examples: examples, nodes: nodes, keys: keys, console: console)
            } catch let error as CLIError {
                throw error
            } catch {
                throw CLIError.failure("demo failed: \(error)")
            }
            if console.isOutputTerminal && isatty(0) == 1 && !context.isJSON {
                console.line("")
                console.line("The nodes stay up; open their pages in a browser:")
                for (number, node) in nodes.enumerated() {
                    console.line("   node \(number + 1): http://127.0.0.1:\(node.httpPort ?? 0)/")
                }
                if let login = try? nodes[2].webLoginURL() {
                    console.line("   operator login for node 3 (its fetch button works after this): \(login)")
                }
                console.line("Press Enter or Ctrl-C to stop them.")
                waitForEnterOrInterrupt()
            }
            nodes.forEach { $0.stop() }
            nodes.removeAll()
            console.line("10. stopped the three nodes" + (context.arguments.has("--keep") ? "; their homes are in \(root)" : " and removed their home folders"))
            return ExitCode.success
        }
    )

    /// Step 9: the nodes publish the example lab profiles (node 1 the fab lab, node 2 the timber manufactory, node 3
    /// the repair café); once node 3 knows all three, it asks which lab near Hamburg can make `package`.
    private static func whoCanMake(_ package: ContentID, examples: String, nodes: [NodeRuntime], keys: [Ed25519PrivateKey], console: Console) throws {
        let now = Timestamp(secondsSinceEpoch: Int64(Date().timeIntervalSince1970))
        for (index, name) in ["fab-lab-altona", "holzbau-manufaktur-lueneburg", "repair-cafe-kreuzberg"].enumerated() {
            let draft = try JSONParser.parse(try FileSystem.readFile(examples + "/labs/\(name).json", limit: 256 * 1024))
            let profile = try LabProfile.fromDraft(draft, identity: nodes[index].nodeID, time: now)
            _ = nodes[index].acceptEntry(try SignedLabProfile.sign(profile, with: keys[index], delegation: nil).canonicalBytes())
        }
        let asking = nodes[2]
        guard waitUntil({ asking.store.labProfiles().count == 3 }) else { throw CLIError.failure("the lab profiles did not reach node 3") }
        guard let listing = asking.store.catalogListing(package), case let .found(hamburg, _) = Gazetteer.shared.resolve("Hamburg, DE") else {
            throw CLIError.failure("node 3 does not know the garden studio")
        }
        let origin = MakerSearch.Origin(label: hamburg.label, latitude: hamburg.latitude, longitude: hamburg.longitude)
        let ranked = MakerSearch.judge(listing, in: asking.store, origin: origin, within: nil)
        console.line("9. each node published its lab's profile (machines, place, access); node 3 asks who can make "
                     + "\"\(listing.summary.title)\" near Hamburg (allmende makers ID --near Hamburg):")
        for verdict in ranked {
            console.line("     " + (verdict.isIn ? "✓ " : "✗ ") + MakerSearch.headline(verdict))
            if let reason = MakerSearch.tellingReason(verdict) { console.line("         " + reason) }
        }
    }

    /// Blocks until a line (or end of input) on standard input, or SIGINT/SIGTERM.
    private static func waitForEnterOrInterrupt() {
        let done = DispatchSemaphore(value: 0)
        let stopWatching = StopSignals.watch { done.signal() }
        let reader = Thread {
            _ = readLine()
            done.signal()
        }
        reader.start()
        done.wait()
        stopWatching()
    }

    private static func waitUntil(_ condition: () -> Bool, timeout: Duration = .seconds(30)) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
    }

    /// ./Examples, or an Examples folder above the binary (a `swift run` from the checkout).
    private static func findExamples(_ given: String?) -> String? {
        if let given { return FileSystem.exists(given + "/packages") ? given : nil }
        var candidates = [FileSystem.absolutePath("Examples")]
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            candidates.append(url.path + "/Examples")
            url.deleteLastPathComponent()
        }
        return candidates.first { FileSystem.exists($0 + "/packages") && FileSystem.exists($0 + "/keys/demo-lab.pem") }
    }
}
