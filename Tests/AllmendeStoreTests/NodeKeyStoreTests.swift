// NodeKeyStoreTests.swift: the node key file: created once with mode 0600, reloaded, and refused when unsafe.

import AllmendeCrypto
import AllmendeStore
import AllmendeSystem
import AllmendeTestSupport
import Foundation
import Testing

@Suite("Node home and key")
struct NodeKeyStoreTests {
    @Test("init is idempotent: the key is created once, mode 0600, in a 0700 home")
    func createOnce() throws {
        try withTempDirectory("home") { folder throws in
            let home = NodeHome(path: folder.file("node"))
            let first = try NodeKeyStore.loadOrCreate(home)
            #expect(first.created)
            let second = try NodeKeyStore.loadOrCreate(home)
            #expect(!second.created)
            #expect(second.key.publicKey == first.key.publicKey)
            #expect(try NodeKeyStore.load(home).publicKey == first.key.publicKey)
            let keyMode = try #require(try FileSystem.linkStatus(home.nodeKeyPath)).st_mode & 0o777
            let homeMode = try #require(try FileSystem.linkStatus(home.path)).st_mode & 0o777
            #expect(keyMode == 0o600)
            #expect(homeMode == 0o700)
        }
    }

    @Test("a missing key and a key readable by others are refused with advice")
    func refusals() throws {
        try withTempDirectory("home") { folder throws in
            let home = NodeHome(path: folder.file("node"))
            #expect(throws: StoreError.nodeKeyMissing(path: home.nodeKeyPath)) { try NodeKeyStore.load(home) }
            _ = try NodeKeyStore.loadOrCreate(home)
            chmod(home.nodeKeyPath, 0o644)
            #expect(throws: StoreError.keyPermissionsTooOpen(path: home.nodeKeyPath, mode: 0o644)) { try NodeKeyStore.load(home) }
            #expect(StoreError.keyPermissionsTooOpen(path: home.nodeKeyPath, mode: 0o644).description.contains("chmod 600"))
        }
    }

    @Test("a damaged key file gives the crypto error, not a crash")
    func damagedKey() throws {
        try withTempDirectory("home") { folder throws in
            let home = NodeHome(path: folder.file("node"))
            _ = try NodeKeyStore.loadOrCreate(home)
            chmod(home.nodeKeyPath, 0o600)
            try FileSystem.writeAtomically(Array("-----BEGIN PRIVATE KEY-----\ngarbage\n".utf8), to: home.nodeKeyPath, mode: 0o600)
            do {
                _ = try NodeKeyStore.load(home)
                Issue.record("loaded a damaged key")
            } catch let StoreError.crypto(error) {
                #expect(error.description.hasPrefix("not a PEM private key"))
            }
        }
    }

    @Test("the home folder comes from --home, then $ALLMENDE_HOME, then ~/.allmende")
    func resolution() throws {
        #expect(try NodeHome.resolve(flag: "/x/flag", environment: ["ALLMENDE_HOME": "/x/env", "HOME": "/x/user"]).path == "/x/flag")
        #expect(try NodeHome.resolve(flag: nil, environment: ["ALLMENDE_HOME": "/x/env", "HOME": "/x/user"]).path == "/x/env")
        #expect(try NodeHome.resolve(flag: nil, environment: ["HOME": "/x/user"]).path == "/x/user/.allmende")
        #expect(throws: StoreError.self) { try NodeHome.resolve(flag: "", environment: [:]) }
    }
}
