// HolderFile.swift: AllmendeRuntime. The holder table saved in the node's home (`holders`): written by the
// daemon at most once a minute when it changed and when it stops, read at start and by the CLI (`holders`,
// `show`, `search`, `ls`). Spec: Protocol/holders.md "On disk".

import AllmendeCrypto
import AllmendeNode
import AllmendeStore
import AllmendeSystem
import Foundation

public enum HolderFile {
    public static func path(_ home: NodeHome) -> String { home.path + "/holders" }

    /// The saved states; none when there is no file yet. A damaged file throws (the caller says so and goes on
    /// without it: holders are learned again from peers).
    public static func load(_ home: NodeHome) throws -> [HolderUpdate] {
        guard FileSystem.exists(path(home)) else { return [] }
        return try HolderTableCodec.decode(try FileSystem.readFile(path(home), limit: 64 << 20))
    }

    /// A table of the saved states, as of `now` (expired states are left out).
    public static func table(_ home: NodeHome, now: Int64 = Int64(Date().timeIntervalSince1970)) throws -> HolderTable {
        var table = HolderTable()
        for state in try load(home) { _ = table.apply(state, now: now) }
        return table
    }

    static func save(_ states: [HolderUpdate], home: NodeHome) throws {
        try FileSystem.writeAtomically(HolderTableCodec.encode(states), to: path(home))
    }
}

extension NodeRuntime {
    /// How often a changed holder table is saved.
    static let holderSaveInterval: Duration = .seconds(60)

    /// Loads the saved holder table into the core (at start).
    func restoreHolders() {
        do {
            let states = try HolderFile.load(home)
            let now = Int64(Date().timeIntervalSince1970)
            core.withLock { core in
                core.wallTime = now
                core.restore(holders: states)
            }
        } catch {
            logger.warning("ignoring the saved holder table; holders are learned again from peers", ["reason": "\(error)"])
        }
    }

    /// Saves the holder table if it changed (at most every `holderSaveInterval`, or now when `force`).
    func saveHoldersIfChanged(force: Bool = false) {
        let now = ContinuousClock.now
        let due = state.withLock { state -> Bool in
            guard state.holdersChanged, force || state.holdersSaved.map({ now - $0 >= Self.holderSaveInterval }) ?? true else { return false }
            state.holdersChanged = false
            state.holdersSaved = now
            return true
        }
        guard due else { return }
        let wallTime = Int64(Date().timeIntervalSince1970)
        let states = core.withLock { $0.holders.states(now: wallTime) }
        do { try HolderFile.save(states, home: home) } catch {
            logger.warning("could not save the holder table (a local fault)", ["reason": "\(error)"])
            state.withLock { $0.holdersChanged = true }
        }
    }
}
