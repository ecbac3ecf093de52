// FileSystemTests.swift: atomic and exclusive writes, path helpers, and errors that name the path.

import AllmendeSystem
import AllmendeTestSupport
import Foundation
import Testing

@Suite("FileSystem")
struct FileSystemTests {
    @Test("atomic writes replace content whole and leave no temporary files")
    func atomicWrite() throws {
        try withTempDirectory("fs") { folder throws in
            let path = folder.file("config.json")
            try FileSystem.writeAtomically(Array("one".utf8), to: path, mode: 0o600)
            try FileSystem.writeAtomically(Array("two".utf8), to: path, mode: 0o600)
            #expect(try FileSystem.readFile(path) == Array("two".utf8))
            #expect(try FileSystem.contentsOfDirectory(folder.path) == ["config.json"])
            #expect(try #require(try FileSystem.linkStatus(path)).st_mode & 0o777 == 0o600)
        }
    }

    @Test("exclusive writes never replace an existing file")
    func exclusiveWrite() throws {
        try withTempDirectory("fs") { folder throws in
            let path = folder.file("node.pem")
            #expect(try FileSystem.writeExclusively(Array("first".utf8), to: path, mode: 0o600))
            #expect(try !FileSystem.writeExclusively(Array("second".utf8), to: path, mode: 0o600))
            #expect(try FileSystem.readFile(path) == Array("first".utf8))
            #expect(try FileSystem.contentsOfDirectory(folder.path) == ["node.pem"])
        }
    }

    @Test("reading refuses files over the limit and names missing paths")
    func readErrors() throws {
        try withTempDirectory("fs") { folder throws in
            let path = try folder.write("big.bin", [UInt8](repeating: 7, count: 1000))
            #expect(throws: SystemError.self) { try FileSystem.readFile(path, limit: 999) }
            #expect(try FileSystem.readFile(path, limit: 1000).count == 1000)
            let error = #expect(throws: SystemError.self) { try FileSystem.readFile(folder.file("absent")) }
            #expect(error?.isNotFound == true)
            #expect(error?.description == "open '\(folder.file("absent"))': no such file or directory")
        }
    }

    @Test("directories are created with parents and removed as trees")
    func directories() throws {
        try withTempDirectory("fs") { folder throws in
            try FileSystem.makeDirectories(folder.file("a/b/c"))
            try folder.write("a/b/c/file", [1, 2, 3])
            #expect(try FileSystem.kind(of: folder.file("a/b")) == .directory)
            #expect(try FileSystem.kind(of: folder.file("a/b/c/file")) == .regular)
            try FileSystem.removeTree(folder.file("a"))
            #expect(try FileSystem.kind(of: folder.file("a")) == nil)
            try folder.write("plain", [1])
            #expect(throws: SystemError.self) { try FileSystem.makeDirectories(folder.file("plain/sub")) }
        }
    }

    @Test("tree removal takes names that are not UTF-8 and leaves symbolic-link targets alone")
    func removeOddTree() throws {
        try withTempDirectory("fs") { folder throws in
            try FileSystem.makeDirectories(folder.file("tree/sub"))
            try folder.write("outside/keep", [7])
            // "caf\xE9.svg" in Latin-1: a name String cannot hold, created through the C API.
            let odd: [CChar] = Array((folder.file("tree/sub") + "/caf").utf8CString.dropLast()) + [CChar(bitPattern: 0xE9)]
                + Array(".svg".utf8CString)
            let fd = open(odd, O_WRONLY | O_CREAT, 0o644)
            #expect(fd >= 0)
            close(fd)
            #expect(symlink(folder.file("outside"), folder.file("tree/link")) == 0)
            #expect(try FileSystem.contentsOfDirectory(folder.file("tree/sub")).count == 1)
            try FileSystem.removeTree(folder.file("tree"))
            #expect(try FileSystem.kind(of: folder.file("tree")) == nil)
            #expect(try FileSystem.readFile(folder.file("outside/keep")) == [7])
        }
    }

    @Test("path helpers", arguments: [("/a/b/c", "/a/b", "c"), ("a/b/", "a", "b"), ("c", ".", "c"), ("/c", "/", "c")])
    func paths(path: String, parent: String, last: String) {
        #expect(FileSystem.parentDirectory(of: path) == parent)
        #expect(FileSystem.lastComponent(of: path) == last)
    }
}
