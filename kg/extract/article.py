"""An article as plain text, cut into the clauses the rules read.

A park's news come as UTF-8 or GBK text, Markdown or HTML. Quotes must be copied character for
character from the text, so the text is never rewritten: plain text and Markdown are kept as
they are (Markdown marks such as ``#`` and ``**`` only end a clause), HTML has its tags
stripped and its entities decoded (the quotes are then verbatim from that plain text, which
:func:`read_article` returns).

A *clause* is the shortest stretch of text a fact is quoted from: what stands between 。！？；
and line breaks, cut again at ， , ：and : (an ASCII comma between two digits, as in
``1,200``, does not cut). Each clause keeps its offset in the text, so a quote is always
``text[start:end]``.

>>> [c.text for c in clauses("全年42个重点项目完成投资124.2亿元,22个项目建成投产。")]
['全年42个重点项目完成投资124.2亿元', '22个项目建成投产']
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from kg.errors import KgError
from kg.tables.read import DataIssue, decode

SENTENCE_END = re.compile(r"[。！？!?；;\n]+")
CLAUSE_CUT = re.compile(r"[，：:]|(?<![0-9]),|,(?![0-9])|[#*>|]+")
HTML_HINT = re.compile(r"<(?:html|body|p|div|br|h[1-6]|span|article|section)\b", re.IGNORECASE)
BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "title"}


@dataclass(frozen=True)
class Clause:
    """One clause of the text and where it stands: ``text == article[start:end]``;
    ``sentence`` is the number of the sentence it belongs to, ``paragraph`` of the line."""

    text: str
    start: int
    end: int
    sentence: int
    paragraph: int


class _TextOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in ("script", "style"):
            self.skip += 1
        elif tag in BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        elif tag in BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_text(markup: str) -> str:
    """The text of an HTML page: tags, scripts and styles dropped, entities decoded, one
    line per block element."""
    parser = _TextOf()
    parser.feed(markup)
    parser.close()
    text = html.unescape("".join(parser.parts))
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def read_article(path: Path) -> tuple[str, list[DataIssue]]:
    """The plain text of an article file (UTF-8, or GBK/GB18030 with a warning; HTML with its
    tags stripped) and the warnings about how it was read."""
    path = Path(path)
    if not path.is_file():
        raise KgError(f"article not found: {path}")
    issues: list[DataIssue] = []
    text = decode(path.read_bytes(), path.name, issues)
    errors = [i for i in issues if i.severity == "error"]
    if errors:
        raise KgError(str(errors[0]))
    if path.suffix.lower() in (".html", ".htm") or HTML_HINT.search(text[:2000]):
        text = html_text(text)
    if not text.strip():
        raise KgError(f"{path}: the article holds no text")
    return text, issues


def clauses(text: str) -> list[Clause]:
    """The clauses of ``text`` in order, trimmed of spaces, each with its offsets."""
    out: list[Clause] = []
    paragraph = 0
    sentence = 0
    for line_match in re.finditer(r"[^\n]+", text):
        paragraph += 1
        line_start = line_match.start()
        for sent in re.finditer(r"[^。！？!?；;]+", line_match.group()):
            sentence += 1
            base = line_start + sent.start()
            piece = sent.group()
            last = 0
            for cut in [*CLAUSE_CUT.finditer(piece), None]:
                end = cut.start() if cut else len(piece)
                chunk = piece[last:end]
                stripped = chunk.strip(" \t\u3000\u00a0")
                if stripped:
                    offset = base + last + chunk.index(stripped)
                    out.append(Clause(stripped, offset, offset + len(stripped), sentence, paragraph))
                last = cut.end() if cut else len(piece)
    return out
