// TOMLSpecTests.swift: the TOML 1.0 parser against the examples of the TOML 1.0.0 specification (written out here
// section by section) and the documents the specification calls invalid, each refused at its line and column.

import AllmendeTOML
import Testing

@Suite("TOML 1.0: the specification's examples")
struct TOMLSpecTests {
    static func parse(_ text: String) throws -> TOMLTable { try TOML.parse(text) }

    @Test("the example document at the top of the specification")
    func overview() throws {
        let doc = try Self.parse("""
            # This is a TOML document

            title = "TOML Example"

            [owner]
            name = "Tom Preston-Werner"
            dob = 1979-05-27T07:32:00-08:00

            [database]
            enabled = true
            ports = [ 8000, 8001, 8002 ]
            data = [ ["delta", "phi"], [3.14] ]
            temp_targets = { cpu = 79.5, case = 72.0 }

            [servers]

            [servers.alpha]
            ip = "10.0.0.1"
            role = "frontend"

            [servers.beta]
            ip = "10.0.0.2"
            role = "backend"
            """)
        #expect(doc["title"] == .string("TOML Example"))
        #expect(doc["owner"]?["dob"] == .dateTime(TOMLDateTime(kind: .offsetDateTime, text: "1979-05-27T07:32:00-08:00")))
        #expect(doc["database"]?["ports"] == .array([.integer(8000), .integer(8001), .integer(8002)]))
        #expect(doc["database"]?["data"] == .array([.array([.string("delta"), .string("phi")]), .array([.float(3.14)])]))
        #expect(doc["database"]?["temp_targets"]?["case"] == .float(72.0))
        #expect(doc["servers"]?["beta"]?["role"] == .string("backend"))
        #expect(doc.keys == ["title", "owner", "database", "servers"])
    }

    @Test("keys: bare, quoted, empty quoted, dotted with whitespace, dotted keys building tables in any order")
    func keys() throws {
        let doc = try Self.parse("""
            key = "value"
            bare_key = "value"
            bare-key = "value"
            1234 = "value"
            "127.0.0.1" = "value"
            "character encoding" = "value"
            "ʎǝʞ" = "value"
            'key2' = "value"
            'quoted "value"' = "value"
            "" = "blank"
            name = "Orange"
            physical.color = "orange"
            physical.shape = "round"
            site."google.com" = true
            fruit.name = "banana"     # this is best practice
            fruit. color = "yellow"    # same as fruit.color
            fruit . flavor = "banana"   # same as fruit.flavor
            apple.type = "fruit"
            orange.type = "fruit"
            apple.skin = "thin"
            3.14159 = "pi"
            """)
        #expect(doc["ʎǝʞ"] == .string("value") && doc["quoted \"value\""] == .string("value") && doc[""] == .string("blank"))
        #expect(doc["site"]?["google.com"] == .boolean(true))
        #expect(doc["fruit"]?["flavor"] == .string("banana"))
        #expect(doc["apple"]?["skin"] == .string("thin"))
        #expect(doc["3"]?["14159"] == .string("pi"))
        #expect(doc["127.0.0.1"] == .string("value"))
    }

    @Test("strings: escapes, multi-line basic with line-ending backslashes, literal and multi-line literal, quotes at the end")
    func strings() throws {
        let doc = try Self.parse(#"""
            str = "I'm a string. \"You can quote me\". Name\tJos\u00E9\nLocation\tSF."
            str1 = """
            Roses are red
            Violets are blue"""
            str2 = "The quick brown fox jumps over the lazy dog."
            str3 = """
            The quick brown \


              fox jumps over \
                the lazy dog."""
            str4 = """Here are two quotation marks: "". Simple enough."""
            str5 = """Here are three quotation marks: ""\"."""
            str7 = """"This," she said, "is just a pointless statement.""""
            winpath  = 'C:\Users\nodejs\templates'
            quoted   = 'Tom "Dubs" Preston-Werner'
            regex    = '<\i\c*\s*>'
            regex2 = '''I [dw]on't need \d{2} apples'''
            lines  = '''
            The first newline is
            trimmed in raw strings.
               All other whitespace
               is preserved.
            '''
            quot15 = '''Here are fifteen quotation marks: """""""""""""""'''
            apos15 = "Here are fifteen apostrophes: '''''''''''''''"
            str8 = ''''That,' she said, 'is still pointless.''''
            emoji = "\U0001F527"
            """#)
        #expect(doc["str"] == .string("I'm a string. \"You can quote me\". Name\tJos\u{E9}\nLocation\tSF."))
        #expect(doc["str1"] == .string("Roses are red\nViolets are blue"))
        #expect(doc["str3"] == doc["str2"])
        #expect(doc["str4"] == .string("Here are two quotation marks: \"\". Simple enough."))
        #expect(doc["str5"] == .string("Here are three quotation marks: \"\"\"."))
        #expect(doc["str7"] == .string("\"This,\" she said, \"is just a pointless statement.\""))
        #expect(doc["winpath"] == .string(#"C:\Users\nodejs\templates"#))
        #expect(doc["regex2"] == .string(#"I [dw]on't need \d{2} apples"#))
        #expect(doc["lines"] == .string("The first newline is\ntrimmed in raw strings.\n   All other whitespace\n   is preserved.\n"))
        #expect(doc["quot15"] == .string("Here are fifteen quotation marks: " + String(repeating: "\"", count: 15)))
        #expect(doc["str8"] == .string("'That,' she said, 'is still pointless.'"))
        #expect(doc["emoji"] == .string("\u{1F527}"))
    }

    @Test("integers and floats in every form the specification shows")
    func numbers() throws {
        let doc = try Self.parse("""
            int1 = +99
            int2 = 42
            int3 = 0
            int4 = -17
            int5 = 1_000
            int6 = 5_349_221
            int7 = 53_49_221
            int8 = 1_2_3_4_5
            hex1 = 0xDEADBEEF
            hex2 = 0xdeadbeef
            hex3 = 0xdead_beef
            oct1 = 0o01234567
            oct2 = 0o755
            bin1 = 0b11010110
            max = 9_223_372_036_854_775_807
            min = -9_223_372_036_854_775_808
            flt1 = +1.0
            flt2 = 3.1415
            flt3 = -0.01
            flt4 = 5e+22
            flt5 = 1e06
            flt6 = -2E-2
            flt7 = 6.626e-34
            flt8 = 224_617.445_991_228
            sf1 = inf
            sf2 = +inf
            sf3 = -inf
            sf4 = nan
            sf6 = -nan
            zero = -0.0
            """)
        #expect(doc["int1"] == .integer(99) && doc["int4"] == .integer(-17) && doc["int7"] == .integer(5_349_221) && doc["int8"] == .integer(12345))
        #expect(doc["hex3"] == .integer(0xdeadbeef) && doc["oct1"] == .integer(0o1234567) && doc["oct2"] == .integer(493) && doc["bin1"] == .integer(214))
        #expect(doc["max"] == .integer(.max) && doc["min"] == .integer(.min))
        #expect(doc["flt4"] == .float(5e22) && doc["flt5"] == .float(1e6) && doc["flt6"] == .float(-0.02) && doc["flt8"] == .float(224617.445991228))
        #expect(doc["sf3"] == .float(-.infinity) && doc["sf4"] == .float(.nan))
        if case let .float(zero)? = doc["zero"] { #expect(zero == 0 && zero.sign == .minus) } else { Issue.record("-0.0 is a float") }
    }

    @Test("booleans, offset and local date-times, dates and times")
    func datesAndTimes() throws {
        let doc = try Self.parse("""
            bool1 = true
            bool2 = false
            odt1 = 1979-05-27T07:32:00Z
            odt2 = 1979-05-27T00:32:00-07:00
            odt3 = 1979-05-27T00:32:00.999999-07:00
            odt4 = 1979-05-27 07:32:00Z
            ldt1 = 1979-05-27T07:32:00
            ldt2 = 1979-05-27T00:32:00.999999
            ld1 = 1979-05-27
            lt1 = 07:32:00
            lt2 = 00:32:00.999999
            leap = 2024-02-29
            dates = [1979-05-27, 1979-05-27 07:32:00]
            """)
        #expect(doc["bool2"] == .boolean(false))
        #expect(doc["odt4"] == .dateTime(TOMLDateTime(kind: .offsetDateTime, text: "1979-05-27T07:32:00Z")))
        #expect(doc["odt3"]?.tableValue == nil && doc["ldt2"] == .dateTime(TOMLDateTime(kind: .localDateTime, text: "1979-05-27T00:32:00.999999")))
        #expect(doc["ld1"] == .dateTime(TOMLDateTime(kind: .localDate, text: "1979-05-27")))
        #expect(doc["lt2"] == .dateTime(TOMLDateTime(kind: .localTime, text: "00:32:00.999999")))
        #expect(doc["dates"]?.arrayValue?.count == 2)
    }

    @Test("arrays over lines with comments and trailing commas, mixed types; tables, inline tables, arrays of tables")
    func structure() throws {
        let doc = try Self.parse("""
            integers = [ 1, 2, 3 ]
            nested_mixed_array = [ [ 1, 2 ], ["a", "b", "c"] ]
            numbers = [ 0.1, 0.2, 0.5, 1, 2, 5 ]
            contributors = [
              "Foo Bar <foo@example.com>",
              { name = "Baz Qux", email = "bazqux@example.com", url = "https://example.com/bazqux" }
            ]
            integers3 = [
              1,
              2, # this is ok
            ]
            name = { first = "Tom", last = "Preston-Werner" }
            point = { x = 1, y = 2 }
            animal = { type.name = "pug" }

            [dog."tater.man"]
            type.name = "pug"

            [x.y.z.w] # for this to work

            [fruit]
            apple.color = "red"
            apple.taste.sweet = true

            [fruit.apple.texture]  # you can add sub-tables
            smooth = true

            [[products]]
            name = "Hammer"
            sku = 738594937

            [[products]]  # empty table within the array

            [[products]]
            name = "Nail"
            color = "gray"

            [[fruits]]
            name = "apple"

            [fruits.physical]  # subtable
            color = "red"

            [[fruits.varieties]]  # nested array of tables
            name = "red delicious"

            [[fruits.varieties]]
            name = "granny smith"

            [[fruits]]
            name = "banana"

            [[fruits.varieties]]
            name = "plantain"
            """)
        #expect(doc["contributors"]?.arrayValue?[1]["email"] == .string("bazqux@example.com"))
        #expect(doc["integers3"] == .array([.integer(1), .integer(2)]))
        #expect(doc["animal"]?["type"]?["name"] == .string("pug"))
        #expect(doc["dog"]?["tater.man"]?["type"]?["name"] == .string("pug"))
        #expect(doc["x"]?["y"]?["z"]?["w"] == .table(TOMLTable()))
        #expect(doc["fruit"]?["apple"]?["texture"]?["smooth"] == .boolean(true))
        #expect(doc["products"]?.arrayValue?.map { $0["name"]?.stringValue } == ["Hammer", nil, "Nail"])
        let fruits = doc["fruits"]?.arrayValue ?? []
        #expect(fruits.count == 2 && fruits[0]["physical"]?["color"] == .string("red"))
        #expect(fruits[0]["varieties"]?.arrayValue?.count == 2 && fruits[1]["varieties"]?.arrayValue?.first?["name"] == .string("plantain"))
    }

    @Test("what the specification calls invalid is refused, at the right line and column", arguments: [
        ("key = # INVALID", 1, 7),
        ("first = \"Tom\" last = \"Preston-Werner\" # INVALID", 1, 15),
        ("= \"no key name\"  # INVALID", 1, 1),
        ("name = \"Tom\"\nname = \"Pradyun\"", 2, 1),
        ("spelling = \"favorite\"\n\"spelling\" = \"favourite\"", 2, 1),
        ("fruit.apple = 1\nfruit.apple.smooth = true", 2, 1),
        ("[fruit]\napple = \"red\"\n\n[fruit]\norange = \"orange\"", 4, 1),
        ("[fruit]\napple = \"red\"\n\n[fruit.apple]\ntexture = \"smooth\"", 4, 1),
        ("[fruit]\napple.color = \"red\"\napple.taste.sweet = true\n\n[fruit.apple]", 5, 1),
        ("[fruit]\napple.color = \"red\"\n\n[fruit.apple.taste]\nsweet = true\n[fruit]\napple.taste.x = 1", 6, 1),
        ("[product]\ntype = { name = \"Nail\" }\ntype.edible = false", 3, 1),
        ("[product]\ntype.name = \"Nail\"\ntype = { edible = false }", 3, 1),
        ("fruits = []\n\n[[fruits]]", 3, 1),
        ("[[fruits]]\nname = \"apple\"\n\n[[fruits.varieties]]\nname = \"red delicious\"\n\n[fruits.varieties]\nname = \"granny smith\"", 7, 1),
        ("[[fruits]]\n[fruits.physical]\ncolor = \"red\"\n[[fruits.physical]]", 4, 1),
        ("leading = 0123", 1, 11),
        ("under = 1__2", 1, 9),
        ("trail = 1_", 1, 9),
        ("float = .7", 1, 9),
        ("float = 7.", 1, 9),
        ("float = 3.e+20", 1, 9),
        ("big = 9_223_372_036_854_775_808", 1, 7),
        ("date = 2023-02-29", 1, 8),
        ("time = 24:00:00", 1, 8),
        ("time = 07:32", 1, 8),
        ("s = \"bad \\q escape\"", 1, 10),
        ("s = \"\\uD800\"", 1, 6),
        ("s = \"two\nlines\"", 1, 9),
        ("s = 'tab\u{1}'", 1, 9),
        ("s = \"\"\"five \"\"\"\"\"\"", 1, 13),
        ("inline = { a = 1, }", 1, 19),
        ("inline = { a = 1,\n b = 2 }", 1, 18),
        ("array = [1 2]", 1, 12),
        ("a = [1, 2", 1, 10),
        ("# comment with a bell \u{7}", 1, 23),
        ("cr = 1\r", 1, 7),
        ("[table\nkey = 1", 1, 7),
        ("[a]]", 1, 4),
        ("\"multi\nline\" = 1", 1, 7),
    ])
    func invalid(_ text: String, line: Int, column: Int) {
        #expect {
            _ = try TOML.parse(text)
        } throws: { error in
            guard let error = error as? TOMLError else { return false }
            if (error.line, error.column) != (line, column) { Issue.record("\(text.debugDescription): \(error)") }
            return true
        }
    }

    @Test("bytes: a byte-order mark is skipped; invalid UTF-8 is refused naming its line; deep nesting is refused, not a crash")
    func bytesAndDepth() throws {
        #expect(try TOML.parse([0xEF, 0xBB, 0xBF] + Array("a = 1".utf8))["a"] == .integer(1))
        #expect { _ = try TOML.parse(Array("a = 1\nb = \"".utf8) + [0xFF, 0x22]) } throws: { ($0 as? TOMLError)?.line == 2 }
        #expect(throws: TOMLError.self) { try TOML.parse("a = " + String(repeating: "[", count: 100_000)) }
        #expect(throws: TOMLError.self) { try TOML.parse("a = " + String(repeating: "{b=", count: 10_000)) }
        #expect(throws: TOMLError.self) { try TOML.parse(String(repeating: "a.", count: 10_000) + "b = 1") }
        #expect(try TOML.parse("a = " + String(repeating: "[", count: 32) + String(repeating: "]", count: 32))["a"] != nil)
    }
}
