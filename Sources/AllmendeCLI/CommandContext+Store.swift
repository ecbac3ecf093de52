// CommandContext+Store.swift: AllmendeCLI. Resolving the home folder and store, printing JSON, mapping errors.

import AllmendeCrypto
import AllmendeStore
import CanonicalJSON

extension CommandContext {
    /// The node home folder chosen by --home / $ALLMENDE_HOME / ~/.allmende.
    func home() throws(CLIError) -> NodeHome {
        do { return try NodeHome.resolve(flag: arguments.value("--home"), environment: environment) } catch {
            throw .failure(error.description)
        }
    }

    /// The blob store of the home folder, created on first use.
    func store() throws(CLIError) -> BlobStore {
        let home = try home()
        do {
            try home.create()
            return try BlobStore(home: home)
        } catch {
            throw .failure(error.description)
        }
    }

    /// Resolves a full ID or a typed prefix against the store.
    func resolve(_ text: String, in store: BlobStore) throws(CLIError) -> ContentID {
        do {
            return try store.resolve(try ContentIDPrefix(parsing: text))
        } catch let error as CryptoError {
            // A malformed ID is a usage error (exit 2), not a failure.
            throw .usage(error.description, command: nil)
        } catch let error as StoreError {
            throw .failure(error.description)
        } catch {
            throw .failure("\(error)")
        }
    }

    /// Prints `value` as one line of canonical JSON.
    func printJSON(_ value: JSONValue) {
        console.line((try? CanonicalEncoder.string(value)) ?? "null")
    }
}

extension StoreError {
    /// This error as a CLI failure (exit 1), or damage (exit 3) when stored data is corrupt.
    var cliError: CLIError {
        switch self {
        case .hashMismatch, .corruptChunk, .packageDamaged: return .damage(description)
        default: return .failure(description)
        }
    }
}

/// Runs a store operation, turning its error into the CLI's.
@discardableResult
func attempt<T>(_ body: () throws(StoreError) -> T) throws(CLIError) -> T {
    do { return try body() } catch { throw error.cliError }
}
