// WebSessions.swift: AllmendeRuntime. The operator's login for the web face: one-time login tokens handed out
// through the control socket (`allmende web`), sessions kept in memory with a CSRF token each. Secrets are
// looked up by their SHA-256, so a lookup's timing says nothing about a secret. Spec: Protocol/http.md "Operator".

import AllmendeCrypto
import Foundation

/// Pending login tokens and live sessions (bounded; both expire).
struct WebSessions {
    /// How long a login URL can be used (once).
    static let loginLifetime: Duration = .seconds(600)
    /// How long a session lasts after its login.
    static let sessionLifetime: Duration = .seconds(12 * 3600)
    /// Most pending logins and most sessions kept (the oldest goes first).
    static let maximumEntries = 32

    private var logins: [String: ContinuousClock.Instant] = [:]
    private var sessions: [String: (csrf: String, expires: ContinuousClock.Instant)] = [:]

    /// A new one-time login token.
    mutating func newLogin(now: ContinuousClock.Instant) throws(CryptoError) -> String {
        let token = try Self.secret()
        prune(now: now)
        if logins.count >= Self.maximumEntries, let oldest = logins.min(by: { $0.value < $1.value })?.key { logins[oldest] = nil }
        logins[Self.key(token)] = now + Self.loginLifetime
        return token
    }

    /// Uses a login token (once); returns the new session's ID and CSRF token, or nil if the token is unknown or spent.
    mutating func logIn(token: String, now: ContinuousClock.Instant) throws(CryptoError) -> (session: String, csrf: String)? {
        prune(now: now)
        guard logins.removeValue(forKey: Self.key(token)) != nil else { return nil }
        let session = try Self.secret(), csrf = try Self.secret()
        if sessions.count >= Self.maximumEntries, let oldest = sessions.min(by: { $0.value.expires < $1.value.expires })?.key { sessions[oldest] = nil }
        sessions[Self.key(session)] = (csrf, now + Self.sessionLifetime)
        return (session, csrf)
    }

    /// The CSRF token of a live session.
    func csrf(session: String, now: ContinuousClock.Instant) -> String? {
        guard let entry = sessions[Self.key(session)], entry.expires > now else { return nil }
        return entry.csrf
    }

    mutating func logOut(session: String) { sessions[Self.key(session)] = nil }

    private mutating func prune(now: ContinuousClock.Instant) {
        logins = logins.filter { $0.value > now }
        sessions = sessions.filter { $0.value.expires > now }
    }

    /// 256 random bits as 64 hex digits.
    private static func secret() throws(CryptoError) -> String { try SecureRandom.bytes(count: 32).map { String(format: "%02x", $0) }.joined() }

    private static func key(_ secret: String) -> String { SHA256Hasher.hash(Array(secret.utf8)).hex }
}
