// WireLimits.swift: AllmendeWire. Every size limit of the wire protocol in one place. Spec: Protocol/wire.md "Limits".

/// Sizes the protocol never exceeds; a frame over its limit is refused before its payload is buffered.
public enum WireLimits {
    /// Largest control frame (length field value, i.e. type byte + payload), in bytes: 64 KiB.
    public static let maximumControlFrameLength = 64 * 1024
    /// Largest bulk frame (chunk data, chunk index), in bytes: one 1 MiB chunk plus 64 bytes of header.
    public static let maximumBulkFrameLength = (1 << 20) + 64
    /// Largest hello frame, in bytes.
    public static let maximumHelloFrameLength = 1024
    /// Longest node name in a hello, in UTF-8 bytes.
    public static let maximumNodeNameLength = 64
    /// Longest goodbye reason, in UTF-8 bytes.
    public static let maximumReasonLength = 256
    /// Most requests a peer may have outstanding at once (get-package, get-index, get-chunk, ping); an answer counts
    /// as given once it is written to the peer.
    public static let maximumOutstandingRequests = 64
    /// Catalog entries a peer may announce in a burst (more are dropped unread, without a strike).
    public static let announceBurst: Double = 1000
    /// Catalog entries a peer may announce per second on average, beyond the burst.
    public static let announcesPerSecond: Double = 50
    /// Node announcements a peer may send in a burst (more are dropped unread, without a strike).
    public static let nodeAnnouncementBurst: Double = 100
    /// Node announcements a peer may send per second on average, beyond the burst.
    public static let nodeAnnouncementsPerSecond: Double = 5
    /// Holdings records, get-holdings and holders-reconcile messages a peer may send in a burst (more are dropped
    /// unread, without a strike).
    public static let holdingsBurst: Double = 200
    /// Of those, per second on average beyond the burst.
    public static let holdingsPerSecond: Double = 10
    /// Node IDs (as 32-byte state IDs) in one `get-holdings`.
    public static let maximumHoldingsPerRequest = 256
    /// Longest host in an `observed` message, in UTF-8 bytes.
    public static let maximumObservedHostLength = 64
    /// Pings a peer may send in a burst.
    public static let pingBurst: Double = 10
    /// Pings a peer may send per second on average, beyond the burst.
    public static let pingsPerSecond: Double = 0.1
    /// Reconciliation messages one side handles in one session; the next ends the session.
    public static let reconcileMessagesPerSession = 32
    /// Reconciliation sessions started by peers that a node answers at once (others are declined).
    public static let reconcileSessionsAnswered = 8
    /// Entries a node takes from a peer, beyond the gossip rate, while a reconciliation session it started with
    /// that peer is open (the peer's answer to an empty or far-behind catalog).
    public static let reconcileEntriesPerSession = 100_000
    /// Bytes of entries a node sends with one reconciliation answer (those beyond it come with the initiator's
    /// next session, which it starts at once): the send queue holds 8 MiB of memory, and the initiator's next
    /// message comes only after it has read these, so a whole catalog never sits in one queue.
    public static let reconcileAnswerBytes = 2 << 20
    /// Node announcements from its address book a node sends on each new connection (peer exchange), at random.
    public static let addressesOnConnect = 32
    /// Entry IDs in one `get-entries` request.
    public static let maximumEntriesPerRequest = 2000
    /// Entries a node sends one peer in answer to `get-entries` in a burst: a whole catalog's worth, as a session
    /// brings one (`reconcileEntriesPerSession`). Beyond the burst `entriesServedPerSecond`; IDs over the budget are
    /// skipped as if unknown (no strike): the peer asks again, here or of another peer, after its request times out.
    public static let entriesServedBurst: Double = 100_000
    /// Entries a node sends one peer per second on average in answer to `get-entries`, beyond the burst.
    public static let entriesServedPerSecond: Double = 1000
    /// Invalid catalog entries (or chunks that do not match their index) that get a node disconnected.
    public static let maximumStrikes = 3
    /// Bytes read from a socket at a time.
    public static let readSize = 256 * 1024
}

/// Protocol version numbers.
public enum WireVersion {
    /// The version this implementation speaks. Version 2 (2026-11-23): chunk indexes hold SHA-256 chaining values
    /// (`AMCHUNK2`); version 1 nodes sent per-chunk hashes, which this version cannot use.
    public static let current: UInt16 = 2
    /// The oldest version it accepts.
    public static let minimum: UInt16 = 2
    /// The magic at the start of every hello: "AMND".
    public static let magic: [UInt8] = [0x41, 0x4D, 0x4E, 0x44]
}
