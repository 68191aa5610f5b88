"""The rules that read a park article and propose rows for the data tables.

Every proposal is a row in the layout of a table (projects, companies, indicators, targets,
assets), with the source id, the shortest verbatim span that states it (a clause, or the part of
a clause between two 、 when each part holds its own figure), a confidence and the name of the
rule that found it. The rules, in the order they run (docs/extract.md explains each):

* ``year-context``: the year a clause speaks of is the year written in the clause, else the
  last year that opened a paragraph or stood in a heading (回望2025年 / 2025年,…), else the
  article's date. A goal given as an order of magnitude (千亿元级) without a year is for the end
  of the five-year-plan period the year falls in (2026 → 2030).
* ``project-list``: ``A、B等N个…项目 <status>`` and ``<verb> A、B等…项目``: one project per item.
* ``project-status``: ``A、B <status>`` where the items are project-like (a project head such as
  项目/电站/产业园/装置, a capacity, a known product) and ``X项目获…支持`` (stated, no status).
* ``facility``: the same shapes with a facility head (基地/停车场/服务站/物流中心…) make assets.
* ``status``: the words of :data:`STATUS_WORDS` map to the fixed vocabulary; a plan marker
  (力争/确保/计划/预计/拟…) before an event word (开工, 投产, 签约…) makes it a plan: no status,
  the note says what is planned. 储备/谋划 is a state (reserve), also in a plan sentence.
* ``indicator``: every amount (亿元/万元), percentage, percentage point, count (个/家/项/亩/人次…)
  and capacity outside a named project; the kind is ``target`` (力争/锚定/打造/争取…),
  ``plan`` (确保/计划/预计/推进/将…) or ``result``. ``A、B…N个X级Y`` gives one target per item.
* ``company``: the company in front of a project's name (a known company; a name ending in a
  company word such as 科技/集团/化学/绿能/汽车; or the two to six characters before a capacity,
  a known product or an industry word), and a company word at the start of a clause before a
  known product or a facility.
* ``target``: ``引进/培育/发展/支持/开发… A、B等…`` with items that name known products, and the
  known products of reserve projects.
* ``brand``/``campaign``/``goal``/``place``/``route``: quoted names before 品牌 / 品牌活动·行动 /
  目标, and ``依托 A、B等…资源``.

Numbers go through the loader's own reader (:func:`kg.tables.normalise_amount`), so 124.2亿元
becomes ``12420000000`` 元 exactly as ``kg build`` would read it; capacities are counted in kW
(万千瓦, 兆瓦, 吉瓦) or 吨 (吨/年 after 年产 or before /年).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from kg.extract.article import Clause, clauses
from kg.extract.known import Known
from kg.tables.read import SCALES, normalise_amount

NUM = r"[0-9]+(?:\.[0-9]+)?"

# ---- vocabulary ---------------------------------------------------------------------------

# Status words, longest first within each status; the first match in a clause wins by position.
STATUS_WORDS: dict[str, str] = {
    **dict.fromkeys(("建成投产", "竣工投产", "建成并网", "全容量并网", "并网发电", "并网", "投产达效", "投产",
                     "正式运行", "投入运行", "上线运行", "建成运营", "正式运营", "投入使用", "建成投用", "揭牌投用",
                     "揭牌", "投用", "达产", "竣工"), "operating"),
    **dict.fromkeys(("开工建设", "新开工", "开工", "在建", "动工", "主体施工", "主体完工", "加快建设"),
                    "under_construction"),
    **dict.fromkeys(("获批", "核准", "备案", "批复", "取得批复", "立项"), "approved"),
    **dict.fromkeys(("签约", "引进", "签订", "落户"), "signed"),
    **dict.fromkeys(("储备", "谋划"), "reserve"),
}
STATUS_RE = re.compile("(?:" + "|".join(sorted(map(re.escape, STATUS_WORDS), key=len, reverse=True)) + ")")
PLAN_MARKERS = ("力争", "确保", "着力", "计划", "预计", "拟", "争取", "将于", "将", "推动", "加快推进", "全力推进",
                "推进")
TARGET_MARKERS = ("力争", "锚定", "争取", "努力实现", "打造", "目标是", "目标为")
# Words between a project's name and its status word: 实现全容量并网, 目前在建, 完成备案, 获得核准.
ADVERBS = r"(?:正式|全面|顺利|相继|先后|均已|已经|已|现已|目前|正在|基本|全部|成功|实现|完成|获得|取得|通过)*"
STATED_NO_STATUS = re.compile(r"^获.{0,20}(支持|资助|奖励|补助)|^列入|^入选")
FACILITY_PREDICATE = re.compile(r"(正式|基本|全面|顺利)?(建成投用|揭牌投用|揭牌|投用|建成|投入使用|上线运行|挂牌|运营)"
                                r"$")

PROJECT_HEADS = ("项目", "电站", "产业园", "生产线", "装置", "工厂", "工程", "基地项目")
FACILITY_HEADS = ("基地", "停车场", "服务站", "工作站", "物流中心", "服务中心", "检测中心", "实验室", "大厅", "中心")
COMPANY_WORDS = ("有限公司", "公司", "集团", "科技", "化学", "绿能", "能源", "新材料", "股份", "实业", "控股", "汽车",
                 "电力", "矿业", "制药", "药业", "生物", "新能源")
# Words an industry project's name goes on with after the company's short name.
INDUSTRY_WORDS = ("储能", "光伏", "风电", "风光", "氢", "绿氢", "绿氨", "电站", "电池", "材料", "新材料", "化工", "氟",
                  "氯", "碱", "钠", "硅", "煤", "甲醇", "乙炔", "电石", "聚", "可降解", "锂", "独立", "新型", "空气",
                  "甲烷", "高端", "高品质", "高纯", "综合利用", "资源化", "产业园", "装备", "年产", "万吨", "区域",
                  "分布式", "源网荷储", "热电", "余热", "制氢", "合成", "精细", "电子", "半导体", "新能源", "环氧",
                  "烧碱", "纯碱", "盐", "有机硅", "多晶硅", "工业硅", "石墨", "负极", "正极", "电解液", "六氟")
# Things outside the industry chains (the dataset's scope): infrastructure, ecology, social services.
OUT_OF_SCOPE = ("公路", "铁路", "连接线", "道路", "管廊", "高速", "桥", "锁边", "治沙", "防沙", "造林", "学校", "医院",
                "幼儿园", "公园", "住房", "小区", "供水", "供热", "污水处理厂")
GENERIC = {"重点", "重大", "新兴产业", "产业", "保障性", "市场化", "招商引资", "亿元以上", "储备", "谋划", "一批",
           "新建", "续建", "新开工", "重大储备", "重点产业", "对谋划", "工业", "民生", "基础设施", "产业链", "该",
           "这些", "上述"}
LEAD_VERBS = re.compile(
    r"^(?:(?:成功|着力|全力|加快|积极|重点|大力|持续|深入|新|已|先后|相继|全面|共|对|其中|还|并|同时|推动|确保|力争|将|"
    r"既有|也有|还有|包括|"
    r"计划|预计|争取|努力|启动|实施|推进|引进|签约|开工建设|谋划|储备|建设|招引|落地|完成|实现)(?![\u4e00-\u9fff]?项目$))+")
TARGET_VERB = re.compile(r"^(?:(?:着力|大力|积极|重点|加快|全力|持续)?(?:引进|招引|培育|发展|支持|开发|做强|做大|布局|"
                         r"延伸|培养|壮大|招商))")
# A project's name holds no amount of money or share, and none of the verbs of a work plan.
NOT_A_NAME = re.compile(rf"{NUM}\s*(万|亿)?元|[%％]|抓|紧扣|加强|提升|促进|围绕|聚焦|坚持|深化|优化|强化|统筹|用好")
LEVEL_RE = re.compile(r"(?P<scale>十|百|千|万)?亿元?级")
QUANTITY_RE = re.compile(
    rf"(?P<percent>{NUM})\s*[%％]"
    rf"|(?P<points>{NUM})\s*个?百分点"
    rf"|(?P<yearly>年产(?:能)?)?(?P<cap>{NUM})\s*(?P<capscale>万|亿)?(?P<capunit>千瓦时|千瓦|兆瓦|吉瓦|吨)(?P<per>/年)?"
    rf"|(?P<amount>{NUM})\s*(?P<amscale>万|亿)?元(?!级)"
    rf"|(?P<count>{NUM})\s*(?P<cscale>万)?(?P<cunit>个|家|项|亩|人次|名|座|所|户|套|台|条|公里)"
    rf"(?!百分点|(?:十|百|千|万)?亿元?级)"
)
COUNTED = ("个", "家", "项", "座", "所", "户", "套", "台", "条", "名")  # a count names what it counts after it
CAP_UNITS = {"千瓦": ("kW", 1), "兆瓦": ("kW", 1000), "吉瓦": ("kW", 1000000), "千瓦时": ("kWh", 1), "吨": ("吨", 1)}
FILLERS = re.compile(r"^(?:全年|成功|累计|共|其中|为|与|全力推进|推进|确保|力争|预计|实现|完成|当年|今年|全区|园区)+")
TRAILERS = re.compile(r"(?:达到|达|为|至|上升至|提升至|增至|突破|超过|超|约|近|的|共计|合计)+$")
EXCEEDED = {"突破": "突破: exceeded this value.", "以上": "以上: at least this value.",
            "超过": "超过: more than this value."}


TABLES_PROPOSED = ("companies", "projects", "indicators", "targets", "assets")


# ---- proposals ----------------------------------------------------------------------------

@dataclass
class Proposal:
    """One proposed row: ``row`` holds the table's columns (strings); ``quote`` is
    ``text[start:end]``. ``products`` (projects only) are product ids for project_products.
    ``action`` is ``new`` or ``update`` (of the known row ``match``), ``changes`` says what moves
    (``status: signed → under_construction``)."""

    table: str
    row: dict[str, str]
    quote: str
    start: int
    end: int
    confidence: float
    rule: str
    products: list[str] = field(default_factory=list)
    action: str = "new"
    match: str = ""
    changes: str = ""

    def key(self) -> tuple:
        """What makes two proposals the same fact."""
        r = self.row
        if self.table == "indicators":
            return (self.table, r["value"], r["unit"], r["year"], r["kind"], r.get("chain", ""))
        if self.table == "targets":
            return (self.table, r.get("product") or r.get("label_zh"))
        return (self.table, r.get("label_zh", ""))


@dataclass
class Context:
    """What the rules know while reading: the text, the known things, the year."""

    text: str
    source: str
    known: Known
    article_year: int | None
    year_of: dict[int, int]  # paragraph number -> year spoken of
    captions: set[int]  # paragraphs that are one short sentence (picture captions, headlines)


# ---- helpers ------------------------------------------------------------------------------

def status_of(phrase: str) -> tuple[str, str, str]:
    """The status a phrase states, the word that states it, and what a plan marker makes of it.

    Returns ``(status, word, plan)``: ``plan`` is the planned event (e.g. ``确保…开工``) when a plan
    marker stands before an event word; the status is then empty. 储备/谋划 stays ``reserve``.

    >>> status_of("等22个项目建成投产")
    ('operating', '建成投产', '')
    >>> status_of("确保…等23个项目一季度全部开工")
    ('', '开工', '确保…开工')
    >>> status_of("加快推进…等一批重大储备项目落地")
    ('reserve', '储备', '')
    """
    found = list(STATUS_RE.finditer(phrase))
    if not found:
        return "", "", ""
    reserve = next((m for m in found if STATUS_WORDS[m.group()] == "reserve"), None)
    if reserve:
        return "reserve", reserve.group(), ""
    first = found[0]
    marker = next((m for m in PLAN_MARKERS if m in phrase[: first.start()]), "")
    if marker:
        return "", first.group(), f"{marker}…{first.group()}"
    return STATUS_WORDS[first.group()], first.group(), ""


def split_items(text: str) -> list[tuple[int, str]]:
    """Items of a list written with 、 (the last may be joined by 与/和/及), with their offsets;
    a 、 inside “quotes” does not split.

    >>> [t for _, t in split_items("长城汽车沙漠越野测试基地、拉力赛车测试基地与越野学院训练基地")]
    ['长城汽车沙漠越野测试基地', '拉力赛车测试基地', '越野学院训练基地']
    """
    parts: list[tuple[int, str]] = []
    depth, last = 0, 0
    for i, ch in enumerate(text):
        if ch == "“":
            depth += 1
        elif ch == "”":
            depth = max(0, depth - 1)
        elif ch == "、" and depth == 0:
            parts.append((last, text[last:i]))
            last = i + 1
    parts.append((last, text[last:]))
    if len(parts) > 1:  # A、B与C: the last item may hold a second joiner
        offset, tail = parts[-1]
        joined = re.split(r"(与|和|以及|及)", tail, maxsplit=1)
        if len(joined) == 3 and len(joined[0]) >= 2 and len(joined[2]) >= 2:
            parts[-1] = (offset, joined[0])
            parts.append((offset + len(joined[0]) + len(joined[1]), joined[2]))
    return [(o, t) for o, t in parts if t]


def amount(number: str, scale: str | None, unit: str) -> str:
    """Digits of a number with its 万/亿 scale, counted in ``unit``, read as the loader reads it."""
    digits, _ = normalise_amount(f"{number}{scale or ''}", unit)
    return digits or ""


def pinyin_slug(label: str, words: int = 4) -> str:
    """An id from a Chinese name, the data's way: pinyin, two characters to a word
    (灵圣 → lingsheng, 国机六院 → guoji-liuyuan); ASCII letters and digits are kept."""
    from pypinyin import lazy_pinyin

    chunks = re.findall(r"[\u4e00-\u9fff]+|[A-Za-z0-9]+", label)
    parts: list[str] = []
    for chunk in chunks:
        if chunk.isascii():
            parts.append(chunk.lower())
            continue
        syllables = [s.replace("ü", "v") for s in lazy_pinyin(chunk)]
        parts += ["".join(syllables[i:i + 2]) for i in range(0, len(syllables), 2)]
    slug = "-".join(p for p in parts if p)[:60].strip("-")
    slug = "-".join(slug.split("-")[: max(words, 1) * 3])
    return re.sub(r"[^a-z0-9-]+", "", slug) or "item"


def pinyin_label(label: str) -> str:
    """A transliteration to stand in for an English label until someone translates it."""
    return " ".join(w.capitalize() for w in pinyin_slug(label, 20).split("-"))


def unique_id(base: str, taken: set[str]) -> str:
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate


# ---- context: years and captions ----------------------------------------------------------

YEAR_RE = re.compile(r"(20[0-9]{2})年")


def five_year_plan_end(year: int) -> int:
    """Last year of the five-year-plan period ``year`` falls in (2021–2025 is the 14th)."""
    return 2025 + 5 * -(-(year - 2025) // 5) if year > 2025 else 2025 - 5 * ((2025 - year) // 5)


def read_context(text: str, source: str, known: Known, article_year: int | None) -> Context:
    year_of: dict[int, int] = {}
    captions: set[int] = set()
    first = YEAR_RE.search(text)
    current = article_year or (int(first.group(1)) if first else None)
    for number, line in enumerate((m.group() for m in re.finditer(r"[^\n]+", text)), start=1):
        stripped = line.strip()
        opening = YEAR_RE.match(stripped) or YEAR_RE.match(re.sub(r"^\D{0,6}", "", stripped))
        heading = len(stripped) <= 30 and not re.search(r"[。，,]", stripped)
        if opening and (heading or YEAR_RE.match(stripped)):
            current = int(opening.group(1))
        if current is not None:
            year_of[number] = current
        sentences = [s for s in re.split(r"[。！？]", stripped) if s.strip()]
        if len(sentences) == 1 and len(stripped) <= 60 and stripped.endswith("。"):
            captions.add(number)
    return Context(text, source, known, article_year, year_of, captions)


def clause_year(clause: Clause, ctx: Context) -> int | None:
    written = YEAR_RE.search(clause.text)
    if written:
        return int(written.group(1))
    return ctx.year_of.get(clause.paragraph, ctx.article_year)


def confidence(base: float, clause: Clause, ctx: Context) -> float:
    """A rule's confidence, lowered for captions (their facts are repeated in the body)."""
    return round(base - (0.2 if clause.paragraph in ctx.captions else 0.0), 2)


# ---- projects, facilities, companies --------------------------------------------------------

@dataclass
class Item:
    """A named thing found in a list: its name as written and where it stands in the text."""

    name: str
    start: int


def clean_item(offset: int, text: str) -> Item | None:
    lead = LEAD_VERBS.match(text)
    if lead:
        offset, text = offset + lead.end(), text[lead.end():]
    text = text.strip("“”\" ")
    invest = re.match(rf"^(?:总投资|投资)(?P<num>{NUM})\s*(?:万|亿)?元的", text)
    if invest:  # 总投资18亿元的瑞丰新材料…项目: the amount is the project's (project_row reads it)
        offset, text = offset + invest.end(), text[invest.end():]
    if len(text) < 2 or "“" in text or "”" in text:
        return None
    core = text[:-2] if text.endswith("项目") else text
    if core in GENERIC or not core or re.search(rf"{NUM}个|一批|若干", text) or NOT_A_NAME.search(text):
        return None
    return Item(text, offset)


def company_in(name: str, known: Known) -> tuple[str, str]:
    """The company at the front of a project's or facility's name: (label, how it was found)."""
    for start, end, _cid in known.find_company(name):
        if start == 0:
            return name[:end], "known company"
    words = "|".join(sorted(COMPANY_WORDS, key=len, reverse=True))
    match = re.match(rf"^([\u4e00-\u9fffA-Za-z]{{1,6}}?(?:{words}))(?!品)(?=.{{2,}})", name)
    if match and not known.find_product(match.group(1)) and not match.group(1).startswith(
            tuple(w for w in INDUSTRY_WORDS if len(w) >= 2)):
        return match.group(1), "company word"
    digit = re.search(r"[0-9]", name)
    if digit and 2 <= digit.start() <= 6 and not re.search(r"[0-9]", name[: digit.start()]):
        return name[: digit.start()], "before a capacity"
    for start, _end, _pid in known.find_product(name):
        if 2 <= start <= 6:
            cut = next((2 for w in INDUSTRY_WORDS if name[2:start].startswith(w)), start)
            return name[:cut], "before a known product"
    for word in INDUSTRY_WORDS:
        if name[2:].startswith(word) and len(name) >= 5:
            return name[:2], "before an industry word"
    return "", ""


def project_row(item: Item, status: str, word: str, plan: str, clause: Clause, ctx: Context) -> tuple[dict, list]:
    """The projects row of a named project and the ids of the known products its name holds."""
    known = ctx.known
    row = {"label_zh": item.name, "status": status, "year": str(clause_year(clause, ctx) or ""),
           "source": ctx.source}
    company, _how = company_in(item.name, known)
    row["_company_label"] = company
    cap = re.search(QUANTITY_RE.pattern, item.name)
    if cap and cap.group("cap"):
        unit, factor = CAP_UNITS[cap.group("capunit")]
        digits = amount(cap.group("cap"), cap.group("capscale"), unit)
        if digits:
            row["capacity"] = amount(str(float(digits) * factor).rstrip("0").rstrip("."), None, unit)
            row["capacity_unit"] = unit + ("/年" if cap.group("yearly") or cap.group("per") else "")
    invest = re.search(rf"(?:总投资|投资)(?P<num>{NUM})\s*(?P<scale>万|亿)?元的?{re.escape(item.name)}", ctx.text)
    if invest and ctx.text.find(item.name, max(0, invest.start())) == item.start:
        row["investment_cny"] = amount(invest["num"], invest["scale"], "元")
        row["_investment_span"] = f"{invest.start()}:{invest.end()}"
    products = [pid for _s, _e, pid in known.find_product(item.name[len(company):])]
    chains = [known.chain_of(m.group()) for m in re.finditer(r"[\u4e00-\u9fff]{2,4}化工|新能源", item.name)]
    for pid in products:
        chains += known.product_chains.get(pid, [])
    row["chains"] = ";".join(dict.fromkeys(c for c in chains if c))
    notes = []
    if word and status:
        notes.append(f"状态词 {word} → {status}")
    if plan:
        notes.append(f"计划 {plan}: no status stated")
    count = re.search(rf"等({NUM}个|一批)", clause.text)
    if count:
        notes.append(f"one of {count.group(1)} (等{count.group(1)})")
    row["note"] = "; ".join(notes)
    return row, products


def projects_in(clause: Clause, ctx: Context, taken: list[tuple[int, int]], before: str = "") -> Iterable[Proposal]:
    """Projects (and facilities) named in a clause, by the list and status shapes; ``before``
    is the sentence up to the clause, whose status word (此次签约的项目中) a list without one
    takes."""
    text = clause.text
    listed = re.match(r"^(?P<items>.+?)等(?P<count>[0-9]+个|一批|多个|一系列)?(?P<adj>[^、]{0,10}?)项目(?P<pred>.*)$",
                      text)
    including = re.match(r"^(?P<pre>[^、]*项目(?:主要)?(?:包括|有|涉及|为))(?P<items>.+?)等?$", text)
    shapes: list[tuple[str, str, str, float]] = []  # (items, phrase for the status, rule, confidence)
    if including:  # 集中开工的项目包括A、B等
        shapes.append((including["items"], including["pre"], "project-including", 0.8))
    elif listed:
        shapes.append((listed["items"], text[: len(listed["items"])] + "|" + (listed["adj"] or "") + listed["pred"],
                       "project-list", 0.9))
    else:
        tail = STATUS_RE.search(text)
        stated = None
        for m in re.finditer(r"(项目|电站|基地|产业园|装置|生产线|工作站|停车场|服务站|中心|[一二三四五六]期)", text):
            rest = text[m.end():]
            if STATED_NO_STATUS.search(rest) or (tail and tail.start() >= m.end()
                                                 and re.fullmatch(ADVERBS + STATUS_RE.pattern + r"(.{0,6})", rest)):
                stated = m.end()
        if stated is not None:
            shapes.append((text[:stated], text[stated:], "project-status", 0.8))
        elif text.endswith("项目") and "项目" in before and STATUS_RE.search(before):
            shapes.append((text, "", "project-status", 0.7))  # 既有…的X项目 after 此次签约的项目中
        elif tail and tail.start() <= 6 and re.match(r"^(新|成功|已|先后)?" + STATUS_RE.pattern, text):
            head = STATUS_RE.match(text, re.match(r"^(新|成功|已|先后)?", text).end())
            if head:
                shapes.append((text[head.end():], text[: head.end()], "project-status", 0.7))
    for items_text, phrase, rule, base in shapes:
        status, word, plan = status_of(phrase)
        if not (status or plan) and "项目" in before:  # 此次签约的项目中，…也有A、B等新能源项目
            status, word, plan = status_of(before)
            rule += "+sentence"
        items_start = clause.start + text.index(items_text)
        raw = [clean_item(items_start + o, t) for o, t in split_items(items_text)]
        items = [i for i in raw if i]
        if not items:
            continue
        if TARGET_VERB.match(text) and not any(company_in(i.name, ctx.known)[0] for i in items):
            continue  # 着力引进半导体芯片、集成电路等…项目: what the zone wants, not projects (targets)
        for item in items:
            if any(w in item.name for w in OUT_OF_SCOPE):
                continue
            is_facility = item.name.endswith(FACILITY_HEADS) and rule != "project-list"
            is_project = (rule == "project-list" or item.name.endswith(PROJECT_HEADS)
                          or re.search(r"[一二三四五六]期$", item.name)
                          or re.search(r"[0-9]", item.name) or ctx.known.find_product(item.name)
                          or any(w in item.name for w in ("储能", "光伏", "风电", "电站")))
            if is_facility:
                if not FACILITY_PREDICATE.search(phrase.split("|")[-1]) and "支持" not in phrase:
                    continue
                yield from facility(item, clause, ctx, rule="facility")
            elif is_project:
                row, products = project_row(item, status, word, plan, clause, ctx)
                taken.append((item.start, item.start + len(item.name)))
                if row.get("_investment_span"):
                    start, end = map(int, row["_investment_span"].split(":"))
                    taken.append((start, end))
                yield Proposal("projects", row, clause.text, clause.start, clause.end,
                               confidence(base if status or plan or "支持" in phrase else base - 0.2, clause, ctx),
                               rule + ("+plan" if plan else ""), products)


def facility(item: Item, clause: Clause, ctx: Context, rule: str) -> Iterable[Proposal]:
    company, _ = company_in(item.name, ctx.known)
    label = item.name
    row = {"label_zh": label, "kind": "facility", "source": ctx.source, "_company_label": company,
           "note": ""}
    yield Proposal("assets", row, clause.text, clause.start, clause.end, confidence(0.7, clause, ctx), rule)


def companies_at_start(clause: Clause, ctx: Context) -> Iterable[Proposal]:
    """``三友化学聚二甲基硅烷产品…``: a company word at the start of a clause, before a known
    product or a facility."""
    known = ctx.known
    text = LEAD_VERBS.sub("", clause.text)
    company, how = company_in(text, known)
    if how not in ("company word", "known company"):
        return
    rest = text[len(company):]
    products = known.find_product(rest)
    facility_next = re.match(r"^[\u4e00-\u9fff]{2,12}(" + "|".join(FACILITY_HEADS) + ")", rest)
    if (products and products[0][0] == 0) or facility_next:
        made = ";".join(p for s, _e, p in products if s == 0)
        yield Proposal("companies", {"label_zh": company, "location": "zone", "source": ctx.source,
                                     "note": f"named with {made or 'a facility'}"},
                       clause.text, clause.start, clause.end, confidence(0.7, clause, ctx), "company-at-start")


def company_list(clause: Clause, ctx: Context) -> Iterable[Proposal]:
    """``其中凯辰化工、博远电子为…企业``, ``引进A、B等5家企业``: one company per item."""
    listed = re.match(rf"^(?P<items>.+?)(?:等(?:{NUM}家)?|为|是)[\u4e00-\u9fff]{{0,10}}企业$", clause.text)
    if not listed:
        return
    for _o, item in split_items(listed["items"]):
        item = LEAD_VERBS.sub("", item)
        if 2 <= len(item) <= 10 and re.fullmatch(r"[\u4e00-\u9fffA-Za-z]+", item) and item not in GENERIC:
            yield Proposal("companies", {"label_zh": item, "location": "zone", "source": ctx.source,
                                         "note": "named in a list of companies"},
                           clause.text, clause.start, clause.end, confidence(0.7, clause, ctx), "company-list")


# ---- indicators ---------------------------------------------------------------------------

def indicator_kind(text: str, is_level: bool) -> str:
    if is_level or any(m in text for m in TARGET_MARKERS) and not re.search(r"项目.{0,12}(开工|达效|投产)", text):
        return "target"
    if any(m in text for m in PLAN_MARKERS):
        return "plan"
    return "result"


def indicator_label(piece: str, start: int, end: int, prev_end: int, next_start: int, counted: bool) -> str:
    """A name for a figure: for a count the noun after it (42个重点项目), else the words before
    it (技术合同成交额突破1.2亿元), fillers and verbs at either end left out."""
    before = TRAILERS.sub("", FILLERS.sub("", piece[prev_end:start].strip()))
    after = piece[end:next_start]
    noun = re.split(r"(完成|建成|投产|成功|实现|达|互联|开工|全部|签约|引进|获|力争|当年|“|一季度)", after, maxsplit=1)
    if counted and re.match(r"[\u4e00-\u9fff]", noun[0]):
        predicate = after[len(noun[0]):].strip("“”")
        return (noun[0].strip() + "数" + (f"（{predicate}）" if predicate else ""))[:40]
    if before and not before.endswith("等") and "、" not in before:
        return before
    label = noun[0].strip() or after.strip()
    return (label + ("数" if counted else ""))[:40]


def indicators_in(clause: Clause, ctx: Context, taken: list[tuple[int, int]]) -> Iterable[Proposal]:
    text = clause.text
    pieces = [(0, text)]
    parts = split_items(text)
    if len(parts) > 1 and all(QUANTITY_RE.search(t) for _, t in parts):
        pieces = parts  # 为企业减免税费7.8亿元、帮助融资44.6亿元: each part is its own quote
    year = clause_year(clause, ctx)
    for offset, piece in pieces:
        found = [m for m in QUANTITY_RE.finditer(piece)
                 if not any(s <= clause.start + offset + m.start() < e for s, e in taken)]
        kind = indicator_kind(text, False)
        for n, m in enumerate(found):
            prev_end = found[n - 1].end() if n else 0
            next_start = found[n + 1].start() if n + 1 < len(found) else len(piece)
            if m.group("percent"):
                value, unit, counted = amount(m.group("percent"), None, "%"), "%", False
            elif m.group("points"):
                value, unit, counted = amount(m.group("points"), None, "百分点"), "百分点", False
            elif m.group("amount"):
                value, unit, counted = amount(m.group("amount"), m.group("amscale"), "元"), "元", False
            elif m.group("count"):
                unit = m.group("cunit")
                value, counted = amount(m.group("count"), m.group("cscale"), unit), unit in COUNTED
            else:
                cap_unit, factor = CAP_UNITS[m.group("capunit")]
                digits = amount(m.group("cap"), m.group("capscale"), cap_unit)
                value = amount(str(float(digits) * factor), None, cap_unit) if digits else ""
                unit, counted = cap_unit + ("/年" if m.group("yearly") or m.group("per") else ""), False
            if not value or year is None:
                continue
            label = indicator_label(piece, m.start(), m.end(), prev_end, next_start, counted)
            if not label:
                continue
            tail = piece[m.end(): m.end() + 2]
            note = next((v for k, v in EXCEEDED.items() if k in piece[max(prev_end, m.start() - 4): m.start()]
                         or tail.startswith(k)), "")
            row = {"label_zh": label, "value": value, "unit": unit, "year": str(year), "kind": kind,
                   "chain": "", "source": ctx.source, "note": note}
            start = clause.start + offset
            yield Proposal("indicators", row, piece, start, start + len(piece), confidence(0.8, clause, ctx),
                           f"indicator-{unit}")
    yield from level_targets(clause, ctx)


def level_targets(clause: Clause, ctx: Context) -> Iterable[Proposal]:
    """``千亿元级工业园区``: a goal as an order of magnitude; ``A、B…N个百亿级产业链``: one per item."""
    text = clause.text
    year = clause_year(clause, ctx)
    if year is None:
        return
    end_year = str(five_year_plan_end(year))
    for m in LEVEL_RE.finditer(text):
        value = str(SCALES[(m.group("scale") or "") + "亿"]) if (m.group("scale") or "") + "亿" in SCALES else ""
        if not value:
            continue
        listed = re.search(rf"([^，,]*?)({NUM})个$", text[: m.start()])
        noun = re.match(r"[\u4e00-\u9fff]{1,12}?(?=成群|集群|目标|$|[，,])|[\u4e00-\u9fff]{1,12}", text[m.end():])
        noun_text = noun.group() if noun else ""
        if listed:
            items = [t.strip("“”") for _, t in split_items(LEAD_VERBS.sub("", listed.group(1)))]
            if len(items) == int(float(listed.group(2))):
                for item in items:
                    chain = ctx.known.chain_of(item)
                    ending = [n for n in ctx.known.chain_names if item.strip("“”").rstrip("+").endswith(n)]
                    if not chain and ending:  # 阿拉善高新区将加快盐化工: the chain the item ends with
                        item = max(ending, key=len)
                        chain = ctx.known.chain_of(item)
                    row = {"label_zh": f"{m.group()}{noun_text}（{item}）", "value": value, "unit": "元",
                           "year": end_year, "kind": "target", "chain": chain, "source": ctx.source,
                           "note": f"{m.group()}: the order of magnitude; no year given, {end_year} ends the "
                                   "five-year-plan period."}
                    yield Proposal("indicators", row, text, clause.start, clause.end,
                                   confidence(0.75 if chain else 0.6, clause, ctx), "indicator-level-list")
                continue
        row = {"label_zh": f"{m.group()}{noun_text}", "value": value, "unit": "元", "year": end_year,
               "kind": "target", "chain": "", "source": ctx.source,
               "note": f"{m.group()}: the order of magnitude; no year given, {end_year} ends the five-year-plan "
                       "period."}
        yield Proposal("indicators", row, text, clause.start, clause.end, confidence(0.75, clause, ctx),
                       "indicator-level")


# ---- targets and assets -------------------------------------------------------------------

def targets_in(clause: Clause, ctx: Context) -> Iterable[Proposal]:
    text = clause.text
    verb = TARGET_VERB.match(text)
    if not verb:
        return
    body = text[verb.end():]
    items_text = body[: body.rindex("等")] if "等" in body else body
    for _offset, item in split_items(items_text):
        item = item.strip("“”")
        found = ctx.known.find_product(item)
        if not found or company_in(item, ctx.known)[0]:
            continue  # 引进泓泰六氟磷酸锂: a company's project, not a target
        start, end, pid = found[0]
        exact = start == 0 and end == len(item)
        yield Proposal("targets", {"product": pid, "label_zh": item, "source": ctx.source},
                       clause.text, clause.start, clause.end, confidence(0.85 if exact else 0.7, clause, ctx),
                       "target-verb-list")


def reserve_targets(projects: list[Proposal], ctx: Context) -> Iterable[Proposal]:
    for p in projects:
        if p.row.get("status") == "reserve":
            for pid in p.products:
                yield Proposal("targets", {"product": pid, "label_zh": p.row["label_zh"], "source": ctx.source},
                               p.quote, p.start, p.end, 0.6, "target-reserve-product")


def assets_in(clause: Clause, ctx: Context) -> Iterable[Proposal]:
    text = clause.text
    quoted = list(re.finditer(r"“([^”]{2,20})”", text))
    for m in quoted:
        after = text[m.end():]
        after = re.sub(r"^(“[^”]*”)*", "", after)
        kind = ("campaign" if re.match(r"^等?(品牌活动|行动|活动)", after)
                else "brand" if re.match(r"^等?品牌", after)
                else "goal" if re.match(r"^等?目标", after) else "")
        if kind and not re.search(r"[0-9]", m.group(1)):
            yield Proposal("assets", {"label_zh": m.group(1), "kind": kind, "source": ctx.source, "note": ""},
                           text, clause.start, clause.end, confidence(0.75, clause, ctx), f"asset-{kind}")
    based = re.match(r"^依托(?P<items>.+?)等[\u4e00-\u9fff]{0,4}资源", text)
    if based:
        for _o, item in split_items(based["items"]):
            kind = "route" if item.endswith(("古道", "线路", "路线", "之路")) else "place"
            yield Proposal("assets", {"label_zh": item, "kind": kind, "source": ctx.source, "note": ""},
                           text, clause.start, clause.end, confidence(0.7, clause, ctx), f"asset-{kind}")
    developed = re.match(r"^(开发|打造|推出)(?P<items>.+)$", text)
    if developed:
        for _o, item in split_items(developed["items"]):
            if item.endswith(("线路", "路线")):
                yield Proposal("assets", {"label_zh": item, "kind": "route", "source": ctx.source, "note": ""},
                               text, clause.start, clause.end, confidence(0.6, clause, ctx), "asset-route")
    heads = "|".join(FACILITY_HEADS)
    built = re.match(rf"^(建设|建成|新建)(?P<item>[A-Za-z0-9\u4e00-\u9fff]{{2,16}}({heads}))", text)
    if built:
        yield from facility(Item(built["item"], clause.start + built.start("item")), clause, ctx, "facility-built")


# ---- the whole article --------------------------------------------------------------------

def propose(text: str, source: str, known: Known, article_year: int | None = None) -> list[Proposal]:
    """Every row the rules propose for ``text``, duplicates folded (the most confident kept),
    in the order of the text. Companies are added for the projects' and facilities' companies
    (``location`` external when all their projects are reserve projects)."""
    ctx = read_context(text, source, known, article_year)
    found: list[Proposal] = []
    every = clauses(text)
    for n, clause in enumerate(every):
        taken: list[tuple[int, int]] = []
        before = "".join(c.text for c in every[max(0, n - 3):n] if c.sentence == clause.sentence)
        projects = list(projects_in(clause, ctx, taken, before))
        found += projects
        found += companies_at_start(clause, ctx)
        found += company_list(clause, ctx)
        found += indicators_in(clause, ctx, taken)
        found += targets_in(clause, ctx)
        found += assets_in(clause, ctx)
    found += list(reserve_targets([p for p in found if p.table == "projects"], ctx))
    found += list(companies_of(found, ctx))
    best: dict[tuple, Proposal] = {}
    for p in found:
        k = p.key()
        if k not in best or p.confidence > best[k].confidence:
            best[k] = p
    return sorted(best.values(), key=lambda p: (TABLES_PROPOSED.index(p.table), p.start))


def companies_of(found: list[Proposal], ctx: Context) -> Iterable[Proposal]:
    """One companies row per company named with a project, a facility or at a clause start."""
    seen: dict[str, list[Proposal]] = {}
    for p in found:
        label = p.row.get("_company_label") or (p.row["label_zh"] if p.table == "companies" else "")
        if label:
            seen.setdefault(label, []).append(p)
    for label, props in seen.items():
        projects = [p for p in props if p.table == "projects"]
        reserve = bool(projects) and all(p.row.get("status") == "reserve" for p in projects)
        first = props[0]
        yield Proposal("companies", {"label_zh": label, "location": "external" if reserve else "zone",
                                    "source": ctx.source,
                                    "note": "named only with reserve projects" if reserve else ""},
                       first.quote, first.start, first.end, round(min(0.85, first.confidence), 2),
                       "company-of-" + first.table if first.table != "companies" else first.rule)
