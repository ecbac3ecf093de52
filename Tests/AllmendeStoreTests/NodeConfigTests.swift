// NodeConfigTests.swift: config.json — the example configurations load, round-trip, and bad fields are named.

import AllmendeCrypto
import AllmendeStore
import AllmendeSystem
import AllmendeTestSupport
import Testing

@Suite("Node config")
struct NodeConfigTests {
    static let examples = ["fablab-public.json", "private-workshop.json", "archive-mirror.json"]

    static func load(_ text: [UInt8], in folder: TempDirectory) throws -> NodeConfig {
        let home = NodeHome(path: folder.file("home"))
        try FileSystem.makeDirectories(home.path)
        try folder.write("home/config.json", text)
        return try NodeConfig.load(home)
    }

    @Test("every example in Examples/configs loads, has a listen address, and survives save + load", arguments: examples)
    func loadsExample(name: String) throws {
        try withTempDirectory("config") { folder throws in
            let text = try FileSystem.readFile(Repository.root + "/Examples/configs/" + name, limit: 1 << 20)
            let config = try Self.load(text, in: folder)
            #expect(SocketAddress(parsing: config.listen) != nil)
            #expect(!config.peers.isEmpty && config.peers.allSatisfy { SocketAddress(parsing: $0.address) != nil })
            #expect(config != NodeConfig())
            let home = NodeHome(path: folder.file("home"))
            try config.save(home)
            #expect(try NodeConfig.load(home) == config)
        }
    }

    @Test("the examples say what their README says")
    func exampleContents() throws {
        try withTempDirectory("config") { folder throws in
            func example(_ name: String) throws -> NodeConfig {
                try Self.load(try FileSystem.readFile(Repository.root + "/Examples/configs/" + name, limit: 1 << 20), in: folder)
            }
            let fablab = try example("fablab-public.json")
            #expect(fablab.mirrors.count == 3 && fablab.mirrors.contains { $0.match == .tag("timber") && $0.quota == 20_000_000_000 })
            #expect(fablab.peers.filter { $0.node != nil }.count == 2 && fablab.allowList == nil)
            let workshop = try example("private-workshop.json")
            #expect(workshop.allowList?.count == 2)
            let archive = try example("archive-mirror.json")
            #expect(archive.servesRetracted && archive.mirrors == [MirrorPolicy(match: .all, quota: 2_000_000_000_000)])
            #expect(archive.maxConnectionsPerHost == 4)
        }
    }

    @Test("announceHoldings and a preservation policy's minHolders load and survive save + load")
    func holdingsFields() throws {
        try withTempDirectory("config") { folder throws in
            let config = try Self.load(Array(#"{"announceHoldings": true, "allowList": [], "mirrors": [{"all": true, "minHolders": 3, "quota": 1000}]}"#.utf8), in: folder)
            #expect(config.announceHoldings == true && config.mirrors == [MirrorPolicy(match: .all, quota: 1000, minHolders: 3)])
            let home = NodeHome(path: folder.file("home"))
            try config.save(home)
            #expect(try NodeConfig.load(home) == config)
        }
    }

    @Test("webProxies takes IPv4 and IPv6 addresses and survives save + load")
    func webProxies() throws {
        try withTempDirectory("config") { folder throws in
            let config = try Self.load(Array(#"{"webProxies": ["192.0.2.10", "2001:db8::10"]}"#.utf8), in: folder)
            #expect(config.webProxies == ["192.0.2.10", "2001:db8::10"])
            let home = NodeHome(path: folder.file("home"))
            try config.save(home)
            #expect(try NodeConfig.load(home) == config)
        }
    }

    @Test("unknown fields, wrong types and out-of-range limits are refused with the field's name", arguments: [
        (#"{"maxConections": 10}"#, "maxConections"),
        (#"{"maxConnectionsPerHost": 0}"#, "maxConnectionsPerHost"),
        (#"{"allowList": ["not-a-node"]}"#, "allowList"),
        (#"{"mirrors": [{"quota": 5}]}"#, "mirrors[0]"),
        (#"{"trusted": ["not-a-node"]}"#, "trusted"),
        (#"{"trusted": [42]}"#, "trusted"),
        (#"{"peers": [{"address": "127.0.0.2:7400", "node": "abc"}]}"#, "peers[0].node"),
        (#"{"peers": [{"node": "abc"}]}"#, "peers[0].address"),
        (#"{"announceHoldings": "yes"}"#, "announceHoldings"),
        (#"{"mirrors": [{"all": true, "minHolders": 0}]}"#, "mirrors[0].minHolders"),
        (#"{"mirrors": [{"tag": "timber", "minHolders": 2.5}]}"#, "mirrors[0].minHolders"),
        (#"{"webProxies": ["proxy.example.org"]}"#, "webProxies"),
        (#"{"webProxies": ["192.0.2.10:443"]}"#, "webProxies"),
        (#"{"webProxies": [7]}"#, "webProxies"),
    ])
    func refused(text: String, field: String) throws {
        try withTempDirectory("config") { folder throws in
            do {
                _ = try Self.load(Array(text.utf8), in: folder)
                Issue.record("accepted \(text)")
            } catch {
                #expect("\(error)".contains(field), "\(error)")
            }
        }
    }
}
