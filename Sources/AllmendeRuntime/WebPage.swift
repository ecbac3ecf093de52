// WebPage.swift: AllmendeRuntime. The frame of every HTML page (head, navigation, footer) and small pieces the
// pages share. Every text from a manifest, statement or peer goes through `HTML.escape`. Spec: Protocol/http.md.

import AllmendeCrypto
import AllmendeHTTP
import AllmendeStore

/// Builds HTML documents.
struct WebPage {
    var title: String
    var body = ""

    init(title: String) { self.title = title }

    /// Appends raw HTML (already escaped or written here).
    mutating func raw(_ html: String) { body += html }

    /// Appends `text` escaped inside `<tag class="…">`.
    mutating func element(_ tag: String, _ text: String, class classes: String? = nil) {
        body += "<\(tag)\(classes.map { " class=\"\($0)\"" } ?? "")>\(HTML.escape(text))</\(tag)>"
    }

    /// The page as an HTTP response (never cached: a page shows the node's state now).
    func response(status: Int = 200, nodeName: String) -> HTTPResponse {
        let html = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(HTML.escape(title)) · Allmende</title><link rel="stylesheet" href="/style.css"></head>
        <body><header><a class="brand" href="/">Allmende</a> <span class="node">\(HTML.escape(nodeName))</span>
        <nav><a href="/">Catalog</a> <a href="/labs">Labs</a> <a href="/node">Node</a> <a href="/api/status">API</a></nav></header>
        <main>\(body)</main>
        <footer>Open hardware designs, shared between labs as commons. This page works without JavaScript.</footer>
        <script src="/app.js"></script></body></html>
        """
        return HTTPResponse(status: status, contentType: "text/html; charset=utf-8", text: html, headers: [("Cache-Control", "no-store")])
    }

    /// A link to a package page.
    static func packageLink(_ id: ContentID, title: String) -> String {
        "<a href=\"/p/\(id.hex)\">\(HTML.escape(title))</a>"
    }

    /// A lab's or node's key, shortened, linking to its page.
    static func labLink(_ id: NodeID, name: String? = nil) -> String {
        "<a\(name == nil ? " class=\"key\"" : "") href=\"/labs/\(id.text)\" title=\"\(id.text)\">\(HTML.escape(name ?? String(id.text.prefix(12)) + "…"))</a>"
    }

    /// A coloured mark ("stored", "retracted", "not open hardware").
    static func badge(_ text: String, kind: String) -> String { "<span class=\"badge \(kind)\">\(HTML.escape(text))</span>" }
}

/// The stylesheet and the one small script (progress of running fetches on the dashboard).
enum WebAssets {
    static let stylesheet = """
    :root{--ink:#1d2421;--muted:#5b6661;--line:#d8ded9;--bg:#fbfcfa;--accent:#1f6f4a;--warn:#9a3412;--bad:#b91c1c}
    *{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,sans-serif;color:var(--ink);background:var(--bg)}
    header{display:flex;gap:1rem;align-items:baseline;flex-wrap:wrap;padding:.8rem 1.2rem;border-bottom:1px solid var(--line);background:#fff}
    header nav{margin-left:auto;display:flex;gap:1rem}.brand{font-weight:700;color:var(--accent);text-decoration:none;font-size:1.2rem}
    .node{color:var(--muted)}main{max-width:70rem;margin:0 auto;padding:1rem 1.2rem}footer{color:var(--muted);font-size:.85rem;padding:2rem 1.2rem}
    a{color:var(--accent)}h1{font-size:1.6rem;margin:.4rem 0}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid var(--line)}
    form.search{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:.5rem 0 1rem}
    input,select,button{font:inherit;padding:.3rem .5rem;border:1px solid var(--line);border-radius:4px;background:#fff}
    input[type=search]{flex:1 1 16rem}button{background:var(--accent);color:#fff;border-color:var(--accent);cursor:pointer}
    ul.results{list-style:none;padding:0}ul.results li{padding:.6rem 0;border-bottom:1px solid var(--line)}
    .meta{color:var(--muted);font-size:.9rem}.badge{display:inline-block;font-size:.75rem;padding:0 .4rem;border-radius:3px;margin-left:.3rem;border:1px solid}
    .badge.stored{color:var(--accent)}.badge.open{color:var(--accent)}.badge.closed{color:var(--warn)}.badge.retracted{color:var(--bad)}
    .banner{border:2px solid var(--bad);color:var(--bad);padding:.6rem 1rem;border-radius:4px;margin:1rem 0;background:#fff}
    .notice{border:1px solid var(--line);padding:.6rem 1rem;border-radius:4px;background:#fff}
    table{border-collapse:collapse;width:100%;font-size:.95rem}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
    td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}.key{font-family:ui-monospace,monospace;font-size:.85rem}
    .drawings{display:flex;flex-wrap:wrap;gap:1rem}.drawings figure{margin:0;max-width:22rem}.drawings img{max-width:100%;border:1px solid var(--line);background:#fff}
    .readme,.description{max-width:48rem}.readme pre,.description pre{background:#f1f4f2;padding:.6rem;overflow:auto}blockquote{border-left:3px solid var(--line);margin:0;padding-left:1rem;color:var(--muted)}.pager{margin:1rem 0}progress{width:12rem}
    """

    static let script = """
    // Refreshes the progress of running fetches and reloads the page when one ends; every page works without it.
    (function(){var rows=document.querySelectorAll('[data-fetch]');if(!rows.length)return;
    setInterval(function(){fetch('/api/status').then(function(r){return r.json()}).then(function(s){
    var running={};(s.fetches||[]).forEach(function(f){running[f.package]=1;var row=document.querySelector('[data-fetch="'+f.package+'"]');
    if(!row)return;var bar=row.querySelector('progress');if(bar){bar.max=f.total||1;bar.value=f.done}});
    for(var i=0;i<rows.length;i++){if(!running[rows[i].getAttribute('data-fetch')]){location.reload();return}}});},1000);})();
    """
}
