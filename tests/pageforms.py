"""Forms as the page renders them: a test finds a form on the page, keeps every field the page sends
(hidden ones included: the CSRF token, versions, timestamps), fills in what a person types and submits it.

A step tested this way breaks when the page breaks, which a test that builds its own POST cannot notice.
"""

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

#: The paths that forms found on pages were sent to, by `submit` here and by the browser (the live server
#: records what it is sent): tests/test_forms_driven.py fails for a state-changing endpoint missing here.
SENT_TO: set[str] = set()


def record_sent(url: str) -> None:
    SENT_TO.add(urlsplit(url).path)


@dataclass
class RenderedForm:
    action: str
    method: str
    enctype: str
    #: Field name -> value, as the browser would send it untouched (checked boxes, selected options; a list for a
    #: select with `multiple`).
    values: dict[str, str | list[str]] = field(default_factory=dict)
    #: Every field name the form has, sent or not (unchecked boxes, empty selects).
    names: set[str] = field(default_factory=set)
    #: Option values of each select.
    options: dict[str, list[str]] = field(default_factory=dict)
    #: Where each of its buttons that has a `formaction` sends the form instead (e.g. the language switch).
    formactions: list[str] = field(default_factory=list)
    #: How many of its submit buttons send it to its own action (no `formaction`).
    plain_buttons: int = 0

    @property
    def posts_to_its_action(self) -> bool:
        """False for a form all of whose buttons send it elsewhere (the language switch): its action is unused."""
        return self.plain_buttons > 0 or not self.formactions

    def target(self, action: str) -> str:
        """Where pressing the button for `action` sends the form: that button's formaction, else the form's."""
        return next((f for f in self.formactions if _posts_to(f, action)), self.action)

    def fill(self, **typed) -> dict[str, str]:
        """The data to post: the form's own values with what the person typed; typing into a field the page
        does not have is a test error."""
        unknown = set(typed) - self.names
        assert not unknown, f"the form at {self.action} has no fields {sorted(unknown)}"
        data = dict(self.values)
        data.update({k: v for k, v in typed.items() if v is not None})
        return {k: v for k, v in data.items() if not (k in typed and typed[k] is None)}


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[RenderedForm] = []
        self._form: RenderedForm | None = None
        self._select: str | None = None
        self._multiple = False
        self._option: dict | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = RenderedForm(
                action=a.get("action", ""),
                method=a.get("method", "get").lower(),
                enctype=a.get("enctype", "application/x-www-form-urlencoded"),
            )
            self.forms.append(self._form)
            return
        form = self._form
        if form is None or "disabled" in a:
            return
        kind = a.get("type", "submit" if tag == "button" else "text").lower()
        if tag in ("button", "input") and kind in ("submit", "image"):
            if a.get("formaction"):
                form.formactions.append(a["formaction"])
            else:
                form.plain_buttons += 1
        name = a.get("name")
        if tag == "input" and name:
            form.names.add(name)
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    form.values[name] = a.get("value", "on")
            elif kind not in ("submit", "button", "file", "image", "reset"):
                form.values[name] = a.get("value", "")
        elif tag == "select" and name:
            form.names.add(name)
            form.options[name] = []
            self._select = name
            # A browser sends a single select's first option when none is selected, but only the chosen
            # options of a select with `multiple`: none when none is.
            self._multiple = "multiple" in a
        elif tag == "option" and self._select:
            self._option = a
            form.options[self._select].append(a.get("value", ""))
            if self._multiple:
                if "selected" in a:
                    form.values.setdefault(self._select, []).append(a.get("value", ""))
            elif "selected" in a or self._select not in form.values:
                form.values[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            form.names.add(name)
            form.values[name] = ""
            self._textarea = name
        elif tag == "button" and name:
            form.names.add(name)

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            self._form.values[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            if self._form is not None and self._textarea:
                # A browser drops one newline right after <textarea> (WTForms writes one there).
                value = self._form.values[self._textarea]
                self._form.values[self._textarea] = value.removeprefix("\r\n").removeprefix("\n")
            self._textarea = None


def _posts_to(url: str, action: str) -> bool:
    return url == action or bool(action and url.endswith(action))


def forms_on(page: str) -> list[RenderedForm]:
    parser = _Parser()
    parser.feed(page)
    return parser.forms


def form_on(
    page: str, action: str, having: str | None = None, carrying: dict | None = None, method: str = "post"
) -> RenderedForm:
    """The one form on the page that posts to `action` (a path, or its end; "" for the page itself; or where one of
    its buttons sends it), has the field `having` and carries the values `carrying` (e.g. a hidden target state),
    if given."""
    found = [
        f
        for f in forms_on(page)
        if ((f.posts_to_its_action and _posts_to(f.action, action)) or any(_posts_to(a, action) for a in f.formactions))
        and f.method == method
        and (having is None or having in f.names)
        and all(f.values.get(k) == v for k, v in (carrying or {}).items())
    ]
    assert len(found) == 1, f"{len(found)} forms post to {action!r}; the page has {[f.action for f in forms_on(page)]}"
    return found[0]


def submit(
    client,
    page_url: str,
    action: str,
    /,  # so a form may have a field named "action" (a button's name), typed as action=...
    *,
    having: str | None = None,
    carrying: dict | None = None,
    files: dict | None = None,
    **typed,
):
    """Open the page, find the form posting to `action`, fill it in as a person would, and send it."""
    page = client.get(page_url)
    assert page.status_code == 200, f"{page_url} answered {page.status_code}"
    form = form_on(page.get_data(as_text=True), action, having, carrying)
    data = form.fill(**typed)
    target = form.target(action) or page_url
    record_sent(target)
    if files:
        data.update(files)
    multipart = form.enctype == "multipart/form-data" or bool(files)
    return client.post(target, data=data, content_type="multipart/form-data" if multipart else None)


class _FieldErrors(HTMLParser):
    """The texts of the error messages (elements of class `error`) inside the field block `data-field=name`
    (the `field` macro's <div>)."""

    def __init__(self, name: str):
        super().__init__(convert_charrefs=True)
        self.name = name
        self.errors: list[str] = []
        self._divs = 0  # <div>s open since the field's own; 0 outside it
        self._error: tuple[str, int] | None = None  # the error element's tag, and how many of it are open

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if self._error and tag == self._error[0]:
            self._error = (tag, self._error[1] + 1)
        if tag == "div" and self._divs:
            self._divs += 1
        elif tag == "div" and dict(attrs).get("data-field") == self.name:
            self._divs = 1
            return
        if self._divs and self._error is None and any(c == "error" or c.endswith("error-message") for c in classes):
            self._error = (tag, 1)
            self.errors.append("")

    def handle_endtag(self, tag):
        if self._error and tag == self._error[0]:
            self._error = (tag, self._error[1] - 1) if self._error[1] > 1 else None
        if tag == "div" and self._divs:
            self._divs -= 1

    def handle_data(self, data):
        if self._error:
            self.errors[-1] += data


def errors_at(page: str, name: str) -> list[str]:
    """The error messages the page shows at the field `name` (inside its labelled block, not at the top)."""
    parser = _FieldErrors(name)
    parser.feed(page)
    return [" ".join(e.split()) for e in parser.errors]
