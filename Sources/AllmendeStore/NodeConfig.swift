// NodeConfig.swift: AllmendeStore. The node's settings in `config.json`: listen address, peers, allow-list, limits.

import AllmendeCrypto
import AllmendeModel
import AllmendeSystem
import CanonicalJSON

/// A peer to dial: an address and, optionally, the node ID it must present.
public struct PeerEntry: Equatable, Sendable {
    public var address: String
    public var node: NodeID?

    public init(address: String, node: NodeID?) {
        self.address = address
        self.node = node
    }
}

/// A mirroring policy: fetch in full every package that matches, within an optional quota of bytes.
public struct MirrorPolicy: Equatable, Sendable, CustomStringConvertible {
    public enum Match: Equatable, Sendable {
        /// Everything that arrives from this peer.
        case peer(NodeID)
        /// Everything this publisher (node or lab identity) publishes.
        case publisher(NodeID)
        /// Everything with this tag.
        case tag(String)
        /// Everything.
        case all
    }

    public var match: Match
    /// Most bytes of packages this policy may fetch (nil: no limit).
    public var quota: Int?
    /// Preservation: only packages fewer than this many other nodes are known to hold (Protocol/holders.md).
    public var minHolders: Int?

    public init(match: Match, quota: Int?, minHolders: Int? = nil) {
        self.match = match
        self.quota = quota
        self.minHolders = minHolders
    }

    public var description: String {
        let what: String
        switch match {
        case let .peer(node): what = "--peer \(node.text)"
        case let .publisher(node): what = "--publisher \(node.text)"
        case let .tag(tag): what = "--tag \(tag)"
        case .all: what = "--all"
        }
        return what + (minHolders.map { " --min-holders \($0)" } ?? "") + (quota.map { " --quota \($0)" } ?? "")
    }

    /// True if a package published by `publisher` with `tags`, received from `peer`, matches.
    public func matches(publisher: NodeID, tags: [String], from peer: NodeID?) -> Bool {
        switch match {
        case let .peer(node): return node == peer
        case let .publisher(node): return node == publisher
        case let .tag(tag): return tags.contains(tag)
        case .all: return true
        }
    }

    /// The policy as it is written in config.json.
    public var json: JSONValue {
        var entry: [String: JSONValue]
        switch match {
        case let .peer(node): entry = ["peer": .string(node.text)]
        case let .publisher(node): entry = ["publisher": .string(node.text)]
        case let .tag(tag): entry = ["tag": .string(tag)]
        case .all: entry = ["all": .bool(true)]
        }
        if let quota { entry["quota"] = .integer(quota) }
        if let minHolders { entry["minHolders"] = .integer(minHolders) }
        return .object(entry)
    }

    static func parse(_ value: JSONValue, index: Int) throws(StoreError) -> MirrorPolicy {
        func node(_ text: String) throws(StoreError) -> NodeID {
            do { return try NodeID(parsing: text) } catch { throw .model(.invalidField(path: "config.json mirrors[\(index)]", reason: "\(error)")) }
        }
        let quota = value["quota"]?.numberValue.map { Int($0) }
        var minHolders: Int?
        if let number = value["minHolders"]?.numberValue {
            guard number >= 1, number <= 1000, number == number.rounded() else {
                throw .model(.invalidField(path: "config.json mirrors[\(index)].minHolders", reason: "a whole number from 1 to 1000"))
            }
            minHolders = Int(number)
        }
        if let text = value["peer"]?.stringValue { return MirrorPolicy(match: .peer(try node(text)), quota: quota, minHolders: minHolders) }
        if let text = value["publisher"]?.stringValue { return MirrorPolicy(match: .publisher(try node(text)), quota: quota, minHolders: minHolders) }
        if let tag = value["tag"]?.stringValue { return MirrorPolicy(match: .tag(tag), quota: quota, minHolders: minHolders) }
        if value["all"] == .bool(true) { return MirrorPolicy(match: .all, quota: quota, minHolders: minHolders) }
        throw .model(.invalidField(path: "config.json mirrors[\(index)]", reason: "needs peer, publisher, tag or all"))
    }
}

/// `config.json` in the home folder. Missing file = defaults; unknown fields are refused with their name.
public struct NodeConfig: Equatable, Sendable {
    /// Default TCP port of the node protocol.
    public static let defaultPort: UInt16 = 7310

    /// Where to listen, `host:port`.
    public var listen = "0.0.0.0:\(NodeConfig.defaultPort)"
    /// A name shown to peers in the hello.
    public var name = "allmende"
    /// Peers to keep connected to.
    public var peers: [PeerEntry] = []
    /// If set, only these nodes may connect or be connected to (a private node).
    public var allowList: [NodeID]?
    /// Most inbound connections (outbound ones do not count).
    public var maxConnections = 64
    /// Most inbound connections (including handshakes) from one IP address.
    public var maxConnectionsPerHost = 8
    /// Most inbound connections (including handshakes) from one address range (IPv4 /24, IPv6 /64).
    public var maxConnectionsPerRange = 32
    /// What to mirror.
    public var mirrors: [MirrorPolicy] = []
    /// Keep offering retracted packages to fetchers.
    public var servesRetracted = false
    /// Addresses to announce to other nodes (default: the local address of each connection).
    public var advertise: [String] = []
    /// Announce which packages this node holds (Protocol/holders.md); nil: yes, unless there is an allow-list.
    public var announceHoldings: Bool?
    /// Labs whose catalog entries are always kept in full (Protocol/statements.md "Admission").
    public var trusted: [NodeID] = []
    /// Bytes of catalog entries by labs without standing kept in all (oldest evicted first).
    public var strangerBudget = 64 << 20
    /// IP addresses of reverse proxies in front of the web face on other machines: their connections are many
    /// clients, so the web face's per-client connection limit does not apply to them (this machine's never has).
    public var webProxies: [String] = []

    public init() {}

    static func path(_ home: NodeHome) -> String { home.path + "/config.json" }

    /// Loads the configuration of `home` (defaults if there is none).
    public static func load(_ home: NodeHome) throws(StoreError) -> NodeConfig {
        let path = path(home)
        guard FileSystem.exists(path) else { return NodeConfig() }
        let bytes: [UInt8]
        do { bytes = try FileSystem.readFile(path, limit: 1 << 20) } catch { throw .system(error) }
        let value: JSONValue
        do { value = try JSONParser.parse(bytes) } catch { throw .model(.invalidJSON(error)) }
        guard case let .object(members) = value else { throw .model(.invalidField(path: "config.json", reason: "expected an object")) }
        var config = NodeConfig()
        for (key, field) in members {
            switch (key, field) {
            case let ("listen", .string(text)): config.listen = text
            case let ("name", .string(text)): config.name = String(text.prefix(64))
            case let ("maxConnections", .number(number)) where number >= 1 && number <= 4096: config.maxConnections = Int(number)
            case let ("maxConnectionsPerHost", .number(number)) where number >= 1 && number <= 4096: config.maxConnectionsPerHost = Int(number)
            case let ("maxConnectionsPerRange", .number(number)) where number >= 1 && number <= 4096: config.maxConnectionsPerRange = Int(number)
            case let ("peers", .array(entries)):
                config.peers = try entries.enumerated().map { (index, entry) throws(StoreError) -> PeerEntry in
                    guard let address = entry["address"]?.stringValue else {
                        throw .model(.invalidField(path: "config.json peers[\(index)].address", reason: "is required"))
                    }
                    let node = try entry["node"]?.stringValue.map { (text) throws(StoreError) -> NodeID in
                        do { return try NodeID(parsing: text) } catch { throw .model(.invalidField(path: "config.json peers[\(index)].node", reason: "\(error)")) }
                    }
                    return PeerEntry(address: address, node: node)
                }
            case let ("serveRetracted", .bool(flag)): config.servesRetracted = flag
            case let ("strangerBudget", .number(number)) where number >= 0 && number <= Double(1 << 40): config.strangerBudget = Int(number)
            case let ("trusted", .array(entries)):
                config.trusted = try entries.map { (entry) throws(StoreError) -> NodeID in
                    do { return try NodeID(parsing: entry.stringValue ?? "") } catch {
                        throw .model(.invalidField(path: "config.json trusted", reason: "\(error)"))
                    }
                }
            case let ("announceHoldings", .bool(flag)): config.announceHoldings = flag
            case let ("advertise", .array(entries)): config.advertise = entries.compactMap(\.stringValue).prefix(8).map { $0 }
            case let ("webProxies", .array(entries)):
                config.webProxies = try entries.prefix(64).map { (entry) throws(StoreError) -> String in
                    guard let text = entry.stringValue, IPAddressText.isLiteral(text) else {
                        throw .model(.invalidField(path: "config.json webProxies", reason: "\(entry) is not an IP address such as 192.0.2.10 or 2001:db8::10"))
                    }
                    return text
                }
            case let ("mirrors", .array(entries)):
                config.mirrors = try entries.enumerated().map { (index, entry) throws(StoreError) in try MirrorPolicy.parse(entry, index: index) }
            case let ("allowList", .array(entries)):
                config.allowList = try entries.map { (entry) throws(StoreError) -> NodeID in
                    do { return try NodeID(parsing: entry.stringValue ?? "") } catch { throw .model(.invalidField(path: "config.json allowList", reason: "\(error)")) }
                }
            default:
                throw .model(.invalidField(path: "config.json \(key)", reason: "unknown field or wrong type"))
            }
        }
        return config
    }

    /// Saves atomically.
    public func save(_ home: NodeHome) throws(StoreError) {
        var members: [String: JSONValue] = [
            "listen": .string(listen), "name": .string(name), "maxConnections": .integer(maxConnections),
            "maxConnectionsPerHost": .integer(maxConnectionsPerHost), "maxConnectionsPerRange": .integer(maxConnectionsPerRange),
            "peers": .array(peers.map { peer in
                var entry: [String: JSONValue] = ["address": .string(peer.address)]
                if let node = peer.node { entry["node"] = .string(node.text) }
                return .object(entry)
            }),
        ]
        if let allowList { members["allowList"] = .array(allowList.map { .string($0.text) }) }
        if !mirrors.isEmpty { members["mirrors"] = .array(mirrors.map(\.json)) }
        if servesRetracted { members["serveRetracted"] = .bool(true) }
        if !advertise.isEmpty { members["advertise"] = .array(advertise.map { .string($0) }) }
        if let announceHoldings { members["announceHoldings"] = .bool(announceHoldings) }
        if !trusted.isEmpty { members["trusted"] = .array(trusted.map { .string($0.text) }) }
        if strangerBudget != 64 << 20 { members["strangerBudget"] = .integer(strangerBudget) }
        if !webProxies.isEmpty { members["webProxies"] = .array(webProxies.map { .string($0) }) }
        do {
            try home.create()
            try FileSystem.writeAtomically(try CanonicalEncoder.encode(.object(members)) + [0x0A], to: Self.path(home), mode: 0o644)
        } catch let error as StoreError {
            throw error
        } catch let error as SystemError {
            throw .system(error)
        } catch {
            throw .model(.notCanonical("\(error)"))
        }
    }
}
