// WireError.swift: AllmendeWire. Why bytes from a peer were refused, and the codes sent back in a goodbye.

/// A malformed or unacceptable frame; the connection that sent it is closed with the matching goodbye code.
public enum WireError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The length field is zero (a frame needs at least its type byte).
    case emptyFrame
    /// The length field exceeds the limit for this frame type.
    case frameTooLarge(length: Int, limit: Int)
    /// The type byte names no message this version knows.
    case unknownMessageType(UInt8)
    /// The payload does not have the layout its type requires.
    case malformedPayload(type: String, reason: String)
    /// The hello's magic is wrong: not an Allmende node.
    case wrongMagic
    /// The hello's version is not acceptable.
    case badHello(String)

    public var description: String {
        switch self {
        case .emptyFrame: return "empty frame (length 0)"
        case let .frameTooLarge(length, limit): return "frame length \(length) exceeds limit \(limit)"
        case let .unknownMessageType(type): return "unknown message type 0x\(String(type, radix: 16))"
        case let .malformedPayload(type, reason): return "malformed \(type): \(reason)"
        case .wrongMagic: return "bad hello: wrong magic (not an Allmende node?)"
        case let .badHello(reason): return "bad hello: \(reason)"
        }
    }

    /// The goodbye code to send for this error.
    public var goodbyeCode: GoodbyeCode {
        switch self {
        case .frameTooLarge: return .frameTooLarge
        case .badHello: return .unsupportedVersion
        default: return .protocolError
        }
    }
}

/// Reasons for closing a connection, as sent in a goodbye frame.
public enum GoodbyeCode: UInt16, Sendable, CaseIterable {
    case normal = 0
    case protocolError = 1
    case frameTooLarge = 2
    case unsupportedVersion = 3
    case notAllowed = 4
    case timeout = 5
    case misbehaving = 6
    case tooManyConnections = 7
    case shuttingDown = 8
}
