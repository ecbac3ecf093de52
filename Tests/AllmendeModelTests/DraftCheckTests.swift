// DraftCheckTests.swift: every problem of a draft at once, with line and column.

import AllmendeModel
import Testing

@Suite("Draft check")
struct DraftCheckTests {
    static let broken = """
        {
          "title": "Cargo bike trailer",
          "version": "0.1.0",
          "summary": "A trailer.",
          "category": "bikes",
          "licence": "CERN-OHL-S-2.0",
          "licensors": [{"name": "Test Lab"}],
          "desciption": "x",
          "documentationLanguage": ["en"],
          "bom": [{"item": "Bolt", "quantity": 6, "unit": "Stk.", "price": {"amount": "1", "currency": "€"}}]
        }
        """

    @Test("reports every problem in one run, in text order, each with line:column, a misspelt key once")
    func everyProblem() {
        let problems = DraftCheck.problems(in: Array(Self.broken.utf8))
        #expect(problems.map(\.path) == ["category", "license", "desciption", "bom[0].quantity", "bom[0].price"])
        #expect(problems.map { "\($0.line ?? 0):\($0.column ?? 0)" } == ["5:3", "6:3", "8:3", "10:28", "10:59"])
        #expect(problems[1].message.contains("did you mean 'license'"))
    }

    @Test("a syntax error gives its line and column in characters, not a byte offset")
    func syntax() {
        let problems = DraftCheck.problems(in: Array("{\n  \"title\": \"Bänk\",\n  \"version\" \"1\"\n}".utf8))
        #expect(problems.count == 1)
        #expect(problems[0].line == 3 && problems[0].column == 13)
    }

    @Test("a valid draft has no problems; a missing required field is reported and the rest still checked")
    func validAndMissing() {
        let valid = """
            {"title": "T", "version": "1.0.0", "summary": "S", "category": "other", "license": "CC0-1.0",
             "licensors": [{"name": "L"}], "documentationLanguage": ["en"]}
            """
        #expect(DraftCheck.problems(in: Array(valid.utf8)).isEmpty)
        let missing = """
            {"version": "1.0.0", "summary": "S", "category": "other", "license": "CC0-1.0",
             "licensors": [{"name": "L"}], "documentationLanguage": ["en"], "colour": "red"}
            """
        #expect(Set(DraftCheck.problems(in: Array(missing.utf8)).map(\.path)) == ["title", "colour"])
    }
}
