// ModelFixtures.swift: small, realistic manifests and keys for model tests.

import AllmendeCrypto
import AllmendeModel

enum Fixtures {
    /// RFC 8032 TEST 1 seed: a fixed key so IDs are the same on every run.
    static let labKey = try! Ed25519PrivateKey(rawRepresentation: Hex.decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")!)
    /// RFC 8032 TEST 2 seed.
    static let deviceKey = try! Ed25519PrivateKey(rawRepresentation: Hex.decode("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")!)

    static var lab: NodeID { NodeID(publicKey: labKey.publicKey) }
    static var device: NodeID { NodeID(publicKey: deviceKey.publicKey) }

    static func manifestJSON(title: String = "Wall block M", bom: String = "", extra: String = "") -> String {
        """
        {"schema": "allmende/design-package/1", "title": "\(title)", "version": "1.0.0",
         "summary": "CNC-routed plywood wall block", "category": "building", "license": "CC-BY-SA-4.0",
         "licensors": [{"name": "Fab Lab Example", "url": "https://lab.example"}], "documentationLanguage": ["en", "de"],
         "publisher": "\(lab.text)", "created": "2026-05-01T12:00:00Z", \(bom)\(extra)
         "files": [{"path": "cnc/wall-m-a.dxf", "size": 1234, "sha256": "\(String(repeating: "ab", count: 32))",
                    "chunkIndex": "\(String(repeating: "cd", count: 32))", "mediaType": "image/vnd.dxf", "role": "cutting-file"}]}
        """
    }

    static func manifest(title: String = "Wall block M", bom: [BOMLine] = []) throws -> DesignManifest {
        var manifest = try DesignManifest(parsing: Array(manifestJSON(title: title).utf8))
        manifest.info.bom = bom
        return manifest
    }
}
