// DesignManifestTests.swift: manifest parsing, validation messages and stable package IDs.

import AllmendeCrypto
import AllmendeModel
import AllmendeTestSupport
import CanonicalJSON
import Foundation
import Testing

@Suite("Design manifest")
struct DesignManifestTests {
    @Test("parses, round-trips through canonical JSON, and has a stable ID")
    func roundTrip() throws {
        let manifest = try DesignManifest(parsing: Array(Fixtures.manifestJSON().utf8))
        #expect(manifest.info.title == "Wall block M")
        #expect(manifest.info.license.description == "CC-BY-SA-4.0")
        #expect(manifest.publisher == Fixtures.lab)
        #expect(manifest.files.count == 1)
        let bytes = try manifest.canonicalBytes()
        let again = try DesignManifest(parsing: bytes)
        #expect(again == manifest)
        #expect(try again.packageID() == manifest.packageID())
        #expect(try manifest.packageID() == SHA256Hasher.hash(bytes))
    }

    @Test("key order and whitespace do not change the package ID")
    func keyOrder() throws {
        let original = try JSONParser.parse(Fixtures.manifestJSON())
        guard case let .object(members) = original else { Issue.record("not an object"); return }
        // Re-serialise with reversed insertion order and pretty spacing.
        let reversed = "{\n" + members.keys.sorted(by: >).map { key in
            "  \"\(key)\" :  " + (try! CanonicalEncoder.string(members[key]!))
        }.joined(separator: ",\n") + "\n}"
        #expect(try DesignManifest(parsing: Array(reversed.utf8)).packageID() == DesignManifest(parsing: Array(Fixtures.manifestJSON().utf8)).packageID())
    }

    @Test("a total size past 2^53 is refused naming the file, never a trap; 2^53 exactly is accepted")
    func totalSizeLimits() throws {
        let overflowing = try manifestWithFiles(1024, size: 1 << 53, publisher: Fixtures.lab.text)
        do {
            _ = try DesignManifest(parsing: overflowing)
            Issue.record("accepted 1,024 files of 2^53 bytes")
        } catch {
            #expect(error == .invalidField(path: "files[1].size", reason: "the files' total size passes 9007199254740992 bytes (2^53)"))
        }
        let atLimit = try DesignManifest(parsing: manifestWithFiles(1024, size: 1 << 43, publisher: Fixtures.lab.text))
        #expect(atLimit.totalSize == 1 << 53)
        #expect(PackageSummary(manifest: atLimit).size == 1 << 53)
        // Built in memory (not parsed), sizes can be anything: the total saturates instead of trapping.
        var huge = atLimit
        huge.files = huge.files.map { file in var copy = file; copy.size = Int.max / 2; return copy }
        #expect(huge.totalSize == Int.max)
    }

    @Test("bad manifests are refused with the field named", arguments: [
        (#"{"schema": "allmende/design-package/9"}"#, "unknown schema 'allmende/design-package/9'"),
        (#"{"schema": "allmende/design-package/1", "schema": "x"}"#, "duplicate key \"schema\""),
        (Fixtures.manifestJSON(extra: #""colour": "red","#), "colour: unknown field"),
        (Fixtures.manifestJSON(title: String(repeating: "x", count: 121)), "title: is 121 characters long, the limit is 120"),
        (Fixtures.manifestJSON(extra: #""tags": "timber","#), "tags: expected an array"),
        (Fixtures.manifestJSON(extra: #""tags": [],"#), "tags: is empty"),
        (Fixtures.manifestJSON(extra: #""tags": ["Timber"],"#), "tags[0]: 'Timber' must be lowercase"),
        (Fixtures.manifestJSON(bom: #""bom": [{"item": "Plywood", "quantity": "-3", "unit": "sheet"}],"#), "bom[0].quantity: '-3' is not a quantity"),
        (Fixtures.manifestJSON(bom: #""bom": [{"item": "Plywood", "quantity": "3", "unit": "furlong"}],"#), "bom[0].unit: 'furlong' is not a unit"),
        (Fixtures.manifestJSON(bom: #""bom": [{"item": "Plywood", "quantity": "0", "unit": "pcs"}],"#), "bom[0].quantity: must be greater than 0"),
        (Fixtures.manifestJSON(bom: #""bom": [{"item": "X", "quantity": "1", "unit": "pcs", "unitCost": {"amount": "3", "currency": "eur"}}],"#),
         "bom[0].unitCost.currency: 'eur' is not an ISO 4217 code"),
        (Fixtures.manifestJSON(extra: #""readiness": "OTRL-9","#), "readiness: 'OTRL-9' is not one of"),
        (Fixtures.manifestJSON(extra: #""homepage": "ftp://x","#), "homepage: 'ftp://x' is not an http(s) URL"),
        (Fixtures.manifestJSON(extra: #""derivedFrom": [{"package": "abc", "note": "x"}],"#), "derivedFrom[0].package: 'abc' is not a content ID"),
        (Fixtures.manifestJSON(extra: #""description": "bell\u0007","#), "description: contains control character U+7"),
    ])
    func refusals(json: String, message: String) {
        do {
            _ = try DesignManifest(parsing: Array(json.utf8))
            Issue.record("accepted a bad manifest")
        } catch {
            #expect(error.description.contains(message), "message was: \(error.description)")
        }
    }

    @Test("a signed manifest must be in normal form; a draft may be lenient", arguments: [
        ("\"license\": \"CC-BY-SA-4.0\"", "\"license\": \"cc-by-sa-4.0\"", "license: is not in normal form; a signed document must write it as \"CC-BY-SA-4.0\""),
        ("\"role\": \"cutting-file\"}]", "\"role\": \"cutting-file\"}], \"bom\": [{\"item\": \"Plywood\", \"quantity\": \"2\", \"unit\": \"m²\"}]",
         "bom[0].unit: is not in normal form"),
    ])
    func normalForm(original: String, replacement: String, message: String) throws {
        let json = Fixtures.manifestJSON().replacingFirst(original, with: replacement)
        do {
            _ = try DesignManifest(parsing: Array(json.utf8))
            Issue.record("accepted a manifest that is not in normal form")
        } catch {
            #expect(error.description.hasPrefix(message), "message was: \(error)")
        }
        // The same text as a draft (without schema and publisher) is accepted and normalised.
        var draft = json.replacingFirst("\"schema\": \"allmende/design-package/1\",", with: "")
        draft = draft.replacingFirst("\"publisher\": \"\(Fixtures.lab.text)\",", with: "")
        draft = String(draft[..<draft.range(of: "\"files\"")!.lowerBound]).trimmingCharacters(in: .whitespacesAndNewlines)
        draft = String(draft.dropLast()) + "}"
        #expect(throws: Never.self) { try PackageDraft(parsing: Array(draft.utf8)) }
    }

    @Test("a bad license names the field and the nearest known ID")
    func badLicense() {
        let json = Fixtures.manifestJSON().replacingFirst("\"CC-BY-SA-4.0\"", with: "\"CC-BY-SA-4\"")
        do {
            _ = try DesignManifest(parsing: Array(json.utf8))
            Issue.record("accepted an unknown license")
        } catch {
            #expect(error.description == "license: invalid license expression 'CC-BY-SA-4' at character 1: unknown license 'CC-BY-SA-4' — did you mean CC-BY-SA-4.0? (or write LicenseRef-CC-BY-SA-4 for a license outside the SPDX list)")
        }
    }

    @Test("file paths that could escape the package folder are refused", arguments: [
        "../etc/passwd", "/etc/passwd", "cnc/../../x", "a//b", "a/./b", "dir\\file", "trailing/", "",
    ])
    func badPaths(path: String) {
        #expect(throws: ModelError.self) { try PackagePath(validating: path) }
        let json = Fixtures.manifestJSON().replacingFirst("cnc/wall-m-a.dxf", with: path.replacingFirst("\\", with: "\\\\"))
        #expect(throws: ModelError.self) { try DesignManifest(parsing: Array(json.utf8)) }
    }

    @Test("files must not be empty or repeated")
    func fileList() {
        let empty = Fixtures.manifestJSON().replacingFirst("\"files\": [", with: "\"files\": [], \"x-ignored\": [")
        #expect(throws: ModelError.self) { try DesignManifest(parsing: Array(empty.utf8)) }
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}

@Suite("Draft field names people get wrong")
struct DraftFieldNameTests {
    static func draft(_ fields: String) -> String {
        """
        {"title": "Hitch", "version": "1.0.0", "summary": "A hitch", "category": "mobility", \(fields)
         "licensors": [{"name": "Test Lab"}], "documentationLanguage": ["en"]}
        """
    }

    @Test("a misspelt or informal field name gets 'did you mean'", arguments: [
        (#""licence": "CERN-OHL-S-2.0","#, "license: is required (there is 'licence': did you mean 'license'?)"),
        (#""license": "CERN-OHL-S-2.0", "desciption": "x","#, "desciption: unknown field; did you mean 'description'?"),
        (#""license": "CERN-OHL-S-2.0", "bom": [{"item": "Bolt", "quantity": "2", "unit": "pcs", "price": {"amount": "1", "currency": "EUR"}}],"#,
         "bom[0].price: unknown field; did you mean 'unitCost'?"),
        (#""license": "CERN-OHL-S-2.0", "colour": "red","#, "colour: unknown field"),
        (#""license": "CERN-OHL-S-2.0", "bom": [{"item": "Bolt", "quantity": 6, "unit": "pcs"}],"#,
         #"bom[0].quantity: write "6" (a decimal string, so no digit is lost), not the number 6"#),
        (#""license": "CERN-OHL-S-2.0", "bom": [{"item": "Bolt", "quantity": "6", "unit": "pcs", "unitCost": {"amount": "1", "currency": "€"}}],"#,
         "bom[0].unitCost.currency: write EUR (the ISO 4217 code), not '€'"),
        (#""license": "CERN-OHL-S-2.0", "bom": [{"item": "Bolt", "quantity": "6", "unit": "pcs", "unitCost": {"amount": "1", "currency": "eur"}}],"#,
         "bom[0].unitCost.currency: 'eur' is not an ISO 4217 code; write EUR"),
        (#""license": "CERN-OHL-S-2.0", "bom": [{"item": "Rod", "quantity": "6", "unit": "in"}],"#,
         "bom[0].unit: 'in' is not a unit; write mm (1 in = 25.4 mm); use one of pcs, m, cm, mm, m2, m3, kg, g, t, l, ml, sheet, set"),
    ])
    func suggestions(fields: String, message: String) {
        let error = #expect(throws: ModelError.self) { try PackageDraft(parsing: Array(Self.draft(fields).utf8)) }
        #expect(error?.description == message)
    }

    @Test("German unit spellings and a byte-order mark are accepted in a draft")
    func accepted() throws {
        let text = Self.draft(#""license": "CERN-OHL-S-2.0", "bom": [{"item": "Bolt", "quantity": "6", "unit": "Stück"}, {"item": "Board", "quantity": "1", "unit": "Platte"}],"#)
        let draft = try PackageDraft(parsing: [0xEF, 0xBB, 0xBF] + Array(text.utf8))
        #expect(draft.info.bom.map(\.unit) == [.pieces, .sheet])
    }
}
