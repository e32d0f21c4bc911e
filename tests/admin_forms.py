"""Drive the admin as an editor does: read a change form's current values, change some, post it.

The POST data is read off the rendered form (inputs, checkboxes, selects,
textareas, the inline formsets' management forms, the edit token), so tests
exercise exactly what a browser would send, inlines included.
"""

from bs4 import BeautifulSoup


def form_data(client, url: str) -> dict:
    """The values a browser would post from the admin form at ``url`` (unchanged)."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    page = BeautifulSoup(response.content, "html.parser")
    form = page.select_one("form[method=post]#content-main form, #content-main form[method=post]")
    data: dict = {}
    for field in form.find_all(["input", "textarea", "select"]):
        name = field.get("name")
        if not name or name.startswith("_save") or field.get("type") in ("submit", "button", "file"):
            continue
        if "__prefix__" in name:
            continue  # the empty form Django clones in the browser
        if field.name == "textarea":
            data[name] = field.get_text().removeprefix("\n")  # the parser drops one leading newline, as browsers do
        elif field.name == "select":
            chosen = [o.get("value", o.get_text()) for o in field.find_all("option") if o.has_attr("selected")]
            if field.has_attr("multiple"):
                data[name] = chosen
            elif chosen:
                data[name] = chosen[0]
            else:
                data[name] = ""
        elif field.get("type") == "checkbox":
            if field.has_attr("checked"):
                data[name] = field.get("value", "on")
        else:
            data[name] = field.get("value", "")
    return data


def post_form(client, url: str, **changes):
    """Post the admin form at ``url`` with some fields changed (None removes a field: an unticked box)."""
    data = form_data(client, url)
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return client.post(url, data)


def errors(response) -> str:
    """The form's and the inlines' errors as text (empty when the save went through)."""
    if response.status_code != 200 or response.context is None:
        return ""
    found = []
    if "adminform" in response.context:
        found.append(str(response.context["adminform"].form.errors))
    for inline in response.context.get("inline_admin_formsets", []):
        found.append(str(inline.formset.errors) + str(inline.formset.non_form_errors()))
    return " ".join(found)
