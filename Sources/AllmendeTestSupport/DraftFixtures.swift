// DraftFixtures.swift: AllmendeTestSupport. Drafts for tests of what `publish --check` and DraftCheck report.

/// Draft texts shared by the model and CLI tests.
public enum DraftFixtures {
    /// A draft with five problems: an unknown category (line 5), "licence" for "license" (6), a misspelt field
    /// (8), a number for a quantity and a "price" for "unitCost" (10).
    public static let broken = """
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
}
