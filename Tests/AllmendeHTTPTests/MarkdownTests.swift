// MarkdownTests.swift: the Markdown subset renders what makers write, and nothing a hostile README writes can run.

import AllmendeHTTP
import Testing

@Suite("Markdown (safe subset)")
struct MarkdownTests {
    @Test("headings, paragraphs, lists, code, quotes, rules, emphasis and links")
    func blocks() {
        let html = Markdown.html("""
            # Assembly
            Cut the **ribs** first, then the *panels*.
            Glue with `PU D4`.

            - two side panels
            - five ribs
              (18 mm)
            1. dry fit
            2. glue

            > wear a mask

            ```
            G0 X0 Y0 <tool>
            ```
            ---
            See [the plan](drawings/plan.svg) or [WikiHouse](https://wikihouse.cc).
            """)
        #expect(html.contains("<h3>Assembly</h3>"))
        #expect(html.contains("<p>Cut the <strong>ribs</strong> first, then the <em>panels</em>.\nGlue with <code>PU D4</code>.</p>"))
        #expect(html.contains("<ul><li>two side panels</li><li>five ribs\n(18 mm)</li></ul>"))
        #expect(html.contains("<ol><li>dry fit</li><li>glue</li></ol>"))
        #expect(html.contains("<blockquote><p>wear a mask</p>\n</blockquote>"))
        #expect(html.contains("<pre><code>G0 X0 Y0 &lt;tool&gt;</code></pre>"))
        #expect(html.contains("<hr>"))
        #expect(html.contains("<a href=\"drawings/plan.svg\" rel=\"nofollow noopener noreferrer\">the plan</a>"))
        #expect(html.contains("<a href=\"https://wikihouse.cc\" rel=\"nofollow noopener noreferrer\">WikiHouse</a>"))
    }

    @Test("a scheme hidden by a combining mark or joiner after its ':' is still a scheme: no link", arguments: [
        "[x](j:\u{0653}x)", "[x](javascript:\u{200D}alert(1))", "[x](javascript:\u{0301}alert(1))", "[x](data:\u{FE0F}text/html,x)",
    ])
    func schemeBehindCombiningMark(input: String) {
        let html = Markdown.html(input)
        #expect(!html.contains("<a "), "\(html)")
        #expect(Markdown.html("[x](plans/wall\u{0301}.pdf)").contains("<a href=\"plans/wall\u{0301}.pdf\""), "relative links with marks still work")
    }

    @Test("a control character in a relative link (which the page would drop) is no link: /\\u{87}/host never becomes //host", arguments: [
        "`[\\\\](//)[a](/\u{87}/)n", "[a](/\u{87}/evil.example/x)", "[a](/\u{7F}/evil.example)", "[a](/\u{9F}/evil.example)",
    ])
    func controlCharacterInRelativeLink(input: String) {
        let html = Markdown.html(input)
        #expect(!html.contains("href=\"//"), "\(html)")
        #expect(!html.contains("<a "), "\(html)")
    }

    @Test("raw HTML is text, and links that could run script are dropped to their label", arguments: [
        "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))", "[x](JaVaScRiPt:alert(1))",
        "[x](data:text/html,<script>alert(1)</script>)", "[x](vbscript:msgbox)", "[x](//evil.example/)", "[x](java\tscript:alert(1))",
        "[x](\"onmouseover=\"alert(1))", "**<b>bold</b>**", "`</code><script>alert(1)</script>`", "<a href=\"javascript:alert(1)\">x</a>",
    ])
    func hostile(input: String) {
        let html = Markdown.html(input)
        #expect(!html.contains("<script"), "\(html)")
        #expect(!html.contains("<img"), "\(html)")
        #expect(!html.lowercased().contains("href=\"javascript"), "\(html)")
        #expect(!html.lowercased().contains("href=\"data:"), "\(html)")
        #expect(!html.contains("href=\"//"), "\(html)")
        #expect(!html.contains("<b>") && !html.contains("<a href=\"javascript"), "\(html)")
        // Every '<' that is not one of ours is escaped.
        let allowed = ["<p>", "</p>", "<strong>", "</strong>", "<em>", "</em>", "<code>", "</code>", "</a>", "<a href="]
        var rest = html
        for tag in allowed { rest = rest.replacingOccurrences(of: tag, with: "") }
        #expect(!rest.contains("<"), "\(html)")
    }

    @Test("a very long README is cut with a note; unclosed fences and emphasis stay text")
    func bounds() {
        let long = String(repeating: "word ", count: 60_000)
        #expect(Markdown.html(long).contains("(shortened"))
        #expect(Markdown.html("```\nnever closed <x>").contains("<pre><code>never closed &lt;x&gt;</code></pre>"))
        #expect(Markdown.html("a * b and c_d") == "<p>a * b and c_d</p>\n")
    }
}
