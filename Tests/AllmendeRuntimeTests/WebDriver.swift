// WebDriver.swift: drives a real headless Chromium through chromedriver (W3C WebDriver over HTTP/JSON), for the
// browser tests of the web face. Needs the Debian packages chromium and chromium-driver (.ci/run installs them).

import AllmendeSystem
import Foundation

final class WebDriver {
    let process: Process
    let port: UInt16
    var session = ""
    let downloads: String

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Starts chromedriver and a headless browser session that saves downloads in `downloads`.
    init(downloads: String) throws {
        guard let driver = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw Failure(description: "chromedriver is missing: apt-get install chromium chromium-driver (the browser tests need them)")
        }
        self.downloads = downloads
        // A free port: bind to 0, read it, close.
        let (probe, free) = try Socket.listen(on: SocketAddress(host: "127.0.0.1", port: 0))
        probe.close()
        port = free
        process = Process()
        process.executableURL = URL(fileURLWithPath: driver)
        process.arguments = ["--port=\(port)", "--allowed-ips=127.0.0.1"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if let status = try? call("GET", "/status"), (status["value"] as? [String: Any])?["ready"] as? Bool == true { break }
            usleep(50_000)
        }
        let capabilities: [String: Any] = ["capabilities": ["alwaysMatch": ["browserName": "chrome", "goog:chromeOptions": [
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1200,900", "--no-first-run"],
            "prefs": ["download.default_directory": downloads, "download.prompt_for_download": false],
        ] as [String: Any]]]]
        let created = try call("POST", "/session", capabilities)
        guard let value = created["value"] as? [String: Any], let id = value["sessionId"] as? String else {
            throw Failure(description: "chromedriver did not start a session: \(created)")
        }
        session = id
        _ = try? call("POST", "/session/\(session)/goog/cdp/execute", ["cmd": "Browser.setDownloadBehavior", "params": ["behavior": "allow", "downloadPath": downloads]])
    }

    deinit {
        if !session.isEmpty { _ = try? call("DELETE", "/session/\(session)") }
        // SIGKILL: a test runner may block SIGTERM in the processes it starts.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func open(_ url: String) throws { _ = try call("POST", "/session/\(session)/url", ["url": url]) }

    /// The first element matching `css`, or nil.
    func element(_ css: String) throws -> String? {
        let reply = try call("POST", "/session/\(session)/element", ["using": "css selector", "value": css], allowError: true)
        return ((reply["value"] as? [String: Any])?.first { $0.key.hasPrefix("element-") })?.value as? String
    }

    func elements(_ css: String) throws -> [String] {
        let reply = try call("POST", "/session/\(session)/elements", ["using": "css selector", "value": css])
        return (reply["value"] as? [[String: Any]] ?? []).compactMap { $0.first { $0.key.hasPrefix("element-") }?.value as? String }
    }

    func text(_ element: String) throws -> String { try call("GET", "/session/\(session)/element/\(element)/text")["value"] as? String ?? "" }

    func click(_ element: String) throws { _ = try call("POST", "/session/\(session)/element/\(element)/click", [:]) }

    func type(_ text: String, into element: String) throws {
        _ = try call("POST", "/session/\(session)/element/\(element)/clear", [:])
        _ = try call("POST", "/session/\(session)/element/\(element)/value", ["text": text])
    }

    /// Runs `script` in the page and returns its result.
    func execute(_ script: String) throws -> Any? { try call("POST", "/session/\(session)/execute/sync", ["script": script, "args": []])["value"] }

    /// The text of an open alert dialog, or nil if there is none.
    func alertText() throws -> String? {
        let reply = try call("GET", "/session/\(session)/alert/text", allowError: true)
        return reply["value"] as? String
    }

    func addCookie(name: String, value: String) throws {
        _ = try call("POST", "/session/\(session)/cookie", ["cookie": ["name": name, "value": value, "path": "/", "httpOnly": true]])
    }

    func screenshot(to path: String) throws {
        guard let base64 = try call("GET", "/session/\(session)/screenshot")["value"] as? String, let data = Data(base64Encoded: base64) else {
            throw Failure(description: "no screenshot")
        }
        try data.write(to: URL(fileURLWithPath: path))
    }

    /// Waits until `condition` holds (the page changes by itself: reloads, scripts).
    func waitUntil(_ timeout: Duration = .seconds(20), _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try condition() { return true }
            usleep(50_000)
        }
        return try condition()
    }

    private func call(_ method: String, _ path: String, _ body: [String: Any]? = nil, allowError: Bool = false) throws -> [String: Any] {
        let client = try HTTPTestClient(port: port)
        let payload = try body.map { try JSONSerialization.data(withJSONObject: $0) } ?? Data()
        client.send("\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/json\r\nContent-Length: \(payload.count)\r\nConnection: close\r\n\r\n")
        client.send([UInt8](payload))
        guard let reply = client.readReply(timeout: .seconds(60)) else { throw Failure(description: "\(method) \(path): no answer from chromedriver") }
        let value = (try? JSONSerialization.jsonObject(with: Data(reply.body))) as? [String: Any] ?? [:]
        if reply.status != 200 && !allowError { throw Failure(description: "\(method) \(path): \(reply.status) \(reply.text.prefix(300))") }
        return value
    }
}
