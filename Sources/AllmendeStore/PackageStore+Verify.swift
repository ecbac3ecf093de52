// PackageStore+Verify.swift: AllmendeStore. Checking a stored package byte by byte, and exporting its files.

import AllmendeCrypto
import AllmendeModel
import AllmendeSystem
import Foundation

/// The outcome of `verifyPackage`.
public struct PackageVerification: Sendable {
    public let packageID: ContentID
    /// Every problem found, each naming the file or statement.
    public var problems: [String] = []
    /// Statements that verified.
    public var statements: [VerifiedStatement] = []
    public var filesChecked = 0
    public var bytesChecked = 0

    public var isIntact: Bool { problems.isEmpty }
}

extension PackageStore {
    /// Re-hashes every file of package `id` and checks every signature.
    public func verifyPackage(_ id: ContentID) throws(StoreError) -> PackageVerification {
        var report = PackageVerification(packageID: id)
        let manifest: DesignManifest
        do { manifest = try self.manifest(id) } catch let .hashMismatch(_, actual) {
            report.problems.append("manifest: its bytes hash to \(actual.hex), not to the package ID")
            return report
        }
        for file in manifest.files {
            report.filesChecked += 1
            let condition = try blobs.verify(file.sha256)
            switch condition {
            case .missing:
                report.problems.append("\(file.path): missing from the store (blob \(file.sha256.hex))")
            case let .corrupt(actual, badChunks):
                let chunks = badChunks.isEmpty ? "" : " (bad chunks: \(badChunks.prefix(10).map(String.init).joined(separator: ", ")))"
                report.problems.append("\(file.path): content hashes to \(actual.hex), expected \(file.sha256.hex)\(chunks)")
            case let .badChunkIndex(reason):
                report.problems.append("\(file.path): \(reason)")
            case .intact, .missingChunkIndex:
                report.bytesChecked += file.size
                if let index = try? blobs.chunkIndex(of: file.sha256) {
                    if index.id != file.chunkIndex { report.problems.append("\(file.path): chunk index does not match the manifest") }
                    if index.blobSize != file.size { report.problems.append("\(file.path): size \(index.blobSize), manifest says \(file.size)") }
                }
            }
        }
        let revocations = LabIdentity.revocations(home)
        let names = (try? FileSystem.contentsOfDirectory(indexPath + "/" + id.hex)) ?? []
        for name in names.sorted() {
            guard let statementID = try? ContentID(parsing: name) else { continue }
            do {
                let signed = try signedStatement(statementID)
                guard try signed.statementID() == statementID else {
                    report.problems.append("statement \(statementID.shortHex()): stored bytes do not match its ID")
                    continue
                }
                report.statements.append(try signed.verify(revocations: revocations))
            } catch let error as StoreError {
                report.problems.append("statement \(statementID.shortHex()): \(error)")
            } catch {
                report.problems.append("statement \(statementID.shortHex()): \(error)")
            }
        }
        if !report.statements.contains(where: { $0.statement.kind == .publish && $0.identity == manifest.publisher }) {
            report.problems.append("no valid publish statement by the publisher \(manifest.publisher.text)")
        }
        return report
    }
}
