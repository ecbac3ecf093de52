// Message.swift: AllmendeWire. Every message of protocol version 2. Spec: Protocol/wire.md "Messages".

import AllmendeCrypto

/// Outcome of a request, carried in responses.
public enum ResponseStatus: UInt8, Sendable, CaseIterable {
    case ok = 0
    case notFound = 1
    case busy = 2
    case invalidRequest = 3
    case refused = 4
}

/// A message between two nodes. Requests carry a `request` number that the matching response repeats.
public enum Message: Equatable, Sendable {
    /// First message each way: magic, protocol version, feature bits, listen port (0 = none), a display name.
    case hello(version: UInt16, features: UInt32, listenPort: UInt16, name: String)
    /// Keep-alive; the peer answers with `pong` carrying the same nonce.
    case ping(nonce: UInt64)
    case pong(nonce: UInt64)
    /// Last message before closing, with a reason.
    case goodbye(code: GoodbyeCode, reason: String)
    /// "Do you have package P complete?"
    case getPackage(request: UInt32, package: ContentID)
    /// Answer to `getPackage`: when `ok`, the peer has the manifest and every file, and sends the signed publish statement.
    case package(request: UInt32, status: ResponseStatus, publishStatement: [UInt8])
    /// "Send the chunk index of blob B."
    case getIndex(request: UInt32, blob: ContentID)
    /// The encoded chunk index (Protocol/chunk-index.md), empty unless `ok`.
    case index(request: UInt32, status: ResponseStatus, encodedIndex: [UInt8])
    /// "Send chunk N of blob B."
    case getChunk(request: UInt32, blob: ContentID, chunk: UInt32)
    /// The chunk's bytes, empty unless `ok`.
    case chunk(request: UInt32, status: ResponseStatus, data: ChunkData)
    /// A catalog entry (a signed statement's canonical bytes), pushed by gossip or sent on request.
    case announce(entry: [UInt8])
    /// One message of a reconciliation session (Protocol/reconciliation.md).
    case reconcile(session: UInt32, payload: [UInt8])
    /// "Send me these catalog entries" (answered with `announce` messages).
    case getEntries(ids: [ContentID])
    /// A signed node announcement (node ID, addresses, time) for peer discovery.
    case node(announcement: [UInt8])
    /// A node's signed inventory, whole or as a change (Protocol/holders.md).
    case holdings(record: [UInt8])
    /// "Send me the inventories of these nodes whole": each ID's first 24 bytes name a node (Protocol/holders.md).
    case getHoldings(ids: [ContentID])
    /// One message of a reconciliation of inventory states (Protocol/holders.md "Reconciliation").
    case holdersReconcile(payload: [UInt8])
    /// "I see your connection coming from this host" (Protocol/wire.md section 7, observed addresses).
    case observed(host: String)

    /// The type byte on the wire.
    public var typeByte: UInt8 {
        switch self {
        case .hello: return MessageType.hello
        case .ping: return MessageType.ping
        case .pong: return MessageType.pong
        case .goodbye: return MessageType.goodbye
        case .getPackage: return MessageType.getPackage
        case .package: return MessageType.package
        case .getIndex: return MessageType.getIndex
        case .index: return MessageType.index
        case .getChunk: return MessageType.getChunk
        case .chunk: return MessageType.chunk
        case .announce: return MessageType.announce
        case .reconcile: return MessageType.reconcile
        case .getEntries: return MessageType.getEntries
        case .node: return MessageType.node
        case .holdings: return MessageType.holdings
        case .getHoldings: return MessageType.getHoldings
        case .holdersReconcile: return MessageType.holdersReconcile
        case .observed: return MessageType.observed
        }
    }

    /// A short name for logs.
    public var name: String { MessageType.name(of: typeByte) }

    /// True for requests answered by exactly one message (get-package, get-index, get-chunk, ping): these count
    /// against `WireLimits.maximumOutstandingRequests` until their answer is written.
    public var isRequest: Bool {
        switch self {
        case .getPackage, .getIndex, .getChunk, .ping: return true
        default: return false
        }
    }

    /// True for the one answer to such a request (package, index, chunk, pong).
    public var isAnswer: Bool {
        switch self {
        case .package, .index, .chunk, .pong: return true
        default: return false
        }
    }
}

/// Type bytes.
public enum MessageType {
    public static let hello: UInt8 = 0x01
    public static let ping: UInt8 = 0x02
    public static let pong: UInt8 = 0x03
    public static let goodbye: UInt8 = 0x04
    public static let getPackage: UInt8 = 0x10
    public static let package: UInt8 = 0x11
    public static let getIndex: UInt8 = 0x12
    public static let index: UInt8 = 0x13
    public static let getChunk: UInt8 = 0x14
    public static let chunk: UInt8 = 0x15
    public static let announce: UInt8 = 0x20
    public static let reconcile: UInt8 = 0x21
    public static let getEntries: UInt8 = 0x22
    public static let node: UInt8 = 0x23
    public static let holdings: UInt8 = 0x24
    public static let getHoldings: UInt8 = 0x25
    public static let holdersReconcile: UInt8 = 0x26
    public static let observed: UInt8 = 0x27

    /// The largest length field allowed for a type, or `nil` for an unknown type.
    public static func maximumLength(of type: UInt8) -> Int? {
        switch type {
        case hello: return WireLimits.maximumHelloFrameLength
        case ping, pong, goodbye, getPackage, package, getIndex, getChunk, announce, getEntries: return WireLimits.maximumControlFrameLength
        case observed: return 1 + 1 + WireLimits.maximumObservedHostLength
        case node: return 4096
        case getHoldings: return 3 + 32 * WireLimits.maximumHoldingsPerRequest
        case index, chunk, reconcile, holdings, holdersReconcile: return WireLimits.maximumBulkFrameLength
        default: return nil
        }
    }

    static func name(of type: UInt8) -> String {
        switch type {
        case hello: return "hello"
        case ping: return "ping"
        case pong: return "pong"
        case goodbye: return "goodbye"
        case getPackage: return "get-package"
        case package: return "package"
        case getIndex: return "get-index"
        case index: return "index"
        case getChunk: return "get-chunk"
        case chunk: return "chunk"
        case announce: return "announce"
        case reconcile: return "reconcile"
        case getEntries: return "get-entries"
        case node: return "node"
        case holdings: return "holdings"
        case getHoldings: return "get-holdings"
        case holdersReconcile: return "holders-reconcile"
        case observed: return "observed"
        default: return "unknown"
        }
    }
}
