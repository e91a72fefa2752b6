"""A live Label Studio for the tests (.ci/run installs and starts one): its REST API with the
legacy token, and screenshots of its labeling page through headless Chromium.

The server is named by the environment: AKHBAR_LS_URL (http://127.0.0.1:PORT), AKHBAR_LS_TOKEN
(the legacy API token it was first started with), AKHBAR_LS_USER and AKHBAR_LS_PASSWORD (to
log the browser in) and AKHBAR_LS_LOG (its log, quoted when it does not answer).
"""

from __future__ import annotations

import base64
import json
import os
import time
import urllib.error
import urllib.request
from pathlib import Path

ENV = {name: os.environ.get(f"AKHBAR_LS_{name}") for name in ("URL", "TOKEN", "USER", "PASSWORD", "LOG")}


class LabelStudioError(RuntimeError):
    pass


class LabelStudio:
    def __init__(self, url: str, token: str):
        self.url, self.token = url.rstrip("/"), token

    def call(self, method: str, path: str, body=None, timeout: float = 120):
        data = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Authorization": f"Token {self.token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raise LabelStudioError(f"{method} {path}: HTTP {exc.code}: {exc.read()[:500]!r}") from None
        return json.loads(raw) if raw else None

    def wait_ready(self, timeout: float) -> float:
        """Seconds waited until the server answers its API with our token; raises with its log's tail."""
        began = time.monotonic()
        while time.monotonic() - began < timeout:
            try:
                self.call("GET", "/api/projects?page_size=1", timeout=5)
                return time.monotonic() - began
            except (OSError, LabelStudioError):
                time.sleep(1)
        log = Path(ENV["LOG"]).read_text(errors="replace")[-3000:] if ENV["LOG"] and Path(ENV["LOG"]).is_file() else "(no log)"
        raise LabelStudioError(f"Label Studio at {self.url} did not answer in {timeout:.0f} s; its log ends:\n{log}")

    def create_project(self, title: str, config: str) -> int:
        return self.call("POST", "/api/projects", {"title": title, "label_config": config})["id"]

    def import_tasks(self, project: int, tasks: list[dict]) -> dict:
        return self.call("POST", f"/api/projects/{project}/import", tasks)

    def accept_predictions(self, project: int, tasks: list[int] | None = None) -> dict:
        """The Data Manager's 'Create Annotations From Predictions' on every task (or on `tasks`)."""
        selected = {"all": True, "excluded": []} if tasks is None else {"all": False, "included": tasks}
        return self.call("POST", f"/api/dm/actions?id=predictions_to_annotations&project={project}", {"selectedItems": selected})

    def prelabel(self, project: int, model_version: str) -> None:
        """Show the predictions of `model_version` as the starting annotation of the labeling page."""
        self.call("PATCH", f"/api/projects/{project}", {"model_version": model_version, "show_collab_predictions": True})

    def update_annotation(self, annotation: int, result: list) -> None:
        self.call("PATCH", f"/api/annotations/{annotation}", {"result": result})

    def export(self, project: int, all_tasks: bool = False) -> list[dict]:
        """The project's JSON export as the Export button gives it (all tasks, or only the annotated)."""
        return self.call("GET", f"/api/projects/{project}/export?exportType=JSON" + ("&download_all_tasks=true" if all_tasks else ""))

    def snapshot(self, project: int, timeout: float = 120) -> list[dict]:
        """A snapshot export of every task with its predictions in full (the API's export with
        `serialization_options.predictions.only_id = false`)."""
        made = self.call("POST", f"/api/projects/{project}/exports",
                         {"task_filter_options": {"only_with_annotations": False},
                          "serialization_options": {"predictions": {"only_id": False}}})
        deadline = time.monotonic() + timeout
        while self.call("GET", f"/api/projects/{project}/exports/{made['id']}").get("status") != "completed":
            if time.monotonic() > deadline:
                raise LabelStudioError(f"snapshot export {made['id']} of project {project} not completed in {timeout:.0f} s")
            time.sleep(0.5)
        return self.call("GET", f"/api/projects/{project}/exports/{made['id']}/download?exportType=JSON")

    def delete_project(self, project: int) -> None:
        self.call("DELETE", f"/api/projects/{project}")


# ---- screenshots -------------------------------------------------------------------------------


class Page:
    """One Chromium tab driven over the DevTools protocol (the browser from tests/test_browser.py)."""

    def __init__(self, browser, width: int = 1500, height: int = 1100):
        import websocket

        with urllib.request.urlopen(f"http://127.0.0.1:{browser.port}/json/list", timeout=10) as response:
            target = next(t for t in json.load(response) if t["type"] == "page")
        self.browser, self.ws = browser, websocket.create_connection(target["webSocketDebuggerUrl"], timeout=60)
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)

    def send(self, method: str, **params) -> dict:
        self.browser._id += 1
        self.ws.send(json.dumps({"id": self.browser._id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.browser._id:
                if "error" in message:
                    raise LabelStudioError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression: str):
        return self.browser.evaluate(self.ws, expression)

    def wait_for(self, expression: str, timeout: float = 60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.3)
        raise LabelStudioError(f"timed out waiting for {expression} on {self.evaluate('location.href')}")

    def goto(self, url: str) -> None:
        self.send("Page.navigate", url=url)
        time.sleep(0.5)
        self.wait_for("document.readyState === 'complete'")

    def log_in(self, base: str, user: str, password: str) -> None:
        self.goto(f"{base}/user/login/")
        self.wait_for("document.querySelector('input[name=email]') !== null")
        self.evaluate(f"""(() => {{ document.querySelector('input[name=email]').value = {json.dumps(user)};
            document.querySelector('input[name=password]').value = {json.dumps(password)};
            document.querySelector('form').submit(); return true; }})()""")
        self.wait_for("!location.pathname.startsWith('/user/login')", 30)

    def screenshot(self, path: Path) -> bytes:
        png = base64.b64decode(self.send("Page.captureScreenshot", format="png")["data"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(png)
        return png

    def close(self) -> None:
        self.ws.close()


# What the labeling page shows of a task: the highlighted regions, the relation arrows' labels,
# the direction of the text and its first characters.
LABELING_PAGE = """(() => {
  const text = document.querySelector('.lsf-richtext__container, .htx-richtext');
  return JSON.stringify({regions: document.querySelectorAll('.htx-highlight').length,
                         direction: text ? getComputedStyle(text.closest('.akhbar-rtl') || text).direction : null,
                         fontSize: text ? parseFloat(getComputedStyle(text).fontSize) : 0,
                         text: text ? text.innerText.slice(0, 200) : ''});
})()"""


def labeling_page(page: Page, base: str, project: int, task: int) -> dict:
    """Open a task's labeling page and wait until its regions are drawn; what it shows."""
    page.goto(f"{base}/projects/{project}/data?task={task}")
    page.wait_for("document.querySelectorAll('.htx-highlight').length > 0", 90)
    time.sleep(2)  # the relation arrows are drawn after the regions
    return json.loads(page.evaluate(LABELING_PAGE))


def submit(page: Page) -> None:
    """Press the labeling page's Submit button, as an annotator accepting what it shows."""
    assert page.evaluate("""(() => { const b = [...document.querySelectorAll('button')].find(b => b.innerText.trim() === 'Submit');
        if (!b) return false; b.click(); return true; })()"""), "no Submit button on the labeling page"
    time.sleep(3)


def select_region(page: Page, text: str) -> bool:
    """Click the first region whose text is `text` (its per-region fields open on the right)."""
    found = page.evaluate(f"""(() => {{ const h = [...document.querySelectorAll('.htx-highlight')]
        .find(x => x.innerText.trim() === {json.dumps(text)}); if (!h) return false; h.click(); return true; }})()""")
    time.sleep(1.5)
    return bool(found)
