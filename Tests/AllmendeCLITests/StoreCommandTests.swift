// StoreCommandTests.swift: init/id/hash/store/fsck through the CLI, in-process, on temp home folders.

import AllmendeCLI
import AllmendeCrypto
import AllmendeStore
import AllmendeSystem
import AllmendeTestSupport
import Foundation
import Testing

@Suite("CLI commands")
struct StoreCommandTests {
    @Test("init creates the home once and id prints the same node ID")
    func initAndID() throws {
        try withTempDirectory("cli") { folder throws in
            let home = folder.file("home")
            let first = runCLI(["init"], home: home)
            #expect(first.status == 0)
            #expect(first.output.hasPrefix("Initialised node home \(home)\n"))
            let id = runCLI(["id"], home: home)
            #expect(id.status == 0)
            let nodeID = try NodeID(parsing: id.output)
            #expect(first.output.contains(nodeID.text))
            let second = runCLI(["init", "--json"], home: home)
            #expect(second.output == "{\"created\":false,\"home\":\"\(home)\",\"nodeID\":\"\(nodeID.text)\"}\n")
            // --home wins over $ALLMENDE_HOME.
            let other = runCLI(["--home", folder.file("other"), "init"], home: home)
            #expect(other.status == 0)
            #expect(!other.output.contains(nodeID.text))
        }
    }

    @Test("id before init explains what to do")
    func idBeforeInit() throws {
        try withTempDirectory("cli") { folder throws in
            let run = runCLI(["id"], home: folder.file("home"))
            #expect(run.status == ExitCode.failure)
            #expect(run.error == "error: no node key at '\(folder.file("home"))/keys/node.pem'; run 'allmende init' first\n")
        }
    }

    @Test("an unreadable or unsafe key file is a clear error, exit 1")
    func unreadableKey() throws {
        try withTempDirectory("cli") { folder throws in
            let home = folder.file("home")
            #expect(runCLI(["init"], home: home).status == 0)
            let keyPath = home + "/keys/node.pem"
            try FileSystem.writeAtomically(Array("this is not a key\n".utf8), to: keyPath, mode: 0o600)
            let garbage = runCLI(["id"], home: home)
            #expect(garbage.status == ExitCode.failure)
            #expect(garbage.error.hasPrefix("error: not a PEM private key: no '-----BEGIN PRIVATE KEY-----' line"))
            try FileSystem.writeAtomically(Array("-----BEGIN ENCRYPTED PRIVATE KEY-----\nabc\n".utf8), to: keyPath, mode: 0o600)
            #expect(runCLI(["id"], home: home).error.hasPrefix("error: the private key file is encrypted"))
            chmod(keyPath, 0o640)
            #expect(runCLI(["id"], home: home).error.contains("are too open"))
            #expect(runCLI(["init"], home: home).status == ExitCode.failure)
        }
    }

    @Test("hash prints exactly what sha256sum prints, escapes included")
    func hashMatchesSha256sum() throws {
        try withTempDirectory("cli") { folder throws in
            let names = ["plain.svg", "with space.dxf", "back\\slash.txt", "new\nline.md"]
            var paths: [String] = []
            for (number, name) in names.enumerated() {
                paths.append(try folder.write(name, pseudoRandomBytes(count: 1000 * number + 1, seed: UInt64(number))))
            }
            let ours = runCLI(["hash"] + paths)
            let theirs = try ProcessRunner.run("sha256sum", paths)
            #expect(ours.status == 0)
            #expect(ours.output == theirs.standardOutput)
        }
    }

    @Test("hash of a missing file or a folder names it and exits 1, still hashing the others")
    func hashMissingFile() throws {
        try withTempDirectory("cli") { folder throws in
            let good = try folder.write("good.txt", text: "ok")
            let run = runCLI(["hash", folder.file("missing.txt"), good, folder.path])
            #expect(run.status == ExitCode.failure)
            #expect(run.error.contains("error: open '\(folder.file("missing.txt"))': no such file or directory"))
            #expect(run.error.contains("is a directory"))
            #expect(run.output == SHA256Hasher.hash(Array("ok".utf8)).hex + "  " + good + "\n")
        }
    }

    @Test("store add, ls, cat and rm round-trip, with prefixes and JSON")
    func storeRoundTrip() throws {
        try withTempDirectory("cli") { folder throws in
            let home = folder.file("home")
            let data = pseudoRandomBytes(count: 2 * ChunkIndex.defaultChunkSize + 77, seed: 42)
            let path = try folder.write("end-plate.svg", data)
            let id = SHA256Hasher.hash(data)
            let add = runCLI(["store", "add", path], home: home)
            #expect(add.status == 0)
            #expect(add.output == id.hex + "  " + path + "\n")
            let json = runCLI(["store", "add", "--json", path], home: home)
            #expect(json.output.contains("\"alreadyStored\":true"))
            #expect(json.output.contains("\"chunks\":3"))
            #expect(runCLI(["store", "ls"], home: home).output == id.hex + "  2.0 MiB\n")
            #expect(runCLI(["store", "ls", "--json"], home: home).output == "[{\"id\":\"\(id.hex)\",\"size\":\(data.count)}]\n")
            let cat = runCLI(["store", "cat", String(id.hex.prefix(8))], home: home)
            #expect(cat.status == 0)
            #expect(cat.outputBytes == data)
            #expect(runCLI(["store", "rm", id.hex], home: home).output == "removed \(id.hex)\n")
            let gone = runCLI(["store", "cat", id.hex], home: home)
            #expect(gone.status == ExitCode.failure)
            #expect(gone.error == "error: no blob \(id.hex) in the store\n")
            #expect(runCLI(["store", "cat", "xyz1"], home: home).error.hasPrefix("error: 'xyz1' is not a content ID"))
        }
    }

    @Test("store cat refuses to pass on a corrupt chunk; fsck reports it with exit 3 and --repair fixes the store")
    func corruptBlob() throws {
        try withTempDirectory("cli") { folder throws in
            let home = folder.file("home")
            let chunk = ChunkIndex.defaultChunkSize
            let data = pseudoRandomBytes(count: 3 * chunk, seed: 8)
            let path = try folder.write("panel.dxf", data)
            #expect(runCLI(["store", "add", path], home: home).status == 0)
            let id = SHA256Hasher.hash(data)
            let blob = home + "/store/blobs/" + id.hex.prefix(2) + "/" + id.hex
            chmod(blob, 0o644)
            let descriptor = try FileDescriptor.open(blob, O_WRONLY)
            var flipped = [data[2 * chunk + 10] ^ 0xFF]
            _ = flipped.withUnsafeMutableBytes { pwrite(descriptor.rawValue, $0.baseAddress, 1, off_t(2 * chunk + 10)) }
            descriptor.close()

            let cat = runCLI(["store", "cat", id.hex], home: home)
            #expect(cat.status == ExitCode.damage)
            #expect(cat.outputBytes == Array(data[0..<(2 * chunk)]))   // the good chunks only
            #expect(cat.error.hasPrefix("error: chunk 2 of blob \(id.hex) in the store is corrupt"))

            let fsck = runCLI(["fsck"], home: home)
            #expect(fsck.status == ExitCode.damage)
            #expect(fsck.output.contains("corrupt blob \(id.hex)"))
            #expect(fsck.output.contains("bad chunks: 2"))
            #expect(fsck.output.hasSuffix("checked 1 blobs (3.0 MiB): 1 problem\n"))
            let json = runCLI(["fsck", "--json"], home: home)
            #expect(json.output.contains("\"kind\":\"corrupt\""))
            #expect(json.output.contains("\"clean\":false"))
            let repair = runCLI(["fsck", "--repair"], home: home)
            #expect(repair.status == ExitCode.success)
            #expect(repair.output.contains("repaired: moved corrupt blob"))
            #expect(runCLI(["fsck"], home: home).status == ExitCode.success)
            #expect(runCLI(["store", "ls"], home: home).output.isEmpty)
        }
    }
}
