"""A manager's afternoon in the console, in headless Chromium, against the service running as a real process.

Sign in; create a limited reward whose rule has an AND group, an OR group and a window; see a
refused box explained; the bot's events (through the API) unlock it for a user; the user's page
shows it; the bot claims it; the manager revokes the grant; the feed shows `grant_revoked`; the
reward's funnel counts the claim and the revocation; the health page shows the feed; the counters
page declares one counter and renames another; a leaderboard is declared (after a refused prize) and
the user taken out of its run; sign out. Every page is photographed at 400 px and at desktop width into the test's tmp_path.

Selenium drives Debian's chromium through /usr/bin/chromedriver given by path, so Selenium
Manager never downloads anything.
"""

import json
import os
import shutil
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.environment import REAL_MONGODB_URL, TEST_DATABASES
from tests.support.service_process import Service, running_service

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = "/usr/bin/chromedriver"
# At least 32 characters: on the wire pass the service runs on a real database, which refuses shorter ones.
BOT_TOKEN = "browser-test-bot-token-of-32-characters"
ADMIN_TOKEN = "browser-test-admin-token-of-32-characters"
USER_ID = 4242
WIDTHS = {"narrow": 400, "desktop": 1280}
# A deadline, not a measure: generous, so a loaded CI machine is not mistaken for a broken page.
WAIT_SECONDS = 60

pytestmark = pytest.mark.skipif(
    (CHROMIUM is None or not os.path.exists(CHROMEDRIVER)) and not os.environ.get("CI"),
    reason="no chromium/chromedriver: `apt-get install chromium chromium-driver` once to run the browser test",
)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    env = {"REWARDS_BOT_TOKEN": BOT_TOKEN, "REWARDS_ADMIN_TOKEN": ADMIN_TOKEN, "REWARDS_FEED_RELAY_SECONDS": "0.2"}
    if REAL_MONGODB_URL:
        name = f"rewards_test_{uuid.uuid4().hex[:12]}"
        TEST_DATABASES.add(name)
        env["MONGODB_DB"] = name
    with running_service(env, tmp_path_factory.mktemp("service") / "service.log") as running:
        yield running


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service as DriverService

    os.environ.setdefault("SE_OFFLINE", "true")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM or "/usr/bin/chromium"
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=DriverService(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(WAIT_SECONDS)
    try:
        yield driver
    finally:
        driver.quit()


def api(service: Service, method: str, path: str, body: dict[str, Any] | None, token: str) -> dict[str, Any]:
    request = urllib.request.Request(
        service.url + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=WAIT_SECONDS) as response:
        return json.loads(response.read())


class Manager:
    """The person at the browser: fills boxes by name, presses buttons, photographs pages."""

    def __init__(self, driver: Any, service: Service, shots: Path) -> None:
        self.driver, self.service, self.shots = driver, service, shots

    def open(self, path: str) -> None:
        self.driver.get(self.service.url + path)

    def box(self, name: str) -> Any:
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.NAME, name)

    def type(self, **boxes: str) -> None:
        for name, text in boxes.items():
            element = self.box(name)
            element.clear()
            element.send_keys(text)

    def choose(self, **selects: str) -> None:
        from selenium.webdriver.support.ui import Select

        for name, value in selects.items():
            Select(self.box(name)).select_by_value(value)

    def press(self, css: str) -> None:
        """Press a button or link that loads the next page, and wait for that page."""
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions
        from selenium.webdriver.support.ui import WebDriverWait

        page = self.driver.find_element(By.TAG_NAME, "html")
        self.driver.find_element(By.CSS_SELECTOR, css).click()

        def left(driver: Any) -> bool:
            try:
                return expected_conditions.staleness_of(page)(driver)
            except WebDriverException:  # Chromium may report the old node "not in the document" instead
                return True

        WebDriverWait(self.driver, WAIT_SECONDS).until(left)
        WebDriverWait(self.driver, WAIT_SECONDS).until(
            lambda driver: driver.execute_script("return document.readyState") == "complete"
        )

    def text(self, css: str = "main") -> str:
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, css).text

    def photograph(self, name: str) -> None:
        for width_name, width in WIDTHS.items():
            self.driver.set_window_size(width, 1000)
            self.driver.save_screenshot(str(self.shots / f"{name}-{width_name}.png"))
        self.driver.set_window_size(WIDTHS["desktop"], 1000)

    def reload_until(self, css: str, words: str) -> str:
        from selenium.webdriver.support.ui import WebDriverWait

        def shown(driver: Any) -> bool:
            driver.refresh()
            return words in self.text(css)

        WebDriverWait(self.driver, WAIT_SECONDS, poll_frequency=0.3).until(shown)
        return self.text(css)


def test_a_manager_creates_a_reward_sees_it_unlock_revokes_its_grant_and_signs_out(service, browser, tmp_path):
    manager = Manager(browser, service, tmp_path)
    api(service, "POST", "/v1/counters", {"name": "messages", "kind": "count", "display_name": "Messages"}, ADMIN_TOKEN)

    manager.open("/admin/rewards")
    assert browser.current_url.endswith("/admin/login")
    manager.photograph("login")
    manager.type(token=ADMIN_TOKEN)
    manager.press("#sign-in")
    assert browser.current_url.endswith("/admin/rewards")
    manager.photograph("catalogue")

    manager.open("/admin/rewards/new")
    manager.type(slug="chatty-week", name="Chatty week", amount="lots", max_claims="5", claim_window_hours="48")
    manager.choose(reward_type="besitos")
    for _ in range(3):
        manager.press("#add-condition")
    manager.choose(
        c0_condition_type="counter_in_window", c1_condition_type="first_reaction", c2_condition_type="streak_length"
    )
    manager.type(c0_counter="messages", c0_value="2", c0_window_days="7", c1_group="1", c2_value="3", c2_group="1")
    manager.press("#save")
    assert manager.text("#error-amount") == "must be a whole number"  # in plain words, next to the box it refuses
    assert manager.box("name").get_attribute("value") == "Chatty week"  # what was typed is kept
    assert "OR" in manager.text("#rule-summary")
    assert "AND" in manager.text("#rule-summary")
    manager.photograph("editor-refused")
    manager.type(amount="30")
    manager.press("#save")
    assert "Saved." in manager.text()
    manager.photograph("editor")

    for number in (1, 2):
        api(
            service,
            "POST",
            f"/v1/users/{USER_ID}/events",
            {"event_id": f"message-{number}", "type": "counter", "counter": "messages", "amount": 1},
            BOT_TOKEN,
        )
    unlocked = api(
        service, "POST", f"/v1/users/{USER_ID}/events", {"event_id": "reaction-1", "type": "reaction"}, BOT_TOKEN
    )["unlocked"]
    assert [reward["slug"] for reward in unlocked] == ["chatty-week"]

    manager.type(user_id=str(USER_ID))
    manager.press("form.lookup button")
    assert "chatty-week unlocked" in manager.text("#user-rewards")
    manager.photograph("user-unlocked")

    grant_id = api(service, "POST", f"/v1/users/{USER_ID}/rewards/chatty-week/claim", None, BOT_TOKEN)["grant_id"]
    manager.open(f"/admin/users/{USER_ID}")
    manager.press(f"a[href$='/grants/{grant_id}/revoke']")
    manager.photograph("revoke-confirmation")
    manager.type(reason="A test grant")
    manager.press("#confirm")
    assert f"Grant {grant_id} revoked." in manager.text()
    assert "grant_revoked chatty-week" in manager.reload_until("#feed", "grant_revoked")
    manager.photograph("user-revoked")

    manager.open("/admin/rewards")
    manager.press("a[href='/admin/rewards/chatty-week/funnel']")
    assert manager.text("#count-claimed") == "1"
    assert manager.text("#count-revoked") == "1"
    assert len(browser.find_elements("css selector", "#unlocks-chart rect.bar")) == 7  # the feed's 7 days
    manager.photograph("funnel")

    manager.press("a[href='/admin/health']")
    assert "entries waiting" in manager.text("#webhook-backlog")
    assert "grant_revoked" in manager.reload_until("#feed", "grant_revoked")
    manager.photograph("health")

    manager.press("a[href='/admin/counters']")
    assert "chatty-week" in manager.text("#counters")
    manager.type(name="polls", display_name="Polls answered")
    manager.choose(kind="count")
    manager.press("#declare-button")
    assert "Counter polls declared." in manager.text()
    manager.press("a[href='/admin/counters/messages']")
    manager.type(display_name="Messages sent")
    manager.press("#save")
    assert "Saved." in manager.text()
    manager.photograph("counters")

    manager.press("a[href='/admin/leaderboards']")
    manager.press("#new-board")
    manager.type(slug="daily-chatter", name="Chatter of the day", ranks="messages")
    manager.choose(period="daily")
    manager.press("#add-prize")
    manager.type(p0_from_rank="1", p0_to_rank="1", p0_reward="chatty-week")
    manager.press("#save")
    assert manager.text("#error-p0_reward") == "its only condition must be awarded"  # events could unlock it
    manager.photograph("leaderboard-refused")
    manager.press("button[value='remove_prize:0']")
    manager.press("#save")
    assert "Saved." in manager.text()
    message = {"event_id": "message-3", "type": "counter", "counter": "messages", "amount": 1}
    api(service, "POST", f"/v1/users/{USER_ID}/events", message, BOT_TOKEN)
    assert str(USER_ID) in manager.reload_until("#standings", str(USER_ID))
    browser.find_element("css selector", "#remove input[name='user_id']").send_keys(str(USER_ID))
    manager.type(reason="Testing the console")
    manager.press("#remove-button")
    assert "Testing the console" in manager.text("#removed")
    assert "Nobody has scored" in manager.text("#standings")
    manager.photograph("leaderboard")
    manager.press("#edit-board")
    assert manager.box("ranks").get_attribute("readonly") is not None  # what a board ranks never changes
    manager.photograph("leaderboard-edit")
    manager.press("header a[href='/admin/leaderboards']")
    assert "daily-chatter" in manager.text("#boards")
    manager.photograph("leaderboards")

    manager.press("form.logout button")
    assert browser.current_url.endswith("/admin/login")
    manager.open("/admin/rewards")
    assert browser.current_url.endswith("/admin/login")


def test_the_startup_log_gives_the_console_address(service):
    messages = [str(line.get("message", "")) for line in service.log_lines()]
    assert f"Admin console on {service.url}/admin (sign in with the admin token)" in messages
